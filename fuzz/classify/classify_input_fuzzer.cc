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

#include "output/json_reader.h"
#include "output/utf8.h"
#include "scanner/classify/classify_command.h"
#include "base/scan_status.h"

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
  absl::StatusOr<JsonValue> parsed = ParseJson(record.json);
  FUZZ_CHECK(parsed.ok() && parsed->is_object());
  const JsonValue* line = parsed->Find("line");
  FUZZ_CHECK(line != nullptr && line->AsUint64() == number);
  const JsonValue* type = parsed->Find("type");
  FUZZ_CHECK(type != nullptr);
  FUZZ_CHECK(record.is_error == (type->string() == "error"));
  if (record.is_error) return;
  FUZZ_CHECK(type->string() == "classify");
  const JsonValue* status = parsed->Find("status");
  FUZZ_CHECK(status != nullptr);
  std::optional<ScanStatus> named = EnumFromName<ScanStatus>(kScanStatusNames, status->string());
  FUZZ_CHECK(named.has_value() && *named != ScanStatus::kBlocklisted);
  const JsonValue* cls = parsed->Find("class");
  FUZZ_CHECK(cls != nullptr && cls->is_string() == (*named == ScanStatus::kSuccess));
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
