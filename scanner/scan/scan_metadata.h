// The --metadata-file, ZMap style (docs/rules.md §6): version, flags, seed, shard, start/end, counts
// per status, class and anomaly, and — for a stopped scan — what was not started, so that
// --resume can finish the job without losing or repeating a target.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scanner/scan/scan_tally.h"

namespace starttls {

struct ScanRunInfo {
  std::string version;
  std::vector<std::pair<std::string, std::string>> flags;  // effective flags, as given
  uint64_t seed = 0;
  uint32_t shards = 1;
  uint32_t shard = 0;
  int64_t start_unix_ms = 0;
  int64_t end_unix_ms = 0;
  bool completed = false;        // false: stopped by a signal or an error
  std::string stop_reason;       // why it did not complete
  uint64_t input_lines_read = 0; // input lines fully handled; --resume skips these
  std::vector<std::string> not_started;  // endpoints read but never scanned ("ip:port")
};

// Writes the file whole (temporary file, then rename). Returns an error text or "".
std::string WriteMetadataFile(const std::string& path, const ScanRunInfo& info,
                              const TallySnapshot& counts);

}  // namespace starttls
