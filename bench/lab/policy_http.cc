#include "bench/lab/policy_http.h"

#include <cstdio>

#include "base/byte_cursor.h"

namespace starttls::lab {
namespace {

std::string Response(int status, std::string_view reason, std::string_view headers,
                     std::string_view body, bool content_length = true) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n" +
                  "Server: policy-lab\r\n" + std::string(headers);
  if (content_length) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "Connection: close\r\n\r\n";
  return r + std::string(body);
}

// The body in three chunks (RFC 9112 §7.1), then the last chunk without trailers.
std::string Chunked(std::string_view body) {
  std::string out;
  size_t third = body.size() / 3 + 1;
  while (!body.empty()) {
    std::string_view piece = body.substr(0, third);
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    out += size;
    out += piece;
    out += "\r\n";
    body.remove_prefix(piece.size());
  }
  return out + "0\r\n\r\n";
}

}  // namespace

HeadParse ParseRequestHead(std::string_view buffer, RequestHead& out) {
  size_t end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) end = buffer.find("\n\n");
  if (end == std::string_view::npos)
    return buffer.size() > kMaxRequestHead ? HeadParse::kMalformed : HeadParse::kIncomplete;
  if (end > kMaxRequestHead) return HeadParse::kMalformed;
  ByteCursor c(buffer.substr(0, end + 1));
  std::string_view line, method, target;
  if (!c.ReadUntil('\n', &line)) return HeadParse::kMalformed;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ByteCursor words(line);
  if (!words.ReadUntil(' ', &method) || !words.ReadUntil(' ', &target) || method.empty() ||
      target.empty() || words.rest().substr(0, 5) != "HTTP/")
    return HeadParse::kMalformed;
  out.method = method;
  out.target = target;
  return HeadParse::kComplete;
}

PolicyResponse BuildPolicyResponse(const PolicySite& site, const RequestHead& request) {
  PolicyResponse r;
  if (request.method != "GET") {
    r.status = 405;
    r.head_and_body = Response(405, "Method Not Allowed",
                               "Allow: GET\r\nContent-Type: text/plain\r\n", "GET only\n");
    return r;
  }
  if (request.target != kPolicyPath || site.mode == SiteMode::kNotFound) {
    r.status = 404;
    r.head_and_body = Response(404, "Not Found", "Content-Type: text/plain\r\n", "not found\n");
    return r;
  }
  const std::string plain = "Content-Type: text/plain\r\n";
  r.status = 200;
  switch (site.mode) {
    case SiteMode::kOk:
    case SiteMode::kCertExpired:
    case SiteMode::kCertWrongName:
      r.head_and_body = Response(200, "OK", plain, site.body);
      break;
    case SiteMode::kChunked:
      r.head_and_body = Response(200, "OK", plain + "Transfer-Encoding: chunked\r\n", "", false) +
                        Chunked(site.body);
      break;
    case SiteMode::kRedirect:
      r.status = 301;
      r.head_and_body =
          Response(301, "Moved Permanently", "Location: " + site.location + "\r\n", "");
      break;
    case SiteMode::kBadContentType:
      r.head_and_body =
          Response(200, "OK", "Content-Type: text/html; charset=utf-8\r\n", site.body);
      break;
    case SiteMode::kTooLarge: {
      // Unknown keys are ignored (RFC 8461 §3.2): only the size makes this policy unusable.
      std::string body = site.body;
      while (body.size() < kTooLargeBody) body += "x-padding: " + std::string(100, 'p') + "\n";
      r.head_and_body = Response(200, "OK", plain, body);
      break;
    }
    case SiteMode::kSlow: {
      std::string head = Response(200, "OK", plain, site.body);
      r.head_and_body = head.substr(0, head.size() - site.body.size());
      r.drip = site.body;
      break;
    }
    case SiteMode::kNotFound:
      break;  // answered above
  }
  return r;
}

}  // namespace starttls::lab
