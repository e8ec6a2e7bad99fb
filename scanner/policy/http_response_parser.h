// An incremental, bounded HTTP/1.1 response parser (RFC 9112) for the MTA-STS policy fetch
// (docs/rules.md §8). Bytes come in as TLS delivers them (Feed), and the end of the stream is
// an event of its own (EndOfStream), since a body without Content-Length or chunking ends
// when the server closes.
//
// What it takes: a status line `HTTP/1.x NNN reason`, interim 1xx responses skipped (at most
// kMaxInterimResponses), header fields `name: value` (no obs-fold, no bare CR), a body by
// Content-Length, by `Transfer-Encoding: chunked` (chunk extensions and trailers read and
// dropped), or up to the close. 204 and 304 have no body. Any other transfer coding, both
// Content-Length and Transfer-Encoding, or differing Content-Lengths are malformed.
//
// Bounds: each line (status, header, chunk size, trailer) at most `max_line_bytes`, at most
// `max_header_count` fields and `max_header_bytes` bytes of lines in all (interim responses
// and trailers included), the decoded body at most `max_body_bytes` (more: kTooLarge, known
// as soon as a Content-Length or a chunk size says so). Once complete, malformed or too
// large, the outcome stays and further bytes are ignored. Redirects are not followed: a 3xx
// is a complete response like any other, its status says what it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace starttls {

enum class HttpParse { kNeedMore, kComplete, kMalformed, kTooLarge };

struct HttpResponseLimits {
  size_t max_line_bytes = 8 * 1024;
  size_t max_header_count = 64;
  size_t max_header_bytes = 32 * 1024;
  size_t max_body_bytes = 64 * 1024;
};

inline constexpr int kMaxInterimResponses = 4;

class HttpResponseParser {
 public:
  explicit HttpResponseParser(const HttpResponseLimits& limits = {}) : limits_(limits) {}

  HttpParse Feed(std::string_view bytes);
  // The peer closed the stream: completes a body delimited by the close, else an unfinished
  // response is malformed.
  HttpParse EndOfStream();

  HttpParse outcome() const { return outcome_; }
  bool headers_complete() const { return headers_complete_; }
  int status_code() const { return status_code_; }  // 0 until a final status line is read
  bool has_content_type() const { return has_content_type_; }
  const std::string& content_type() const { return content_type_; }  // the first one
  std::optional<uint64_t> content_length() const { return content_length_; }
  bool chunked() const { return chunked_; }
  const std::string& body() const { return body_; }    // empty unless complete (or still coming)
  const std::string& error() const { return error_; }  // why malformed or too large

 private:
  enum class Stage {
    kStatusLine,
    kHeaders,
    kBodyLength,
    kBodyUntilClose,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kDone
  };

  HttpParse Fail(HttpParse outcome, std::string_view why);
  // Gathers a line ending in LF from *bytes into line_; true when complete (CR stripped).
  bool TakeLine(std::string_view* bytes);
  void StatusLine(std::string_view line);
  void HeaderLine(std::string_view line, bool trailer);
  void HeadersDone();
  void ChunkSizeLine(std::string_view line);
  bool AppendBody(std::string_view bytes);

  HttpResponseLimits limits_;
  HttpParse outcome_ = HttpParse::kNeedMore;
  Stage stage_ = Stage::kStatusLine;
  std::string line_;
  size_t header_bytes_ = 0;
  size_t header_count_ = 0;
  int interim_responses_ = 0;
  bool headers_complete_ = false;
  int status_code_ = 0;
  int pending_status_ = 0;  // the status line being read (may be interim)
  bool has_content_type_ = false;
  std::string content_type_;
  std::optional<uint64_t> content_length_;
  bool chunked_ = false;
  bool transfer_encoding_seen_ = false;
  uint64_t remaining_ = 0;  // body bytes (Content-Length) or chunk bytes still to come
  std::string body_;
  std::string error_;
};

// True when a Content-Type value names `media_type` (e.g. "text/plain"): the type/subtype
// before any ';' parameters, OWS trimmed, compared without ASCII case (RFC 9110 §8.3.1).
bool HttpMediaTypeIs(std::string_view content_type, std::string_view media_type);

}  // namespace starttls
