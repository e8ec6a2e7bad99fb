#include "scanner/datasets/output_sink.h"

#include <cerrno>
#include <cstring>

namespace starttls {

OutputSink::~OutputSink() { Close(); }

std::string OutputSink::Open(const std::string& path) {
  path_ = path.empty() || path == "-" ? "standard output" : path;
  if (path.empty() || path == "-") {
    file_ = stdout;
    owned_ = false;
    return "";
  }
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return "cannot write " + path + ": " + std::strerror(errno);
  owned_ = true;
  return "";
}

void OutputSink::Flush() {
  if (file_ != nullptr && !buffer_.empty() && error_.empty()) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    }
  }
  buffer_.clear();
}

std::string OutputSink::Close() {
  if (file_ == nullptr) return error_;
  Flush();
  if (std::fflush(file_) != 0 && error_.empty()) {
    error_ = "cannot write " + path_ + ": " + std::strerror(errno);
  }
  if (owned_ && std::fclose(file_) != 0 && error_.empty()) {
    error_ = "cannot write " + path_ + ": " + std::strerror(errno);
  }
  file_ = nullptr;
  return error_;
}

}  // namespace starttls
