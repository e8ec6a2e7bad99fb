// libFuzzer target: the input target lines (scanner/targets): LineReader and TargetReader over
// a byte stream, and ParseTargetLine on every line, ZMap CSV headers and rows included.
//
// Input: two control bytes, the source's schedule, then the stream.
//   control[0] bit 7: the stream ends with a read error instead of its end.
//   control[1] the line cap: 64 + the byte (255: the scanner's own 1024).
//   schedule   a count n, then n bytes used in turn and over again, one per read: bit 7
//              answers "not yet" first (a pipe whose producer pauses), the read then returns
//              1 + the low 6 bits bytes, times 16 when bit 6 is set; n = 0: one read of it all.
//
// Oracles (abort on violation):
//   - LineReader over the paused, chunked source yields exactly the lines of a plain split of
//     the whole buffer at LF: numbers, text, lengths; an over-long line once, as its first 64
//     bytes; a final line without LF; the error status at the end;
//   - TargetReader over that source yields, outside CSV mode, exactly one record per
//     whole-buffer line that is not blank or a comment: ParseTargetLine of that line (an
//     error for an over-long one); in CSV mode the same records as over the whole buffer
//     in one read;
//   - ParseTargetLine into a reused record (the reader's) equals a fresh parse; what it
//     accepts is normalised (names lower case, valid and stable under a second
//     normalisation; addresses and CIDRs print and parse back equal); errors name their
//     line in printable ASCII.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/targets/line_reader.h"
#include "scanner/targets/target_line.h"

namespace {

using namespace starttls;

#define FUZZ_CHECK(condition)                                                                  \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "target_line_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

// A source over a byte string that reads and pauses as the schedule says, then ends (or
// fails). After a "not yet" the next call always reads, so a poller always gets on.
class ScheduledSource : public InputSource {
 public:
  ScheduledSource(std::string_view bytes, std::string_view schedule, bool fail)
      : bytes_(bytes), schedule_(schedule), fail_(fail) {}

  InputRead Read(char* buffer, size_t capacity, size_t* got) override {
    *got = 0;
    if (at_ == bytes_.size()) {
      if (fail_) {
        error_ = "scripted read error";
        return InputRead::kError;
      }
      return InputRead::kEnd;
    }
    size_t n = bytes_.size() - at_;
    if (!schedule_.empty()) {
      auto s = static_cast<uint8_t>(schedule_[step_ % schedule_.size()]);
      if ((s & 0x80) && !paused_) {
        paused_ = true;
        return InputRead::kNotYet;
      }
      ++step_;
      n = std::min(n, (1 + size_t{s & 0x3Fu}) << ((s & 0x40) ? 4 : 0));
    }
    paused_ = false;
    n = std::min(n, capacity);
    std::copy_n(bytes_.data() + at_, n, buffer);
    at_ += n;
    *got = n;
    return InputRead::kBytes;
  }
  std::string error() const override { return error_; }

 private:
  std::string_view bytes_;
  std::string_view schedule_;
  size_t at_ = 0;
  size_t step_ = 0;
  bool fail_;
  bool paused_ = false;
  std::string error_;
};

struct ExpectedLine {
  std::string text;
  bool too_long;
  uint64_t length;
};

// The whole-buffer reading: split at LF, a last line without LF counts, long lines cut.
std::vector<ExpectedLine> SplitWhole(std::string_view bytes, size_t cap) {
  std::vector<ExpectedLine> lines;
  while (!bytes.empty()) {
    size_t lf = bytes.find('\n');
    std::string_view line = bytes.substr(0, lf);
    bool too_long = line.size() > cap;
    lines.push_back({std::string(too_long ? line.substr(0, LineReader::kTooLongPrefix) : line),
                     too_long, line.size()});
    bytes.remove_prefix(lf == std::string_view::npos ? bytes.size() : lf + 1);
  }
  return lines;
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool SameParse(const ParsedTargetLine& a, const ParsedTargetLine& b) {
  if (a.outcome != b.outcome) return false;
  if (a.outcome == LineOutcome::kError) return a.error == b.error;
  if (a.outcome == LineOutcome::kSkip) return true;
  const Target& x = a.target;
  const Target& y = b.target;
  if (x.kind != y.kind || x.port != y.port) return false;
  switch (x.kind) {
    case TargetKind::kAddress:
      return x.address == y.address;
    case TargetKind::kCidr:
      return x.cidr == y.cidr;
    case TargetKind::kDomain:
      return x.name == y.name;
    case TargetKind::kAddressWithName:
      return x.address == y.address && x.name == y.name;
  }
  return false;
}

void CheckParsed(const ParsedTargetLine& parsed, uint64_t line_number) {
  switch (parsed.outcome) {
    case LineOutcome::kSkip:
      return;
    case LineOutcome::kError:
      FUZZ_CHECK(parsed.error.starts_with("line " + std::to_string(line_number) + ": "));
      FUZZ_CHECK(IsPrintableAscii(parsed.error));
      return;
    case LineOutcome::kTarget:
      break;
  }
  const Target& target = parsed.target;
  if (target.kind == TargetKind::kDomain || target.kind == TargetKind::kAddressWithName) {
    std::string again;
    std::string why;
    FUZZ_CHECK(!target.name.empty() && target.name.size() <= 253);
    FUZZ_CHECK(NormalizeDomainName(target.name, &again, &why) && again == target.name);
    for (char c : target.name) FUZZ_CHECK(c < 'A' || c > 'Z');
  }
  if (target.kind == TargetKind::kAddress || target.kind == TargetKind::kAddressWithName) {
    FUZZ_CHECK(IpAddress::Parse(target.address.ToString()) == target.address);
  }
  if (target.kind == TargetKind::kCidr) {
    FUZZ_CHECK(Cidr::Parse(target.cidr.ToString()) == target.cidr);
  }
}

struct ReadRecord {
  uint64_t line_number;
  std::string raw_line;
  ParsedTargetLine parsed;
};

struct ReadResult {
  std::vector<ReadRecord> records;
  uint64_t skipped = 0;
  uint64_t lines_read = 0;
  bool csv = false;
  bool ok = true;
};

ReadResult ReadTargets(std::unique_ptr<InputSource> source, size_t cap) {
  TargetReader reader(std::move(source), cap);
  ReadResult result;
  TargetRecord record;
  for (int polls = 0;; ++polls) {
    FUZZ_CHECK(polls < 1 << 20);
    LinePoll polled = reader.Poll(&record);
    if (polled == LinePoll::kEnd) break;
    if (polled == LinePoll::kNotYet) continue;
    FUZZ_CHECK(record.parsed.outcome != LineOutcome::kSkip);
    result.records.push_back({record.line_number, std::string(record.raw_line), record.parsed});
  }
  result.skipped = reader.lines_skipped();
  result.lines_read = reader.lines_read();
  result.csv = reader.zmap_csv();
  result.ok = reader.status().ok();
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const bool fail = (data[0] & 0x80) != 0;
  const size_t cap = data[1] == 255 ? kMaxTargetLineBytes : 64 + size_t{data[1]};
  const size_t schedule_length = std::min<size_t>(data[2], size - 3);
  const std::string_view schedule(reinterpret_cast<const char*>(data) + 3, schedule_length);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 3 + schedule_length,
                               size - 3 - schedule_length);

  // LineReader: paused and chunked equals the whole-buffer split.
  const std::vector<ExpectedLine> expected = SplitWhole(bytes, cap);
  {
    LineReader reader(std::make_unique<ScheduledSource>(bytes, schedule, fail), cap);
    LineRecord line;
    size_t index = 0;
    for (int polls = 0;; ++polls) {
      FUZZ_CHECK(polls < 1 << 20);
      LinePoll polled = reader.Poll(&line);
      if (polled == LinePoll::kEnd) break;
      if (polled == LinePoll::kNotYet) continue;
      FUZZ_CHECK(index < expected.size());
      const ExpectedLine& want = expected[index++];
      FUZZ_CHECK(line.line_number == index);
      FUZZ_CHECK(line.text == want.text && line.too_long == want.too_long &&
                 line.length == want.length);
    }
    FUZZ_CHECK(index == expected.size());
    FUZZ_CHECK(reader.status().ok() == !fail);
    FUZZ_CHECK(reader.Poll(&line) == LinePoll::kEnd);  // the end stays the end
  }

  // TargetReader over the paused source: the records the whole-buffer lines give.
  ReadResult paused = ReadTargets(std::make_unique<ScheduledSource>(bytes, schedule, fail), cap);
  FUZZ_CHECK(paused.lines_read == expected.size() && paused.ok == !fail);
  FUZZ_CHECK(paused.records.size() + paused.skipped == expected.size());
  if (paused.csv) {
    // ZMap rows: the same records as over the whole buffer in one read.
    ReadResult whole =
        ReadTargets(std::make_unique<ScheduledSource>(bytes, std::string_view(), fail), cap);
    FUZZ_CHECK(whole.csv && paused.records.size() == whole.records.size());
    FUZZ_CHECK(paused.skipped == whole.skipped);
    for (size_t i = 0; i < whole.records.size(); ++i) {
      const ReadRecord& a = paused.records[i];
      const ReadRecord& b = whole.records[i];
      FUZZ_CHECK(a.line_number == b.line_number && a.raw_line == b.raw_line);
      FUZZ_CHECK(a.raw_line == expected[a.line_number - 1].text);
      FUZZ_CHECK(SameParse(a.parsed, b.parsed));
      FUZZ_CHECK(!expected[a.line_number - 1].too_long || a.parsed.outcome == LineOutcome::kError);
      CheckParsed(a.parsed, a.line_number);
    }
    return 0;
  }
  // Target lines: each is ParseTargetLine of its whole-buffer line (the reader parses them
  // all into one reused record, which must keep no stale state); skipped lines give none.
  size_t next = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const ExpectedLine& line = expected[i];
    ParsedTargetLine fresh;
    if (!line.too_long) {
      ParseTargetLine(line.text, i + 1, &fresh);
      CheckParsed(fresh, i + 1);
      if (fresh.outcome == LineOutcome::kSkip) continue;
    }
    FUZZ_CHECK(next < paused.records.size());
    const ReadRecord& record = paused.records[next++];
    FUZZ_CHECK(record.line_number == i + 1 && record.raw_line == line.text);
    if (line.too_long) {
      FUZZ_CHECK(record.parsed.outcome == LineOutcome::kError);
      CheckParsed(record.parsed, i + 1);
    } else {
      FUZZ_CHECK(SameParse(fresh, record.parsed));
    }
  }
  FUZZ_CHECK(next == paused.records.size());
  return 0;
}
