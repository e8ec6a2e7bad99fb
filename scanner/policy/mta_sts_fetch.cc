#include "scanner/policy/mta_sts_fetch.h"

#include "base/host_name.h"

namespace starttls {

std::optional<std::string> BuildMtaStsPolicyRequest(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  // "mta-sts." is 8 octets more; the whole host stays a DNS name.
  if (!IsHostName(domain) || domain.size() + 8 > 253) return std::nullopt;
  std::string request = "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.";
  request.append(domain);
  request.append("\r\nConnection: close\r\nUser-Agent: ");
  request.append(kMtaStsUserAgent);
  request.append("\r\nAccept: text/plain\r\n\r\n");
  return request;
}

std::string_view MtaStsFetchName(MtaStsFetch fetch) {
  switch (fetch) {
    case MtaStsFetch::kOk:
      return "ok";
    case MtaStsFetch::kDnsError:
      return "dns-error";
    case MtaStsFetch::kConnectError:
      return "connect-error";
    case MtaStsFetch::kTlsError:
      return "tls-error";
    case MtaStsFetch::kHttpStatus:
      return "http-status";
    case MtaStsFetch::kBadContentType:
      return "bad-content-type";
    case MtaStsFetch::kTooLarge:
      return "too-large";
    case MtaStsFetch::kTimeout:
      return "timeout";
    case MtaStsFetch::kBadPolicy:
      return "bad-policy";
  }
  return "bad-policy";
}

MtaStsFetch ClassifyMtaStsFetch(const MtaStsFetchFacts& facts) {
  if (!facts.address_found) return MtaStsFetch::kDnsError;
  if (facts.timed_out) return MtaStsFetch::kTimeout;
  if (!facts.connected) return MtaStsFetch::kConnectError;
  if (!facts.tls_ok) return MtaStsFetch::kTlsError;
  // A too-large body of a 200 is too-large; of any other status, or before a status was
  // known, the status decides.
  if (facts.status_code != 200) return MtaStsFetch::kHttpStatus;
  if (facts.http == HttpParse::kTooLarge) return MtaStsFetch::kTooLarge;
  if (facts.http != HttpParse::kComplete) return MtaStsFetch::kHttpStatus;
  if (!facts.has_content_type || !HttpMediaTypeIs(facts.content_type, "text/plain")) {
    return MtaStsFetch::kBadContentType;
  }
  if (!facts.policy_usable) return MtaStsFetch::kBadPolicy;
  return MtaStsFetch::kOk;
}

void TakeHttpFacts(const HttpResponseParser& parser, MtaStsFetchFacts* facts) {
  facts->http = parser.outcome();
  facts->status_code = parser.headers_complete() ? parser.status_code() : 0;
  facts->has_content_type = parser.has_content_type();
  facts->content_type = parser.content_type();
}

}  // namespace starttls
