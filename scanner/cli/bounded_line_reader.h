// Reads lines from a stream with a hard cap per line: a line over the cap is reported as
// too long (its first bytes kept for the error message) and skipped to its end, so one
// garbage line can neither exhaust memory nor derail the lines after it.
#pragma once

#include <cstdio>
#include <string>

namespace starttls {

enum class LineResult { kLine, kTooLong, kEnd };

class BoundedLineReader {
 public:
  BoundedLineReader(FILE* in, size_t max_line_bytes) : in_(in), max_(max_line_bytes) {}

  // Fills *line (without its LF) and advances line_number().
  LineResult Next(std::string* line);
  size_t line_number() const { return line_number_; }

 private:
  FILE* in_;
  size_t max_;
  size_t line_number_ = 0;
};

}  // namespace starttls
