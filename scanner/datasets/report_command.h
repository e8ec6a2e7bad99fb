// `starttls-scan report`: the figures of one or more scans as a self-contained HTML page or as
// JSON (scanner/datasets/report_html.h, report_json.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scanner/flags/flag_table.h"

namespace starttls {

struct ReportOptions {
  std::string format = "html";
  std::string output = "-";
  bool help = false;
};

// report's flags bound to `options`; --help, the man page and the completion list them.
std::vector<FlagSpec> ReportFlagTable(ReportOptions* options);
// What --help prints above the flags: the usage line, then what report does.
std::string_view ReportHelpText();

int RunReportCommand(int argc, char** argv, int first);

}  // namespace starttls
