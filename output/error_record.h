// The `error` record (docs/rules.md §6): an input line that yields no target or transcript, with
// its line number, its bytes (raw, at most a prefix) and why. Shared by `scan` and `classify`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

inline constexpr int kRecordSchemaVersion = 1;

// Appends one whole NDJSON line. `error` should already name the line ("line 7: ...").
void AppendInputErrorRecord(uint64_t line_number, std::string_view raw_line, std::string_view error,
                            std::string* out);

}  // namespace starttls
