// LineReader: streams lines from a file descriptor or FILE* with a hard cap per line, so an
// untrusted input of any size (millions of lines, or one endless line) is read in bounded
// memory. A line over the cap is reported once, as a record flagged too_long carrying only
// its first bytes, and reading resumes after its end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace starttls {

struct LineRecord {
  uint64_t line_number = 0;  // 1-based
  // The line without its LF (a CR before it is kept; callers trim). For a too_long line,
  // only its first bytes (up to LineReader::kTooLongPrefix). Valid until the next Next().
  std::string_view text;
  bool too_long = false;
  // The full length of the line in bytes, LF excluded (also for too_long lines).
  uint64_t length = 0;
};

class LineReader {
 public:
  static constexpr size_t kDefaultMaxLineBytes = 1024;
  static constexpr size_t kTooLongPrefix = 64;

  // max_line_bytes is capped at 16 MiB. Memory use is max(64 KiB, 2 * max_line_bytes).
  // Reads from fd (not owned, not closed).
  LineReader(int fd, size_t max_line_bytes = kDefaultMaxLineBytes);
  // Reads from stream (not owned, not closed) with fread.
  LineReader(std::FILE* stream, size_t max_line_bytes = kDefaultMaxLineBytes);

  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line into *out; false at end of input or on a read error (see status()).
  // A final line without LF is returned as a line.
  bool Next(LineRecord* out);

  // OK unless a read failed.
  const absl::Status& status() const { return status_; }
  uint64_t lines_read() const { return line_number_; }

 private:
  // Appends input after end_; returns bytes read, 0 at EOF or error (status_ set).
  size_t Fill();

  int fd_ = -1;
  std::FILE* stream_ = nullptr;
  size_t max_line_bytes_;
  std::vector<char> buf_;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last valid byte
  bool eof_ = false;
  uint64_t line_number_ = 0;
  std::string too_long_prefix_;
  absl::Status status_;
};

}  // namespace starttls
