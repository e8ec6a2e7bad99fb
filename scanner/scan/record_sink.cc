#include "scanner/scan/record_sink.h"

#include <unistd.h>
#include <cerrno>

namespace starttls {
namespace {

constexpr size_t kFlushAt = 256 * 1024;

}  // namespace

RecordSink::RecordSink(int fd, bool owns_fd, RecordFormat format)
    : fd_(fd), owns_fd_(owns_fd), format_(std::move(format)), encoder_(format_.compression) {
  if (format_.csv.has_value()) buffer_ = format_.csv->Header();
}

RecordSink::~RecordSink() {
  Flush();
  if (owns_fd_) close(fd_);
}

void RecordSink::Write(std::string_view line) {
  if (format_.csv.has_value()) {
    // Converted outside the lock: threads writing at once convert in parallel.
    thread_local std::string row;
    row.clear();
    if (line.ends_with('\n')) line.remove_suffix(1);
    bool converted = format_.csv->AppendRowFromJson(line, &row).empty();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!converted) {
      failed_ = true;  // our own record is always an object: a lost one must not go unseen
      return;
    }
    buffer_.append(row);
    ++records_;
    if (buffer_.size() >= kFlushAt) FlushLocked();
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  buffer_.append(line);
  ++records_;
  if (buffer_.size() >= kFlushAt) FlushLocked();
}

bool RecordSink::Flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  return FlushLocked();
}

bool RecordSink::FlushLocked() {
  std::string_view out = buffer_;
  if (format_.compression != Compression::kNone && !buffer_.empty()) {
    frame_.clear();
    if (!encoder_.AppendFrame(buffer_, &frame_).empty()) failed_ = true;
    out = frame_;
  }
  size_t done = 0;
  while (done < out.size() && !failed_) {
    ssize_t n = write(fd_, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      break;
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return !failed_;
}

}  // namespace starttls
