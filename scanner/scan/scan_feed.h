// The scan's TargetSource: streams the input (TargetReader), expands CIDRs lazily, drops
// duplicates, keeps this shard's share, writes the records of targets that get no session
// (bad lines, blocklisted addresses, domains), skips what a resumed scan already recorded,
// and hands the rest to the engine in a seeded random order through a bounded window — so
// memory stays bounded by the window and the duplicate filter, not by the input.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "scanner/engine/target_source.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/scan_tally.h"
#include "scanner/schedule/stream_shard.h"
#include "scanner/schedule/window_shuffler.h"
#include "scanner/targets/target_line.h"
#include "scanner/targets/target_policy.h"

namespace starttls {

// What an earlier, interrupted run of the same scan already wrote (--resume).
struct ResumeState {
  absl::flat_hash_set<Endpoint> recorded_endpoints;
  absl::flat_hash_set<uint64_t> recorded_error_lines;
  absl::flat_hash_set<std::string> recorded_domains;
};

struct ScanFeedOptions {
  uint16_t port = 25;
  uint64_t seed = 0;
  uint32_t shards = 1;
  uint32_t shard = 0;
  size_t window = 65536;
};

class ScanFeed : public TargetSource {
 public:
  ScanFeed(TargetReader* reader, const TargetPolicy* policy, ScanFeedOptions options,
           RecordSink* sink, ScanTally* tally, const ResumeState* resume);

  bool Next(Endpoint* out) override;

  // The names given on input ("ip,name") for an endpoint handed out; removes them.
  std::vector<std::string> TakeNames(const Endpoint& endpoint);
  // After the engine stopped early: everything read but never handed out.
  std::vector<Endpoint> TakeUnstarted();
  // Input lines whose every target was handed out or recorded.
  uint64_t lines_handled() const;
  // Empty unless reading the input failed.
  std::string input_error() const;

 private:
  bool NextCandidate(Endpoint* out);
  bool Admit(const Endpoint& endpoint, const std::string& name);
  void HandleLineWithoutEndpoint(const TargetRecord& record);

  mutable std::mutex mutex_;
  TargetReader* reader_;
  const TargetPolicy* policy_;
  ScanFeedOptions options_;
  RecordSink* sink_;
  ScanTally* tally_;
  const ResumeState* resume_;
  StreamShardFilter endpoint_shards_;
  StreamShardFilter line_shards_;
  WindowShuffler<Endpoint> window_;

  TargetRecord record_;
  std::optional<Cidr> expanding_;  // a CIDR line being expanded, address by address
  uint64_t expand_next_ = 0;
  uint64_t endpoint_index_ = 0;    // distinct endpoints seen, in input order
  bool input_done_ = false;
  absl::flat_hash_set<Endpoint> seen_;
  absl::flat_hash_map<Endpoint, std::vector<std::string>> names_;
  std::string scratch_;
};

}  // namespace starttls
