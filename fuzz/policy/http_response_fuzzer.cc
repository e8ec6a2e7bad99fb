// Fuzzes the incremental HTTP response parser. The first byte picks small or default limits
// and the piece size; the response is fed whole to one parser and in pieces to another, and
// both must agree on everything (outcome, status, content type, body): how TLS happens to
// split the bytes must never change the result. Then the stream ends; caps must hold.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scanner/policy/http_response_parser.h"

namespace {

void Check(const starttls::HttpResponseParser& p, const starttls::HttpResponseLimits& limits) {
  using starttls::HttpParse;
  if (p.body().size() > limits.max_body_bytes) std::abort();
  if (p.content_type().size() > limits.max_line_bytes) std::abort();
  if ((p.outcome() == HttpParse::kMalformed || p.outcome() == HttpParse::kTooLarge) &&
      p.error().empty()) {
    std::abort();
  }
  if (p.outcome() == HttpParse::kComplete &&
      (!p.headers_complete() || p.status_code() < 200 || p.status_code() > 599)) {
    std::abort();
  }
}

bool Same(const starttls::HttpResponseParser& a, const starttls::HttpResponseParser& b) {
  return a.outcome() == b.outcome() && a.status_code() == b.status_code() &&
         a.headers_complete() == b.headers_complete() && a.body() == b.body() &&
         a.content_type() == b.content_type() && a.error() == b.error() &&
         a.content_length() == b.content_length() && a.chunked() == b.chunked();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  starttls::HttpResponseLimits limits;
  if (control & 0x80) {
    limits.max_line_bytes = 48;
    limits.max_header_count = 4;
    limits.max_header_bytes = 160;
    limits.max_body_bytes = 32;
  }
  const size_t piece = 1 + (control & 0x0F);

  starttls::HttpResponseParser whole(limits);
  whole.Feed(bytes);
  starttls::HttpResponseParser pieces(limits);
  for (size_t at = 0; at < bytes.size(); at += piece) {
    const starttls::HttpParse before = pieces.outcome();
    const starttls::HttpParse now = pieces.Feed(bytes.substr(at, piece));
    // A final outcome stays.
    if (before != starttls::HttpParse::kNeedMore && now != before) std::abort();
  }
  Check(whole, limits);
  Check(pieces, limits);
  if (!Same(whole, pieces)) std::abort();
  whole.EndOfStream();
  pieces.EndOfStream();
  if (whole.outcome() == starttls::HttpParse::kNeedMore) std::abort();
  Check(whole, limits);
  if (!Same(whole, pieces)) std::abort();
  return 0;
}
