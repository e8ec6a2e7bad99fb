// Test support: a TargetReader over a string, and a source that gives its bytes in pieces
// with "not yet" between them (a slow pipe).
#pragma once

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "scanner/targets/target_line.h"

namespace starttls::testing {

// An InputSource over a string.
class StringSource : public InputSource {
 public:
  explicit StringSource(std::string text) : text_(std::move(text)) {}
  InputRead Read(char* buffer, size_t capacity, size_t* got) override {
    *got = std::min(capacity, text_.size() - at_);
    if (*got == 0) return InputRead::kEnd;
    std::memcpy(buffer, text_.data() + at_, *got);
    at_ += *got;
    return InputRead::kBytes;
  }
  std::string error() const override { return ""; }

 private:
  std::string text_;
  size_t at_ = 0;
};

// A pipe the test writes into: "not yet" while nothing is pending and it is not closed.
class PipeSource : public InputSource {
 public:
  void Write(const std::string& text) { pending_ += text; }
  void Close() { closed_ = true; }
  InputRead Read(char* buffer, size_t capacity, size_t* got) override {
    *got = std::min(capacity, pending_.size());
    if (*got == 0) return closed_ ? InputRead::kEnd : InputRead::kNotYet;
    std::memcpy(buffer, pending_.data(), *got);
    pending_.erase(0, *got);
    return InputRead::kBytes;
  }
  std::string error() const override { return ""; }

 private:
  std::string pending_;
  bool closed_ = false;
};

inline std::unique_ptr<TargetReader> ReaderOf(std::string text) {
  return std::make_unique<TargetReader>(std::make_unique<StringSource>(std::move(text)));
}

}  // namespace starttls::testing
