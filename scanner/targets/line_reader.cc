#include "scanner/targets/line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace starttls {
namespace {

// The buffer holds at least one full line plus room to read ahead in big chunks.
constexpr size_t kMinBufferBytes = 64 * 1024;
// A caller's cap above this is lowered to it, so the buffer size cannot overflow.
constexpr size_t kMaxLineCap = 16 * 1024 * 1024;

size_t ClampCap(size_t max_line_bytes) { return std::min(max_line_bytes, kMaxLineCap); }

}  // namespace

LineReader::LineReader(int fd, size_t max_line_bytes)
    : fd_(fd), max_line_bytes_(ClampCap(max_line_bytes)),
      buf_(std::max(kMinBufferBytes, 2 * (max_line_bytes_ + 1))) {}

LineReader::LineReader(std::FILE* stream, size_t max_line_bytes)
    : stream_(stream), max_line_bytes_(ClampCap(max_line_bytes)),
      buf_(std::max(kMinBufferBytes, 2 * (max_line_bytes_ + 1))) {}

size_t LineReader::Fill() {
  if (eof_) return 0;
  if (begin_ > 0) {  // compact: keep the unconsumed tail at the front
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  size_t room = buf_.size() - end_;
  if (room == 0) return 0;
  if (stream_ != nullptr) {
    size_t n = std::fread(buf_.data() + end_, 1, room, stream_);
    if (n == 0) {
      eof_ = true;
      if (std::ferror(stream_)) status_ = absl::InternalError("read error on input stream");
    }
    end_ += n;
    return n;
  }
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data() + end_, room);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return static_cast<size_t>(n);
    }
    if (n < 0 && errno == EINTR) continue;
    eof_ = true;
    if (n < 0) status_ = absl::InternalError(std::string("read: ") + std::strerror(errno));
    return 0;
  }
}

bool LineReader::Next(LineRecord* out) {
  size_t scanned = 0;  // bytes after begin_ already known to hold no LF
  for (;;) {
    const char* start = buf_.data() + begin_ + scanned;
    const void* lf = std::memchr(start, '\n', end_ - begin_ - scanned);
    if (lf != nullptr) {
      size_t lf_pos = static_cast<size_t>(static_cast<const char*>(lf) - buf_.data());
      size_t len = lf_pos - begin_;
      if (len > max_line_bytes_) break;  // too long, yet whole in the buffer
      *out = LineRecord{++line_number_, std::string_view(buf_.data() + begin_, len), false, len};
      begin_ = lf_pos + 1;
      return true;
    }
    scanned = end_ - begin_;
    if (scanned > max_line_bytes_) break;  // too long, end not yet seen
    if (Fill() == 0) {                     // Fill() keeps begin_..end_, maybe moved to 0
      if (begin_ == end_) return false;    // clean end
      size_t len = end_ - begin_;          // last line without LF
      *out = LineRecord{++line_number_, std::string_view(buf_.data() + begin_, len), false, len};
      begin_ = end_;
      return true;
    }
  }

  // Too long: remember a prefix, then discard bytes up to and including the next LF.
  size_t prefix_len = std::min(kTooLongPrefix, end_ - begin_);
  if (const void* lf = std::memchr(buf_.data() + begin_, '\n', prefix_len)) {
    prefix_len = static_cast<size_t>(static_cast<const char*>(lf) - (buf_.data() + begin_));
  }
  too_long_prefix_.assign(buf_.data() + begin_, prefix_len);
  uint64_t length = 0;
  for (;;) {
    const char* start = buf_.data() + begin_;
    const void* lf = std::memchr(start, '\n', end_ - begin_);
    if (lf != nullptr) {
      size_t lf_pos = static_cast<size_t>(static_cast<const char*>(lf) - buf_.data());
      length += lf_pos - begin_;
      begin_ = lf_pos + 1;
      break;
    }
    length += end_ - begin_;
    begin_ = end_ = 0;
    if (Fill() == 0) break;  // the too-long line ends the input
  }
  *out = LineRecord{++line_number_, too_long_prefix_, true, length};
  return true;
}

}  // namespace starttls
