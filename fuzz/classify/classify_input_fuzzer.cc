// libFuzzer target: `starttls-scan classify` on untrusted input lines (JSON transcripts,
// docs/rules.md §7: a bad line becomes a record, never a crash). Deliberately small: each
// line goes through ClassifyTranscriptLine, the command's per-line entry point, whatever JSON
// parser sits behind it, so the target keeps fuzzing the command when that parser changes.
// (The stream around it is LineReader's, fuzzed by fuzz/targets; going through the whole
// command here would cost a 2 MiB line buffer per input.)
//
// Input: the command's standard input; its lines are split as the command splits them.
//
// Oracles (abort on violation):
//   - each non-blank line gets one record: one line of valid UTF-8, a JSON object whose
//     "line" is that line's number and whose "type" is "classify" or "error" (is_error
//     says which);
//   - a classify record has a status from the closed list, and a class exactly on success.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "base/scan_status.h"
#include "output/utf8.h"
#include "scanner/classify/classify_command.h"

namespace {

#define FUZZ_CHECK(condition)                                                                     \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "classify_input_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

void CheckRecord(const starttls::ClassifiedLine& record, uint64_t number) {
  using namespace starttls;
  FUZZ_CHECK(IsValidUtf8(record.json));
  FUZZ_CHECK(record.json.find('\n') == std::string::npos);
  // Read back with simdjson's DOM parser, which validates the whole text.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object parsed;
  FUZZ_CHECK(parser.parse(record.json).get(parsed) == simdjson::SUCCESS);
  uint64_t line = 0;
  FUZZ_CHECK(parsed["line"].get(line) == simdjson::SUCCESS && line == number);
  std::string_view type;
  FUZZ_CHECK(parsed["type"].get(type) == simdjson::SUCCESS);
  FUZZ_CHECK(record.is_error == (type == "error"));
  if (record.is_error) return;
  FUZZ_CHECK(type == "classify");
  std::string_view status;
  FUZZ_CHECK(parsed["status"].get(status) == simdjson::SUCCESS);
  std::optional<ScanStatus> named = EnumFromName<ScanStatus>(kScanStatusNames, status);
  FUZZ_CHECK(named.has_value() && *named != ScanStatus::kBlocklisted);
  simdjson::dom::element cls;
  FUZZ_CHECK(parsed["class"].get(cls) == simdjson::SUCCESS);
  FUZZ_CHECK(cls.is_string() == (*named == ScanStatus::kSuccess));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint64_t number = 0;
  while (!input.empty()) {
    size_t lf = input.find('\n');
    std::string_view line = input.substr(0, lf);
    input.remove_prefix(lf == std::string_view::npos ? input.size() : lf + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank: skipped
    CheckRecord(starttls::ClassifyTranscriptLine(line, number), number);
  }
  return 0;
}
