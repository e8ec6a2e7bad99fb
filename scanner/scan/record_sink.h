// Where NDJSON records go: whole lines only, from any thread, buffered and written with
// write(2) so a crash or a signal never leaves half a record behind in our buffer's place.
#pragma once

#include <mutex>
#include <string>

namespace starttls {

class RecordSink {
 public:
  // Takes ownership of `fd` only when `owns_fd`.
  RecordSink(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd) {}
  ~RecordSink();
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;

  // `line` is one complete record ending in '\n'.
  void Write(std::string_view line);
  // Writes out everything buffered. False if the output failed (disk full, closed pipe).
  bool Flush();
  bool failed() const { return failed_; }
  uint64_t records() const { return records_; }

 private:
  bool FlushLocked();

  std::mutex mutex_;
  int fd_;
  bool owns_fd_;
  bool failed_ = false;
  uint64_t records_ = 0;
  std::string buffer_;
};

}  // namespace starttls
