// Streaming NDJSON reader over simdjson's On-Demand API, for files of millions of records:
// the input (plain, gzip or zstd, output/byte_source.h) is read in bounded chunks, the
// complete lines of each chunk go through parser.iterate_many (a document stream), and each
// record reaches the caller as an On-Demand document, with its line number.
//
// One record per line, strictly: a line holding two JSON texts, or a JSON text spread over
// several lines, is bad, as is a line over the record cap (16 MiB by default; the rest of
// such a line is skipped without being held in memory). Where the fast path meets anything
// odd (a stage-1 error, a document not aligned to its line, a document over the batch size),
// the lines concerned are re-read one by one, each fully validated by simdjson's DOM parser
// before it is handed on, so a bad line is reported by number and the next line is read as
// if nothing happened. Values a caller does not read are not validated on the fast path.
// Blank lines are skipped.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "output/byte_source.h"

namespace starttls {

struct NdjsonOptions {
  size_t max_record_bytes = 16 << 20;
  // Bytes asked of the source per read; the buffer holds a chunk plus one partial line.
  size_t chunk_bytes = 4 << 20;
  // simdjson's batch size for iterate_many; a record longer than this takes the slow path.
  size_t batch_bytes = 1 << 20;
};

struct NdjsonRecord {
  uint64_t line = 0;      // 1-based
  std::string_view text;  // the line, line end excluded (valid during the callback)
  simdjson::ondemand::document_reference doc;
};

// A line that is not one JSON text (or too long, or rejected by the caller).
struct NdjsonBadLine {
  uint64_t line = 0;
  std::string_view text;  // the line or, for an overlong line, its first bytes
  std::string error;
};

class NdjsonReader {
 public:
  // The callback returns "" for a record it accepts, else why it rejects it: the line is then
  // reported to `on_bad` like a line that is not JSON.
  using RecordFn = std::function<std::string(NdjsonRecord& record)>;
  using BadLineFn = std::function<void(const NdjsonBadLine& bad)>;

  NdjsonReader(std::unique_ptr<ByteSource> source, NdjsonOptions options = {});
  ~NdjsonReader();
  NdjsonReader(const NdjsonReader&) = delete;
  NdjsonReader& operator=(const NdjsonReader&) = delete;

  // Reads to the end. Returns the source's error (I/O, corrupt compressed data), if any.
  absl::Status Run(const RecordFn& on_record, const BadLineFn& on_bad);

  // Lines seen so far and bytes after decompression.
  uint64_t lines() const { return line_; }
  uint64_t bytes() const { return bytes_; }
  Compression compression() const { return source_->compression(); }

 private:
  void Reserve(size_t bytes);
  // Handles [0, size) of the buffer: complete lines (the last may lack its line end only
  // at the end of the input).
  void ProcessRegion(const char* data, size_t size);
  // The slow path: lines in [from, to) one at a time; `first_line` is the number of the
  // line starting at `from`.
  void ProcessLinesOneByOne(const char* data, size_t from, size_t to, uint64_t first_line);
  void DeliverLine(const char* text, size_t size, uint64_t line);
  void ReportBad(uint64_t line, std::string_view text, std::string error);

  std::unique_ptr<ByteSource> source_;
  NdjsonOptions options_;
  std::unique_ptr<char[]> buffer_;  // chunk + partial line + simdjson's padding
  size_t capacity_ = 0;             // usable bytes of buffer_ (padding excluded)
  simdjson::ondemand::parser stream_parser_;
  simdjson::ondemand::parser line_parser_;
  simdjson::dom::parser validator_;
  const RecordFn* on_record_ = nullptr;
  const BadLineFn* on_bad_ = nullptr;
  uint64_t line_ = 0;  // lines fully handled
  uint64_t bytes_ = 0;
};

// One JSON text on its own (one line), read as the reader's slow path reads a line: fully
// validated, then handed to `fn` as an On-Demand document. Returns fn's result, or
// "not JSON: <why>".
std::string ParseOneJsonText(
    std::string_view text,
    const std::function<std::string(simdjson::ondemand::document_reference doc)>& fn);

// Opens `path` ("-" = stdin) with OpenByteSource.
absl::StatusOr<std::unique_ptr<NdjsonReader>> OpenNdjson(const std::string& path,
                                                         NdjsonOptions options = {});

}  // namespace starttls
