// The scan's TargetSource: streams the input (TargetReader), expands CIDRs lazily, drops
// duplicates, keeps this shard's share, writes the records of targets that get no session
// (bad lines, blocklisted addresses), skips what a resumed scan already recorded, and hands
// the rest to the engine in a seeded random order through a bounded window — so memory stays
// bounded by the window and the duplicate filter, not by the input. Domain lines go to the
// MX resolver (DomainTargets), whose endpoints join the same stream; the feed is the loop
// extension through which the engine drives that resolver.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "scanner/engine/loop_extension.h"
#include "scanner/engine/target_source.h"
#include "scanner/scan/domain_targets.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/scan_tally.h"
#include "scanner/schedule/stream_shard.h"
#include "scanner/schedule/window_shuffler.h"
#include "scanner/targets/target_line.h"
#include "scanner/targets/target_policy.h"

namespace starttls {

// What an earlier, interrupted run of the same scan already wrote (--resume).
struct RecordedHost {
  ScanStatus status = ScanStatus::kSuccess;
  std::optional<EhloClass> cls;
};

struct ResumeState {
  absl::flat_hash_map<Endpoint, RecordedHost> recorded_endpoints;
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

class ScanFeed : public TargetSource, public LoopExtension {
 public:
  // `domains` may be null: domain lines then get a record saying why they were not resolved
  // (`domains_error`).
  ScanFeed(TargetReader* reader, const TargetPolicy* policy, ScanFeedOptions options,
           RecordSink* sink, ScanTally* tally, const ResumeState* resume,
           std::unique_ptr<DomainTargets> domains, std::string domains_error);

  bool Next(Endpoint* out) override;
  bool Done() const override;

  // The names that led to an endpoint handed out (an "ip,name" line, MX records); its
  // record takes them when its session ends.
  std::vector<std::string> TakeNames(const Endpoint& endpoint);
  // The name to send as SNI and to match the certificate against: the first of those.
  std::string ServerNameFor(const Endpoint& endpoint) const;
  // A host's session finished: domains waiting for it may now be complete.
  void HostFinished(const Endpoint& endpoint, ScanStatus status, std::optional<EhloClass> cls);

  // LoopExtension: the MX resolver's sockets and timer, driven by the engine.
  void TakeInterestChanges(std::vector<FdInterest>* changes) override;
  void OnReady(int fd, bool readable, bool writable, int64_t now_ns) override;
  std::optional<int64_t> NextDeadline(int64_t now_ns) override;
  void OnDeadline(int64_t now_ns) override;
  // After the engine stopped early: everything read but never handed out.
  std::vector<Endpoint> TakeUnstarted();
  // Input lines whose every target was handed out or recorded.
  uint64_t lines_handled() const;
  // Empty unless reading the input failed.
  std::string input_error() const;

 private:
  enum class Candidate : uint8_t { kGot, kPaused, kEnd };
  Candidate NextCandidate(Endpoint* out);
  bool Admit(const Endpoint& endpoint, const std::string& name);
  bool AdmitDomainEndpoint(const Endpoint& endpoint);
  bool Blocked(const Endpoint& endpoint, const std::vector<std::string>& names);
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
  std::unique_ptr<DomainTargets> domains_;
  std::string domains_error_;
  std::string scratch_;
};

}  // namespace starttls
