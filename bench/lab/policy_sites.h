// The MTA-STS policy sites of the lab (RFC 8461 §3.3): which answer policy-lab gives for
// https://mta-sts.<domain>/.well-known/mta-sts.txt. The zone writer decides them beside the
// domains' DNS records and writes RUN_DIR/mta-sts-sites.tsv; policy-lab reads that file, so the
// two agree without sharing anything else.
//
// File: one site per line, `domain TAB mode TAB body TAB location`, where body and location
// escape backslash, tab, CR and LF as \\ \t \r \n.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starttls::lab {

enum class SiteMode {
  kOk,              // 200, text/plain, Content-Length
  kChunked,         // 200, text/plain, Transfer-Encoding: chunked (the body in 3 chunks)
  kNotFound,        // 404
  kRedirect,        // 301 to `location` (a good policy there; senders must not follow)
  kBadContentType,  // 200, text/html, the good policy
  kTooLarge,        // 200, text/plain, the policy padded past 64 KiB
  kCertExpired,     // an expired certificate for mta-sts.<domain>, then as kOk
  kCertWrongName,   // a certificate for another name, then as kOk
  kSlow,            // 200, headers at once, then the body one byte per --drip-ms
};

struct PolicySite {
  std::string domain;  // the mail domain; the site's host name is "mta-sts." + domain
  SiteMode mode = SiteMode::kOk;
  std::string body;
  std::string location;  // kRedirect only
};

std::string_view SiteModeName(SiteMode mode);
bool ParseSiteMode(std::string_view name, SiteMode& out);

std::string FormatSites(const std::vector<PolicySite>& sites);
// At most 100,000 sites, bodies at most 64 KiB each (policy-lab pads kTooLarge itself).
bool ReadSites(const std::string& path, std::vector<PolicySite>& out, std::string& error);

}  // namespace starttls::lab
