#include "scanner/targets/line_reader.h"

#include <algorithm>
#include <cstring>

namespace starttls {
namespace {

// The buffer holds at least one full line plus room to read ahead in big chunks.
constexpr size_t kMinBufferBytes = 64 * 1024;
// A caller's cap above this is lowered to it, so the buffer size cannot overflow.
constexpr size_t kMaxLineCap = 16 * 1024 * 1024;

size_t ClampCap(size_t max_line_bytes) { return std::min(max_line_bytes, kMaxLineCap); }

}  // namespace

LineReader::LineReader(std::unique_ptr<InputSource> source, size_t max_line_bytes)
    : source_(std::move(source)),
      max_line_bytes_(ClampCap(max_line_bytes)),
      buf_(std::max(kMinBufferBytes, 2 * (max_line_bytes_ + 1))) {
  SHA256_Init(&digest_);
}

LineReader::LineReader(int fd, size_t max_line_bytes)
    : LineReader(std::make_unique<BlockingFdSource>(fd), max_line_bytes) {}

LineReader::LineReader(std::FILE* stream, size_t max_line_bytes)
    : LineReader(std::make_unique<StdioSource>(stream), max_line_bytes) {}

InputRead LineReader::Fill() {
  if (eof_) return InputRead::kEnd;
  if (begin_ > 0) {  // compact: keep the unconsumed tail at the front
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  size_t room = buf_.size() - end_;
  if (room == 0) return InputRead::kBytes;  // cannot happen: a line never fills the buffer
  size_t got = 0;
  InputRead result = source_->Read(buf_.data() + end_, room, &got);
  SHA256_Update(&digest_, buf_.data() + end_, got);
  end_ += got;
  if (result == InputRead::kError) status_ = absl::InternalError(source_->error());
  if (result == InputRead::kEnd || result == InputRead::kError) eof_ = true;
  return result;
}

std::string LineReader::Digest() const {
  SHA256_CTX copy = digest_;
  uint8_t hash[SHA256_DIGEST_LENGTH];
  SHA256_Final(hash, &copy);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (uint8_t byte : hash) {
    text.push_back(kHex[byte >> 4]);
    text.push_back(kHex[byte & 15]);
  }
  return text;
}

void LineReader::StartDiscarding() {
  size_t prefix_len = std::min(kTooLongPrefix, end_ - begin_);
  if (const void* lf = std::memchr(buf_.data() + begin_, '\n', prefix_len)) {
    prefix_len = static_cast<size_t>(static_cast<const char*>(lf) - (buf_.data() + begin_));
  }
  too_long_prefix_.assign(buf_.data() + begin_, prefix_len);
  discarding_ = true;
  discarded_length_ = 0;
  scanned_ = 0;
}

LinePoll LineReader::Emit(LineRecord* out, std::string_view text, bool too_long, uint64_t length) {
  *out = LineRecord{++line_number_, text, too_long, length};
  scanned_ = 0;
  return LinePoll::kLine;
}

LinePoll LineReader::Poll(LineRecord* out) {
  for (;;) {
    if (discarding_) {
      const char* start = buf_.data() + begin_;
      const void* lf = std::memchr(start, '\n', end_ - begin_);
      if (lf != nullptr) {
        size_t lf_pos = static_cast<size_t>(static_cast<const char*>(lf) - buf_.data());
        discarded_length_ += lf_pos - begin_;
        begin_ = lf_pos + 1;
        discarding_ = false;
        return Emit(out, too_long_prefix_, true, discarded_length_);
      }
      discarded_length_ += end_ - begin_;
      begin_ = end_ = 0;
    } else {
      const char* start = buf_.data() + begin_ + scanned_;
      const void* lf = std::memchr(start, '\n', end_ - begin_ - scanned_);
      if (lf != nullptr) {
        size_t lf_pos = static_cast<size_t>(static_cast<const char*>(lf) - buf_.data());
        size_t len = lf_pos - begin_;
        if (len > max_line_bytes_) {
          StartDiscarding();  // too long, yet whole in the buffer: the next turn drops it
          continue;
        }
        std::string_view text(buf_.data() + begin_, len);
        begin_ = lf_pos + 1;
        return Emit(out, text, false, len);
      }
      scanned_ = end_ - begin_;
      if (scanned_ > max_line_bytes_) {
        StartDiscarding();  // too long, its end not yet seen
        continue;
      }
    }
    switch (Fill()) {
      case InputRead::kBytes:
        continue;
      case InputRead::kNotYet:
        return LinePoll::kNotYet;
      case InputRead::kEnd:
      case InputRead::kError:
        break;
    }
    if (discarding_) {  // the too-long line ends the input
      discarding_ = false;
      return Emit(out, too_long_prefix_, true, discarded_length_);
    }
    if (begin_ == end_) return LinePoll::kEnd;
    std::string_view text(buf_.data() + begin_, end_ - begin_);  // last line without LF
    uint64_t length = end_ - begin_;
    begin_ = end_;
    return Emit(out, text, false, length);
  }
}

}  // namespace starttls
