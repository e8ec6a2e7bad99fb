// `starttls-scan scan` (the default subcommand): targets in, NDJSON host records out.
#pragma once

#include <string_view>

namespace starttls {

// What --help prints above the flags (scanner/scan/scan_options.h has the flag table): the
// usage line, then what a scan does.
std::string_view ScanHelpText();

int RunScanCommand(int argc, char** argv, int first);

}  // namespace starttls
