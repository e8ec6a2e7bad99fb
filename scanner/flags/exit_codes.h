// starttls-scan's exit statuses, named once: every subcommand returns these, and the man
// page's EXIT STATUS section is written from kExitCodeDocs (scanner/cli/docgen).
#pragma once

#include <string_view>

namespace starttls {

// Unscoped on purpose: a subcommand's `int run(...)` returns them as they are.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitMetadataUnwritten = 3,
};

struct ExitCodeDoc {
  ExitCode code;
  std::string_view meaning;
};

inline constexpr ExitCodeDoc kExitCodeDocs[] = {
    {kExitOk,
     "done; for scan also when stopped at --max-targets or --max-runtime (--resume continues)"},
    {kExitFailed,
     "stopped early or failed: scan stopped by a signal or an error; convert, diff and report "
     "met unreadable input, lines that are not records, or an output they could not write"},
    {kExitUsage, "bad flags, arguments or setup, found before any work: scan sent nothing"},
    {kExitMetadataUnwritten, "scan: the metadata file could not be written at the end"},
};

}  // namespace starttls
