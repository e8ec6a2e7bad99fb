// The once-a-second progress line on stderr (docs/rules.md §7): elapsed, done/total, rate, open
// sessions, success share, counts per class, ETA. stdout carries only data.
#pragma once

#include <cstdint>
#include <string>

#include "scanner/scan/scan_tally.h"

namespace starttls {

struct StatusInputs {
  double elapsed_s = 0;
  uint64_t open_sessions = 0;
  TallySnapshot tally;
};

// One line, without its newline. Rate is over the whole run so far.
std::string FormatStatusLine(const StatusInputs& inputs);

}  // namespace starttls
