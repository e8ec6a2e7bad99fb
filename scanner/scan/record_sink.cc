#include "scanner/scan/record_sink.h"

#include <cerrno>
#include <unistd.h>

namespace starttls {
namespace {

constexpr size_t kFlushAt = 256 * 1024;

}  // namespace

RecordSink::~RecordSink() {
  Flush();
  if (owns_fd_) close(fd_);
}

void RecordSink::Write(std::string_view line) {
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
  size_t done = 0;
  while (done < buffer_.size() && !failed_) {
    ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
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
