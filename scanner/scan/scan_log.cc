#include "scanner/scan/scan_log.h"

#include <cerrno>
#include <cstring>

namespace starttls {

std::string ScanLog::OpenFile(const std::string& path) {
  if (path.empty()) return "";
  FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return "flag --log-file: cannot open " + path + ": " + std::strerror(errno);
  std::lock_guard<std::mutex> lock(mutex_);
  file_ = file;
  return "";
}

void ScanLog::Line(std::string_view line) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(file_, "starttls-scan: %.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(file_);
}

}  // namespace starttls
