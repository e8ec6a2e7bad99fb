// `starttls-scan merge`: the parts of a sharded scan put back together (merge_plan.h,
// merge_records.h, merged_metadata.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scanner/flags/flag_table.h"

namespace starttls {

struct MergeOptions {
  std::string output;
  std::string metadata;
  bool allow_partial = false;
  bool quiet = false;
  bool help = false;
};

// merge's flags bound to `options`; --help, the man page and the completion list them.
std::vector<FlagSpec> MergeFlagTable(MergeOptions* options);
// What --help prints above the flags: the usage line, then what merge does.
std::string_view MergeHelpText();

int RunMergeCommand(int argc, char** argv, int first);

}  // namespace starttls
