// `starttls-scan classify`: transcripts in, verdicts out, no network (docs/rules.md §7).
#pragma once

#include <cstdio>
#include <string>

namespace starttls {

// JSON-lines mode: one transcript per input line, one record per input line on `out`.
// A malformed line yields an "error" record naming its line number; the run goes on.
// Returns the number of lines that were errors.
size_t ClassifyTranscriptLines(FILE* in, FILE* out);

struct ClassifiedLine {
  std::string json;  // one record, without its newline
  bool is_error = false;
};

// The record for one transcript line; exposed for tests.
ClassifiedLine ClassifyTranscriptLine(std::string_view line, size_t line_number);

int RunClassifyCommand(int argc, char** argv, int first);

}  // namespace starttls
