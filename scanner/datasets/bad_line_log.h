// Bad input lines seen by a dataset tool: the first few printed on standard error with the
// file they came from, all of them counted.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "output/ndjson_reader.h"

namespace starttls {

class BadLineLog {
 public:
  BadLineLog(std::string command, uint64_t print_at_most = 10)
      : command_(std::move(command)), print_at_most_(print_at_most) {}

  void Add(const std::string& file, const NdjsonBadLine& bad) {
    if (count_++ < print_at_most_) {
      std::fprintf(stderr, "starttls-scan %s: %s: %s\n", command_.c_str(), file.c_str(),
                   bad.error.c_str());
    } else if (count_ == print_at_most_ + 1) {
      std::fprintf(stderr, "starttls-scan %s: more bad lines follow; only counted\n",
                   command_.c_str());
    }
  }
  uint64_t count() const { return count_; }

 private:
  std::string command_;
  uint64_t print_at_most_;
  uint64_t count_ = 0;
};

}  // namespace starttls
