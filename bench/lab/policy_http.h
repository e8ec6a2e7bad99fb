// policy-lab's HTTP side: reading a request head (bounded) and the answer each site mode gives
// for GET /.well-known/mta-sts.txt (RFC 8461 §3.3). Pure functions, so tests can check the
// exact bytes without sockets.
#pragma once
#include <string>
#include <string_view>

#include "bench/lab/policy_sites.h"

namespace starttls::lab {

inline constexpr std::string_view kPolicyPath = "/.well-known/mta-sts.txt";
inline constexpr size_t kMaxRequestHead = 16 * 1024;
// kTooLarge bodies are padded to this many octets: over the 64 KiB a sender accepts.
inline constexpr size_t kTooLargeBody = 70000;

enum class HeadParse { kIncomplete, kComplete, kMalformed };

struct RequestHead {
  std::string method;
  std::string target;
};

// Looks for the end of the head ("\r\n\r\n", or "\n\n") in `buffer` and reads the request line.
// kMalformed: no request line of three parts, or the head is over kMaxRequestHead octets.
HeadParse ParseRequestHead(std::string_view buffer, RequestHead& out);

struct PolicyResponse {
  std::string head_and_body;  // sent at once
  std::string drip;           // then sent one octet at a time (SiteMode::kSlow)
  int status = 0;
};

// The answer to `request` on `site`.
PolicyResponse BuildPolicyResponse(const PolicySite& site, const RequestHead& request);

}  // namespace starttls::lab
