#include "output/ndjson_reader.h"

#include <algorithm>
#include <cstring>

namespace starttls {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kBadLinePrefix = 512;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool AllSpace(const char* begin, const char* end) {
  for (const char* p = begin; p < end; ++p) {
    if (!IsJsonSpace(*p)) return false;
  }
  return true;
}

// Index of the first '\n' at or after `from`, or `size`.
size_t LineEnd(const char* data, size_t from, size_t size) {
  if (from >= size) return size;
  const void* nl = std::memchr(data + from, '\n', size - from);
  return nl == nullptr ? size : static_cast<size_t>(static_cast<const char*>(nl) - data);
}

uint64_t CountLines(const char* begin, const char* end) {
  return static_cast<uint64_t>(std::count(begin, end, '\n'));
}

// Line numbers for increasing offsets of one region, counting each byte once.
class LineCounter {
 public:
  LineCounter(const char* data, uint64_t first_line) : data_(data), line_(first_line) {}
  uint64_t At(size_t offset) {
    if (offset > counted_) {
      line_ += CountLines(data_ + counted_, data_ + offset);
      counted_ = offset;
    }
    return line_;
  }

 private:
  const char* data_;
  size_t counted_ = 0;
  uint64_t line_;
};

}  // namespace

NdjsonReader::NdjsonReader(std::unique_ptr<ByteSource> source, NdjsonOptions options)
    : source_(std::move(source)), options_(options) {}

NdjsonReader::~NdjsonReader() = default;

void NdjsonReader::Reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  size_t capacity = std::max(bytes, capacity_ * 2);
  auto grown = std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING);
  if (capacity_ > 0) std::memcpy(grown.get(), buffer_.get(), capacity_);
  buffer_ = std::move(grown);
  capacity_ = capacity;
}

void NdjsonReader::ReportBad(uint64_t line, std::string_view text, std::string error) {
  if (text.size() > kBadLinePrefix) text = text.substr(0, kBadLinePrefix);
  (*on_bad_)(NdjsonBadLine{line, text, std::move(error)});
}

absl::Status NdjsonReader::Run(const RecordFn& on_record, const BadLineFn& on_bad) {
  on_record_ = &on_record;
  on_bad_ = &on_bad;
  const size_t chunk = std::max<size_t>(options_.chunk_bytes, 64);
  size_t size = 0;        // bytes held: the start of a line not yet complete
  bool skipping = false;  // inside an overlong line, dropping its bytes
  for (;;) {
    Reserve(size + chunk);
    char* data = buffer_.get();
    const size_t got = source_->Read(data + size, chunk);
    bytes_ += got;
    const bool eof = got == 0;
    if (skipping) {
      const size_t nl = LineEnd(data, 0, got);
      if (nl == got) {
        if (eof) {
          ++line_;
          break;
        }
        continue;  // all of it belongs to the overlong line
      }
      ++line_;
      skipping = false;
      std::memmove(data, data + nl + 1, got - nl - 1);
      size = got - nl - 1;
    } else {
      size += got;
    }
    if (size == 0 && eof) break;
    // Complete lines go now; the partial last line waits for more bytes.
    const void* last = size == 0 ? nullptr : memrchr(data, '\n', size);
    if (last != nullptr) {
      const size_t complete = static_cast<size_t>(static_cast<const char*>(last) - data) + 1;
      ProcessRegion(data, complete);
      std::memmove(data, data + complete, size - complete);
      size -= complete;
    }
    if (eof) {
      if (size > 0) ProcessRegion(data, size);
      break;
    }
    if (size > options_.max_record_bytes) {
      ReportBad(line_ + 1, std::string_view(data, size),
                "line " + std::to_string(line_ + 1) + ": longer than " +
                    std::to_string(options_.max_record_bytes) + " bytes");
      skipping = true;
      size = 0;
    }
  }
  on_record_ = nullptr;
  on_bad_ = nullptr;
  return source_->status();
}

void NdjsonReader::ProcessRegion(const char* data, size_t size) {
  const uint64_t first_line = line_ + 1;
  LineCounter lines(data, first_line);
  size_t pos = 0;  // the first line not yet handled starts here
  while (pos < size) {
    od::document_stream stream;
    auto error = stream_parser_
                     .iterate_many(reinterpret_cast<const uint8_t*>(data + pos), size - pos,
                                   options_.batch_bytes)
                     .get(stream);
    if (error) break;
    const size_t base = pos;
    bool restart = false;
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      // simdjson's view of the text (an experimental API) is only trusted within the region.
      std::string_view text;
      if (!it.error()) {
        text = it.source();
        const auto low = reinterpret_cast<uintptr_t>(data + base),
                   high = reinterpret_cast<uintptr_t>(data + size);
        const auto at = reinterpret_cast<uintptr_t>(text.data());
        if (at < low || at > high || text.size() > high - at) text = std::string_view();
      }
      if (it.error() || text.empty()) {
        // A stage-1 error covers its whole batch: re-read that stretch line by line.
        const size_t bad = std::min(size, base + it.current_index());
        const size_t until =
            std::min(size, LineEnd(data, std::min(size, bad + options_.batch_bytes), size) + 1);
        // (When the stretch ends before `pos`, lines already handled, the new stream starts
        // at `pos`, past this stream's start: the loop always moves on.)
        if (until > pos) {
          ProcessLinesOneByOne(data, pos, until, lines.At(pos));
          pos = until;
        }
        restart = true;
        break;
      }
      // The first text of a batch may come with the blank lines before it.
      size_t start = static_cast<size_t>(text.data() - data);
      while (!text.empty() && IsJsonSpace(text.front())) {
        text.remove_prefix(1);
        ++start;
      }
      while (!text.empty() && IsJsonSpace(text.back())) text.remove_suffix(1);
      if (start < pos) continue;  // part of a line already handled one by one
      const size_t end = start + text.size();
      const size_t line_end = LineEnd(data, start, size);
      if (line_end < end || !AllSpace(data + end, data + line_end)) {
        // Two texts on a line, or one spread over lines: the lines concerned, one by one.
        const size_t until = std::min(size, LineEnd(data, std::max(end, line_end), size) + 1);
        ProcessLinesOneByOne(data, pos, until, lines.At(pos));
        pos = until;
        continue;
      }
      NdjsonRecord record{lines.At(start), text, (*it).value_unsafe()};
      std::string rejected = (*on_record_)(record);
      if (!rejected.empty()) ReportBad(record.line, text, std::move(rejected));
      pos = std::min(size, line_end + 1);
      // A reader that met an error in the record leaves its iterator abandoned; the stream
      // cannot step past such a document (simdjson would follow a null parser), so a new
      // stream starts at the next line.
      od::document& current = record.doc;
      if (!current.is_alive()) {
        restart = true;
        break;
      }
    }
    if (!restart) {
      // Whatever the stream left (a truncated last text, trailing blank lines).
      ProcessLinesOneByOne(data, pos, size, lines.At(pos));
      pos = size;
    }
  }
  if (pos < size) ProcessLinesOneByOne(data, pos, size, lines.At(pos));
  line_ = first_line - 1 + CountLines(data, data + size);
  if (size > 0 && data[size - 1] != '\n') ++line_;  // the input's last line, without its end
}

void NdjsonReader::ProcessLinesOneByOne(const char* data, size_t from, size_t to,
                                        uint64_t first_line) {
  uint64_t line = first_line;
  size_t start = from;
  while (start < to) {
    const size_t end = std::min(LineEnd(data, start, to), to);
    DeliverLine(data + start, end - start, line);
    ++line;
    start = end + 1;
  }
}

void NdjsonReader::DeliverLine(const char* text, size_t size, uint64_t line) {
  while (size > 0 && text[size - 1] == '\r') --size;
  std::string_view view(text, size);
  if (AllSpace(text, text + size)) return;
  if (size > options_.max_record_bytes) {
    ReportBad(line, view,
              "line " + std::to_string(line) + ": longer than " +
                  std::to_string(options_.max_record_bytes) + " bytes");
    return;
  }
  // Full validation first: On-Demand checks only what is read. The buffer holds at least
  // SIMDJSON_PADDING readable bytes after any line.
  auto checked = validator_.parse(text, size, false).error();
  if (checked) {
    ReportBad(line, view,
              "line " + std::to_string(line) + ": not JSON: " + simdjson::error_message(checked));
    return;
  }
  od::document doc;
  auto error =
      line_parser_
          .iterate(simdjson::padded_string_view(text, size, size + simdjson::SIMDJSON_PADDING))
          .get(doc);
  if (error) {
    ReportBad(line, view,
              "line " + std::to_string(line) + ": not JSON: " + simdjson::error_message(error));
    return;
  }
  NdjsonRecord record{line, view, od::document_reference(doc)};
  std::string rejected = (*on_record_)(record);
  if (!rejected.empty()) ReportBad(line, view, std::move(rejected));
}

std::string ParseOneJsonText(std::string_view text,
                             const std::function<std::string(od::document_reference doc)>& fn) {
  thread_local simdjson::dom::parser validator;
  thread_local od::parser parser;
  simdjson::padded_string padded(text);
  if (auto error = validator.parse(padded).error()) {
    return std::string("not JSON: ") + simdjson::error_message(error);
  }
  od::document doc;
  if (auto error = parser.iterate(padded).get(doc)) {
    return std::string("not JSON: ") + simdjson::error_message(error);
  }
  return fn(od::document_reference(doc));
}

absl::StatusOr<std::unique_ptr<NdjsonReader>> OpenNdjson(const std::string& path,
                                                         NdjsonOptions options) {
  auto source = OpenByteSource(path);
  if (!source.ok()) return source.status();
  return std::make_unique<NdjsonReader>(std::move(*source), options);
}

}  // namespace starttls
