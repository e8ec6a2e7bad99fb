#include "scanner/policy/http_response_parser.h"

#include <algorithm>
#include <utility>

#include "base/byte_cursor.h"
#include "scanner/smtp/ascii.h"

namespace starttls {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Field values and reason phrases: HTAB, SP, VCHAR and obs-text; no other control byte.
bool IsFieldText(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HttpParse HttpResponseParser::Fail(HttpParse outcome, std::string_view why) {
  outcome_ = outcome;
  error_.assign(why);
  stage_ = Stage::kDone;
  // What arrived of a failed body depends on how the bytes were split: none is kept.
  body_.clear();
  line_.clear();
  return outcome_;
}

bool HttpResponseParser::TakeLine(std::string_view* bytes) {
  const size_t lf = bytes->find('\n');
  const std::string_view part = lf == std::string_view::npos ? *bytes : bytes->substr(0, lf);
  if (line_.size() + part.size() > limits_.max_line_bytes) {
    Fail(HttpParse::kMalformed, "line too long");
    return false;
  }
  line_.append(part);
  bytes->remove_prefix(lf == std::string_view::npos ? bytes->size() : lf + 1);
  if (lf == std::string_view::npos) return false;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

HttpParse HttpResponseParser::Feed(std::string_view bytes) {
  while (!bytes.empty() && outcome_ == HttpParse::kNeedMore) {
    switch (stage_) {
      case Stage::kStatusLine:
      case Stage::kHeaders:
      case Stage::kTrailers:
      case Stage::kChunkSize:
      case Stage::kChunkDataEnd: {
        if (!TakeLine(&bytes)) break;
        std::string line;
        line.swap(line_);
        if (stage_ == Stage::kStatusLine || stage_ == Stage::kHeaders ||
            stage_ == Stage::kTrailers) {
          header_bytes_ += line.size() + 1;
          if (header_bytes_ > limits_.max_header_bytes) {
            Fail(HttpParse::kMalformed, "header section too large");
            break;
          }
        }
        switch (stage_) {
          case Stage::kStatusLine:
            StatusLine(line);
            break;
          case Stage::kHeaders:
            HeaderLine(line, /*trailer=*/false);
            break;
          case Stage::kTrailers:
            HeaderLine(line, /*trailer=*/true);
            break;
          case Stage::kChunkSize:
            ChunkSizeLine(line);
            break;
          default:  // kChunkDataEnd
            if (!line.empty()) {
              Fail(HttpParse::kMalformed, "chunk data longer than its size");
            } else {
              stage_ = Stage::kChunkSize;
            }
            break;
        }
        break;
      }
      case Stage::kBodyLength:
      case Stage::kChunkData: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
        if (!AppendBody(bytes.substr(0, n))) break;
        bytes.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) {
          if (stage_ == Stage::kChunkData) {
            stage_ = Stage::kChunkDataEnd;
          } else {
            stage_ = Stage::kDone;
            outcome_ = HttpParse::kComplete;
          }
        }
        break;
      }
      case Stage::kBodyUntilClose:
        if (AppendBody(bytes)) bytes = {};
        break;
      case Stage::kDone:
        bytes = {};
        break;
    }
  }
  return outcome_;
}

HttpParse HttpResponseParser::EndOfStream() {
  if (outcome_ != HttpParse::kNeedMore) return outcome_;
  if (stage_ == Stage::kBodyUntilClose) {
    stage_ = Stage::kDone;
    outcome_ = HttpParse::kComplete;
    return outcome_;
  }
  if (stage_ == Stage::kStatusLine && line_.empty() && header_bytes_ == 0) {
    return Fail(HttpParse::kMalformed, "closed before a status line");
  }
  return Fail(HttpParse::kMalformed, "closed before the response was complete");
}

void HttpResponseParser::StatusLine(std::string_view line) {
  // HTTP-version SP 3DIGIT SP reason-phrase; a missing " reason" is tolerated.
  ByteCursor cursor(line);
  std::string_view version;
  uint8_t minor = 0, space = 0;
  int code = 0;
  if (!cursor.ReadBytes(7, &version) || version != "HTTP/1." || !cursor.ReadU8(&minor) ||
      !IsDigit(static_cast<char>(minor)) || !cursor.ReadU8(&space) || space != ' ' ||
      !cursor.ReadThreeDigits(&code) || (!cursor.empty() && cursor.rest().front() != ' ') ||
      !IsFieldText(cursor.rest())) {
    Fail(HttpParse::kMalformed, "bad status line");
    return;
  }
  if (code < 100 || code > 599) {
    Fail(HttpParse::kMalformed, "status code out of range");
    return;
  }
  pending_status_ = code;
  stage_ = Stage::kHeaders;
}

void HttpResponseParser::HeaderLine(std::string_view line, bool trailer) {
  if (line.empty()) {
    if (trailer) {
      stage_ = Stage::kDone;
      outcome_ = HttpParse::kComplete;
    } else {
      HeadersDone();
    }
    return;
  }
  if (++header_count_ > limits_.max_header_count) {
    Fail(HttpParse::kMalformed, "too many header fields");
    return;
  }
  if (IsOws(line[0])) {
    Fail(HttpParse::kMalformed, "folded header line");
    return;
  }
  ByteCursor cursor(line);
  std::string_view name;
  if (!cursor.ReadUntil(':', &name) || name.empty()) {
    Fail(HttpParse::kMalformed, "header line without a field name");
    return;
  }
  for (char c : name) {
    if (!IsTokenChar(c)) {
      Fail(HttpParse::kMalformed, "bad header field name");
      return;
    }
  }
  const std::string_view value = TrimOws(cursor.rest());
  if (!IsFieldText(value)) {
    Fail(HttpParse::kMalformed, "control byte in a header value");
    return;
  }
  // Trailer fields and an interim response's fields say nothing about this body.
  if (trailer || pending_status_ < 200) return;
  if (EqualsIgnoreCase(name, "Content-Length")) {
    if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), IsDigit)) {
      Fail(HttpParse::kMalformed, "bad Content-Length");
      return;
    }
    uint64_t length = 0;
    for (char c : value) length = length * 10 + static_cast<uint64_t>(c - '0');
    if (content_length_.has_value() && *content_length_ != length) {
      Fail(HttpParse::kMalformed, "differing Content-Length fields");
      return;
    }
    content_length_ = length;
  } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
    if (transfer_encoding_seen_ || !EqualsIgnoreCase(value, "chunked")) {
      Fail(HttpParse::kMalformed, "unsupported Transfer-Encoding");
      return;
    }
    transfer_encoding_seen_ = true;
    chunked_ = true;
  } else if (EqualsIgnoreCase(name, "Content-Type")) {
    if (!has_content_type_) {
      has_content_type_ = true;
      content_type_.assign(value);
    }
  }
}

void HttpResponseParser::HeadersDone() {
  if (pending_status_ < 200) {
    if (pending_status_ == 101) {
      Fail(HttpParse::kMalformed, "unrequested protocol switch");
      return;
    }
    if (++interim_responses_ > kMaxInterimResponses) {
      Fail(HttpParse::kMalformed, "too many interim responses");
      return;
    }
    pending_status_ = 0;
    stage_ = Stage::kStatusLine;
    return;
  }
  status_code_ = pending_status_;
  headers_complete_ = true;
  if (status_code_ == 204 || status_code_ == 304) {
    stage_ = Stage::kDone;
    outcome_ = HttpParse::kComplete;
    return;
  }
  if (chunked_) {
    if (content_length_.has_value()) {
      Fail(HttpParse::kMalformed, "both Content-Length and Transfer-Encoding");
      return;
    }
    stage_ = Stage::kChunkSize;
    return;
  }
  if (content_length_.has_value()) {
    if (*content_length_ > limits_.max_body_bytes) {
      Fail(HttpParse::kTooLarge, "Content-Length over the body limit");
      return;
    }
    if (*content_length_ == 0) {
      stage_ = Stage::kDone;
      outcome_ = HttpParse::kComplete;
      return;
    }
    remaining_ = *content_length_;
    stage_ = Stage::kBodyLength;
    return;
  }
  stage_ = Stage::kBodyUntilClose;
}

void HttpResponseParser::ChunkSizeLine(std::string_view line) {
  // chunk-size [ chunk-ext ]: 1*HEXDIG *( BWS ";" ... ); extensions are dropped.
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && HexValue(line[digits]) >= 0) {
    if (digits == 15) {
      Fail(HttpParse::kMalformed, "chunk size too long");
      return;
    }
    size = size * 16 + static_cast<uint64_t>(HexValue(line[digits]));
    ++digits;
  }
  std::string_view rest = line.substr(digits);
  while (!rest.empty() && IsOws(rest.front())) rest.remove_prefix(1);
  if (digits == 0 || (!rest.empty() && rest.front() != ';') || !IsFieldText(rest)) {
    Fail(HttpParse::kMalformed, "bad chunk size line");
    return;
  }
  if (size == 0) {
    stage_ = Stage::kTrailers;
    return;
  }
  if (size > limits_.max_body_bytes - std::min(body_.size(), limits_.max_body_bytes)) {
    Fail(HttpParse::kTooLarge, "chunked body over the body limit");
    return;
  }
  remaining_ = size;
  stage_ = Stage::kChunkData;
}

bool HttpResponseParser::AppendBody(std::string_view bytes) {
  if (bytes.size() > limits_.max_body_bytes - body_.size()) {
    Fail(HttpParse::kTooLarge, "body over the body limit");
    return false;
  }
  body_.append(bytes);
  return true;
}

bool HttpMediaTypeIs(std::string_view content_type, std::string_view media_type) {
  const size_t semicolon = content_type.find(';');
  const std::string_view type = TrimOws(
      semicolon == std::string_view::npos ? content_type : content_type.substr(0, semicolon));
  return EqualsIgnoreCase(type, media_type);
}

}  // namespace starttls
