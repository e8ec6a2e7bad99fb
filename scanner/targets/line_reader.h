// LineReader: streams lines from an InputSource with a hard cap per line, so an untrusted
// input of any size (millions of lines, or one endless line) is read in bounded memory. A
// line over the cap is reported once, as a record flagged too_long carrying only its first
// bytes, and reading resumes after its end. Poll() never waits on a source that may say
// "not yet" (a pipe): it returns kNotYet and resumes where it was on the next call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/sha.h>

#include "absl/status/status.h"
#include "scanner/targets/input_source.h"

namespace starttls {

struct LineRecord {
  uint64_t line_number = 0;  // 1-based
  // The line without its LF (a CR before it is kept; callers trim). For a too_long line,
  // only its first bytes (up to LineReader::kTooLongPrefix). Valid until the next call.
  std::string_view text;
  bool too_long = false;
  // The full length of the line in bytes, LF excluded (also for too_long lines).
  uint64_t length = 0;
};

enum class LinePoll : uint8_t { kLine, kNotYet, kEnd };

class LineReader {
 public:
  static constexpr size_t kDefaultMaxLineBytes = 1024;
  static constexpr size_t kTooLongPrefix = 64;

  // max_line_bytes is capped at 16 MiB. Memory use is max(64 KiB, 2 * max_line_bytes).
  LineReader(std::unique_ptr<InputSource> source, size_t max_line_bytes = kDefaultMaxLineBytes);
  // Blocking reads from fd (not owned, not closed).
  LineReader(int fd, size_t max_line_bytes = kDefaultMaxLineBytes);
  // Reads from stream (not owned, not closed) with fread.
  LineReader(std::FILE* stream, size_t max_line_bytes = kDefaultMaxLineBytes);

  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line into *out (kLine), kNotYet when the source has nothing ready, kEnd at the
  // end of input or on a read error (see status()). A final line without LF is a line.
  LinePoll Poll(LineRecord* out);
  // For sources that never say "not yet": the next line, false at the end (or on error).
  bool Next(LineRecord* out) { return Poll(out) == LinePoll::kLine; }

  // OK unless a read failed.
  const absl::Status& status() const { return status_; }
  // SHA-256 of every byte read so far, lower-case hex: once the input has ended, the input's
  // digest (shards of one scan must have read the same input; `merge` checks it).
  std::string Digest() const;
  uint64_t lines_read() const { return line_number_; }
  const InputSource& source() const { return *source_; }

 private:
  // Appends input after end_.
  InputRead Fill();
  void StartDiscarding();
  LinePoll Emit(LineRecord* out, std::string_view text, bool too_long, uint64_t length);

  std::unique_ptr<InputSource> source_;
  size_t max_line_bytes_;
  std::vector<char> buf_;
  size_t begin_ = 0;    // first unconsumed byte
  size_t end_ = 0;      // one past the last valid byte
  size_t scanned_ = 0;  // bytes after begin_ known to hold no LF
  bool eof_ = false;
  bool discarding_ = false;        // inside a too-long line, dropping bytes up to its LF
  uint64_t discarded_length_ = 0;  // its length so far
  uint64_t line_number_ = 0;
  std::string too_long_prefix_;
  absl::Status status_;
  SHA256_CTX digest_;
};

}  // namespace starttls
