// The --metadata-file, ZMap style (docs/rules.md §6): version, flags, seed (a decimal string:
// JSON numbers lose 64-bit integers in most readers), shard, start/end, the input's
// accounting (input_accounting.h), records written, counts per status, class and anomaly,
// and — for a stopped scan — what was not started. A resumed scan's metadata describes the
// whole scan: its counts cover every record of the output, `parts` says how many runs it
// took and `start` is the first one's. The file is written when the scan starts (so a run
// killed without warning still leaves its part counted) and again when it ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scanner/engine/loop_lag.h"
#include "scanner/scan/domain_work.h"
#include "scanner/scan/input_accounting.h"
#include "scanner/scan/scan_tally.h"

namespace starttls {

inline constexpr int kMetadataSchemaVersion = 2;

struct ScanRunInfo {
  std::string version;
  std::vector<std::pair<std::string, std::string>> flags;  // as given, by long name
  uint64_t seed = 0;
  uint32_t shards = 1;
  std::optional<uint32_t> shard = 0;  // nullopt: a merge of several shards
  int64_t start_unix_ms = 0;          // the first part's start
  int64_t part_start_unix_ms = 0;     // this run's start (0: none, a merge)
  int64_t end_unix_ms = 0;            // 0 while running
  uint32_t parts = 1;
  bool running = false;           // written at the start: the scan has not ended
  bool completed = false;         // false: stopped by a signal, a bound or an error
  std::string stop_reason;        // why it did not complete
  uint64_t input_lines_read = 0;  // input lines fully handled
  InputCounts input;
  std::string input_sha256;              // of every input byte read (the whole input once complete)
  std::vector<std::string> not_started;  // targets taken in but never scanned
  std::optional<LoopLag> loop_lag;       // how prompt the engine's loops were (this part)
  DomainWork domain_work;                // DNS queries, AD answers, policy fetches (this part)
  // Written by `starttls-scan merge` only: the parts merged, in shard order, and (with
  // --allow-partial) the shards that were missing or incomplete.
  std::vector<std::string> merged_from;
  std::optional<std::vector<uint32_t>> missing_shards;
};

// What a resumed scan takes from the metadata of its earlier parts.
struct EarlierParts {
  uint32_t parts = 0;
  int64_t start_unix_ms = 0;
};
// nullopt when `path` is absent or not a metadata file of ours.
std::optional<EarlierParts> ReadEarlierParts(const std::string& path);

std::string RenderMetadata(const ScanRunInfo& info, const TallySnapshot& counts);

// Writes the file whole (temporary file, then rename); "-" writes to stderr. Returns an
// error text or "".
std::string WriteMetadataFile(const std::string& path, const ScanRunInfo& info,
                              const TallySnapshot& counts);

}  // namespace starttls
