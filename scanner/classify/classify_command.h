// `starttls-scan classify`: transcripts in, verdicts out, no network (docs/rules.md §7); also
// ZGrab2 SMTP output re-judged by the rules (`--input-format zgrab2`).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "output/byte_source.h"
#include "scanner/flags/flag_table.h"

namespace starttls {

enum class ClassifyInput { kTranscript, kZgrab2 };

// One record per input line holding JSON on `out`, read with output/ndjson_reader.h (plain,
// gzip or zstd). A malformed line yields an "error" record naming its line number; the run
// goes on. Returns the number of lines that were errors (and input errors, if any).
size_t ClassifyLines(std::unique_ptr<ByteSource> in, FILE* out, ClassifyInput format);

struct ClassifiedLine {
  std::string json;  // one record, without its newline
  bool is_error = false;
};

// The record for one input line; exposed for tests.
ClassifiedLine ClassifyTranscriptLine(std::string_view line, size_t line_number);
ClassifiedLine ClassifyZgrab2Line(std::string_view line, size_t line_number);

struct ClassifyOptions {
  bool raw = false;
  bool help = false;
  std::string input_format = "transcript";
};

// classify's flags bound to `options`; --help, the man page and the completion list them.
std::vector<FlagSpec> ClassifyFlagTable(ClassifyOptions* options);
// What --help prints above the flags: the usage lines, then what classify does.
std::string_view ClassifyHelpText();

int RunClassifyCommand(int argc, char** argv, int first);

}  // namespace starttls
