// The outcome of resolving one mail domain the way a sending MTA does (RFC 5321 §5.1):
// its MX set, each exchange's addresses, or why there is nothing to connect to; and, with
// domain policy on (docs/rules.md §8), the DNS facts its policies are judged from: the MX
// RRset's DNSSEC status, each exchange's TLSA records, the MTA-STS and TLS-RPT TXT records,
// and the addresses of the MTA-STS policy host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "scanner/policy/dane_state.h"
#include "scanner/policy/tlsa_record.h"

namespace starttls {

struct Exchange {
  std::string name;                  // lower case, no trailing dot; "." for a null MX
  uint16_t preference = 0;           // 0 for an implicit MX
  std::vector<IpAddress> addresses;  // A records first, then AAAA; capped
  std::string error;                 // why there is no address (empty when it has some)
  // Domain policy (when asked):
  bool addresses_secure = false;  // its address answers carried AD
  bool tlsa_asked = false;
  DnsLookupOutcome tlsa_lookup{};  // `_25._tcp.<name>` TLSA
  std::vector<TlsaRecord> tlsa{};
};

// A policy TXT lookup (`_mta-sts.<domain>`, `_smtp._tls.<domain>`).
struct PolicyTxt {
  bool asked = false;
  DnsLookupOutcome lookup;
  std::vector<std::string> records;
};

struct DomainResolution {
  enum MxKind : uint8_t {
    kMx,        // MX records found
    kImplicit,  // no MX, but the domain has addresses: the domain is its own exchange
    kNull,      // "MX 0 ." (RFC 7505): the domain accepts no mail
    kNone,      // no MX and no address, or the lookup failed
  };

  std::string domain;  // as normalized (lower case, no trailing dot)
  uint64_t tag = 0;    // the caller's, passed to MxResolver::Resolve
  std::string rcode;   // "NOERROR", "NXDOMAIN", "SERVFAIL", "TIMEOUT", "REFUSED", ...
  MxKind kind = kNone;
  std::vector<Exchange> exchanges;  // by preference, then name
  std::string error;                // text for a human when something went wrong

  // Domain policy (when asked):
  bool policy = false;
  DnsLookupOutcome mx_lookup;  // the MX query's answer: rcode and AD
  PolicyTxt mta_sts_txt;
  PolicyTxt tls_rpt_txt;
  // `mta-sts.<domain>`, looked up when the MTA-STS TXT is found; its addresses (A first).
  std::string policy_host;
  std::vector<IpAddress> policy_host_addresses;
  std::string policy_host_error;
};

// "mx", "implicit", "null", "none" (the schema's mx_kind).
std::string_view MxKindName(DomainResolution::MxKind kind);

// Text for a c-ares status: ARES_SUCCESS and ARES_ENODATA are "NOERROR" (NODATA is an
// empty NOERROR answer), ARES_ENOTFOUND "NXDOMAIN", ARES_ESERVFAIL "SERVFAIL", ARES_ETIMEOUT
// "TIMEOUT", ARES_EREFUSED "REFUSED", ...; transport failures get their own upper-case name
// ("CONNREFUSED", "BADRESP", ...), matching the schema's ^[A-Z][A-Z0-9_]*$.
std::string_view AresStatusRcode(int ares_status);

// The text of a DNS header RCODE: "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
// "REFUSED", ...; "RCODE<n>" for the rest.
std::string_view DnsRcodeName(int rcode);

}  // namespace starttls
