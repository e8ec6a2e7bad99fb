// Where the scan's diagnostics go: stderr, or the --log-file. One whole line per call,
// from any thread. The status line is not a diagnostic: it stays on stderr.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace starttls {

class ScanLog {
 public:
  ScanLog() = default;
  ~ScanLog() {
    if (file_ != nullptr && file_ != stderr) std::fclose(file_);
  }
  ScanLog(const ScanLog&) = delete;
  ScanLog& operator=(const ScanLog&) = delete;

  // Sends lines to `path` from now on ("" keeps stderr). Returns an error text or "".
  std::string OpenFile(const std::string& path);

  // Writes "starttls-scan: <line>\n".
  void Line(std::string_view line);

 private:
  std::mutex mutex_;
  FILE* file_ = stderr;
};

}  // namespace starttls
