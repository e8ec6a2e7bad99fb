// `starttls-scan diff OLD NEW`: change records and transition matrices
// (scanner/datasets/scan_diff.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scanner/flags/flag_table.h"

namespace starttls {

struct DiffOptions {
  std::string format = "ndjson";
  std::string output = "-";
  bool quiet = false;
  bool help = false;
};

// diff's flags bound to `options`; --help, the man page and the completion list them.
std::vector<FlagSpec> DiffFlagTable(DiffOptions* options);
// What --help prints above the flags: the usage line, then what diff does.
std::string_view DiffHelpText();

int RunDiffCommand(int argc, char** argv, int first);

}  // namespace starttls
