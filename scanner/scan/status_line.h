// The scan's progress, once a second (docs/rules.md §7): a line on stderr (elapsed,
// done/total, rate, open sessions, success share, counts per class, ETA) and, with
// --status-updates-file, the same figures as a CSV row, as ZMap's -u writes them.
#pragma once

#include <cstdint>
#include <string>

#include "scanner/scan/scan_tally.h"

namespace starttls {

struct StatusInputs {
  double elapsed_s = 0;
  uint64_t open_sessions = 0;
  uint64_t done_last_second = 0;  // targets done since the previous status
  int64_t now_unix_ms = 0;
  TallySnapshot tally;
};

// One line, without its newline. Rate is over this run so far.
std::string FormatStatusLine(const StatusInputs& inputs);

// The CSV header (with its newline) and one row per status (with its newline).
std::string StatusCsvHeader();
std::string FormatStatusCsvRow(const StatusInputs& inputs);

}  // namespace starttls
