// `starttls-scan convert --to csv`: NDJSON records (plain, .gz, .zst) to CSV, columns from the
// field table (output/field_table.h, output/csv_record.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scanner/flags/flag_table.h"

namespace starttls {

struct ConvertOptions {
  std::string to;
  std::string output = "-";
  std::string fields_text;  // --output-fields as given
  std::vector<std::string> types;
  bool list_fields = false;
  bool help = false;
};

// convert's flags bound to `options`; --help, the man page and the completion list them.
std::vector<FlagSpec> ConvertFlagTable(ConvertOptions* options);
// What --help prints above the flags: the usage lines, then what convert does.
std::string_view ConvertHelpText();

int RunConvertCommand(int argc, char** argv, int first);

}  // namespace starttls
