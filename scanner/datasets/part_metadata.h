// One part of a sharded scan as `starttls-scan merge` sees it: the metadata file written
// beside its records (scanner/scan/scan_metadata.cc), read back with bounded parsing — the
// file may come from another machine, be truncated or be something else entirely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "scanner/scan/domain_work.h"
#include "scanner/scan/input_accounting.h"

namespace starttls {

using FlagList = std::vector<std::pair<std::string, std::string>>;

struct PartRecordCounts {
  uint64_t host = 0;
  uint64_t host_from_mx = 0;
  uint64_t domain = 0;
  uint64_t error = 0;
  friend bool operator==(const PartRecordCounts&, const PartRecordCounts&) = default;
};

struct PartMetadata {
  std::string version;
  FlagList flags;  // as written, by long name
  uint64_t seed = 0;
  uint32_t shards = 1;
  uint32_t shard = 0;
  int64_t start_unix_ms = 0;
  int64_t end_unix_ms = 0;  // 0: no end written
  uint32_t parts = 1;
  bool running = false;
  bool completed = false;
  std::string stop_reason;
  uint64_t input_lines_read = 0;
  InputCounts input;
  std::string input_sha256;  // "" when absent
  DomainWork domain_work;
  PartRecordCounts records;
  std::vector<std::string> not_started;
};

// The metadata beside a part: "shard-0.ndjson", "shard-0.ndjson.gz" and "shard-0.ndjson.zst"
// -> "shard-0.json" (the names deploy/slurm and deploy/k8s give); any other name gets
// ".json" in place of its last extension.
std::string MetadataPathFor(std::string_view part_path);

// Reads and checks a metadata file (type "metadata", schema 2, the fields merge needs).
absl::StatusOr<PartMetadata> ReadPartMetadata(const std::string& path);
// The same on the file's text (the fuzzer's entry).
absl::StatusOr<PartMetadata> ParsePartMetadata(std::string_view text);

// The flags that define what a scan is (targets, ports, what is asked and judged), sorted:
// two parts of one scan have the same. Left out are the ones that only say where this part
// wrote, how fast this machine went or how this run was started (paths, --shard, --resume,
// pacing, resolver and source address) — they may differ between the machines of a survey.
FlagList ScanDefiningFlags(const FlagList& flags);

}  // namespace starttls
