// The MTA-STS policy fetch around the HTTP parser (RFC 8461 §3.3, docs/rules.md §8): the
// request, and the whole fetch's outcome as one of §8's `fetch` names.
//
// The request is `GET /.well-known/mta-sts.txt HTTP/1.1` to `mta-sts.<domain>` with
// `Connection: close` (so a body without length ends at the close) and no Accept-Encoding
// (so no content coding comes back); the caller sends it over TLS with SNI
// `mta-sts.<domain>`, and a redirect is never followed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scanner/policy/http_response_parser.h"

namespace starttls {

inline constexpr std::string_view kMtaStsUserAgent = "starttls-scan (MTA-STS policy fetch)";

// The request bytes for the policy of `domain` (the mail domain, not mta-sts.<domain>;
// a trailing dot is dropped). nullopt when `domain` is not a host name of LDH labels, so no
// byte of it can break the request.
std::optional<std::string> BuildMtaStsPolicyRequest(std::string_view domain);

enum class MtaStsFetch {
  kOk,
  kDnsError,  // mta-sts.<domain> has no address (any DNS failure, its timeouts too)
  kConnectError,
  kTlsError,        // handshake failed, or the certificate is not valid for mta-sts.<domain>
  kHttpStatus,      // a status other than 200 (redirects included), or no valid response
  kBadContentType,  // 200 without a text/plain Content-Type
  kTooLarge,        // the body goes over 64 KiB
  kTimeout,         // a deadline passed after DNS: connect, handshake, response
  kBadPolicy,       // 200 text/plain, but the policy is not usable
};

// "ok", "dns-error", "connect-error", "tls-error", "http-status", "bad-content-type",
// "too-large", "timeout", "bad-policy".
std::string_view MtaStsFetchName(MtaStsFetch fetch);

// What happened, step by step; a step is looked at only when the ones before succeeded.
struct MtaStsFetchFacts {
  bool address_found = false;  // mta-sts.<domain> resolved
  bool timed_out = false;      // a deadline after DNS passed (where: the first false step)
  bool connected = false;
  bool tls_ok = false;  // handshake done and certificate valid for mta-sts.<domain>
  HttpParse http = HttpParse::kNeedMore;  // the parser's outcome when the fetch ended
  int status_code = 0;
  std::string_view content_type;  // HttpResponseParser::content_type()
  bool has_content_type = false;
  bool policy_usable = false;  // ParseMtaStsPolicy(body).usable
};

// The order: DNS, then a timeout, connect, TLS; then a status other than 200 (or none: no
// valid response) is http-status, a 200's body over the cap too-large, a 200 that never
// completed http-status, then the content type, then the policy.
MtaStsFetch ClassifyMtaStsFetch(const MtaStsFetchFacts& facts);

// The facts of a response from its parser (status, content type and outcome).
void TakeHttpFacts(const HttpResponseParser& parser, MtaStsFetchFacts* facts);

}  // namespace starttls
