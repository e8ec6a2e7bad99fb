// Where a dataset tool writes: a file given with -o, or standard output ("-"). Buffered
// appends, flushed in large writes; the error of the first failed write is kept.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace starttls {

class OutputSink {
 public:
  OutputSink() = default;
  ~OutputSink();
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;

  // Opens `path` for writing ("-" or "" = standard output). Returns "" or the error.
  std::string Open(const std::string& path);

  // The buffer to append to; Flush() when it is large.
  std::string* buffer() { return &buffer_; }
  void Write(std::string_view text) {
    buffer_.append(text);
    MaybeFlush();
  }
  void MaybeFlush() {
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  void Flush();
  // Flushes and closes; returns "" or the first error.
  std::string Close();

 private:
  static constexpr size_t kFlushBytes = 1 << 20;
  FILE* file_ = nullptr;
  bool owned_ = false;
  std::string path_;
  std::string buffer_;
  std::string error_;
};

}  // namespace starttls
