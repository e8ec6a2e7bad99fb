// Where records go: whole records only, from any thread, buffered and written with write(2)
// so a crash or a signal never leaves half a record behind in our buffer's place. Records
// arrive as NDJSON lines; the sink writes them as they are or as CSV rows
// (--output-format csv, output/csv_record.h), and plain or as compressed frames
// (--output-file x.ndjson.zst / .gz, output/compressed_frames.h): one frame per flush, so
// what a kill leaves is whole frames and at most one torn one, which --resume cuts off.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "output/compressed_frames.h"
#include "output/csv_record.h"

namespace starttls {

struct RecordFormat {
  Compression compression = Compression::kNone;
  std::optional<CsvLayout> csv;  // CSV rows with these columns (header first), else NDJSON
};

class RecordSink {
 public:
  // Takes ownership of `fd` only when `owns_fd`.
  RecordSink(int fd, bool owns_fd, RecordFormat format = {});
  ~RecordSink();
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;

  // `line` is one complete NDJSON record ending in '\n'.
  void Write(std::string_view line);
  // Writes out everything buffered (one compressed frame). False if the output failed (disk
  // full, closed pipe).
  bool Flush();
  bool failed() const { return failed_; }
  uint64_t records() const { return records_; }

 private:
  bool FlushLocked();

  std::mutex mutex_;
  int fd_;
  bool owns_fd_;
  RecordFormat format_;
  FrameEncoder encoder_;
  bool failed_ = false;
  uint64_t records_ = 0;
  std::string buffer_;
  std::string frame_;
};

}  // namespace starttls
