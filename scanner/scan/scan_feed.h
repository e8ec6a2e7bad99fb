// The scan's TargetSource: hands the engine this shard's targets in scan order (ScanOrder
// over InputTargets), writes the records of targets that get no session (bad lines,
// blocklisted addresses, what a resumed run already has), sends domain targets to the MX
// resolver (DomainTargets) and hands on the endpoints they lead to, and tries again the
// sessions a 421 or a connect timeout ended (--retries). Memory stays bounded by the shuffle
// window, the sessions in flight and the dedupe set, not by the input.
//
// Every endpoint between entering the scan and getting its record has a PendingHost: its
// input line, the names that led to it, whether it is an input target of this shard (else
// only an MX host some domain leads to), whether the engine has it, and its attempts. An
// address target that turns up while its endpoint is being scanned for a domain shares that
// session (one record, marked as the input target's).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "output/host_context.h"
#include "scanner/engine/loop_extension.h"
#include "scanner/engine/target_source.h"
#include "scanner/scan/domain_targets.h"
#include "scanner/scan/input_targets.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/scan_order.h"
#include "scanner/scan/scan_tally.h"
#include "scanner/session/smtp_session.h"
#include "scanner/targets/target_policy.h"

namespace starttls {

// What an earlier, interrupted run of the same scan already wrote (--resume).
struct RecordedHost {
  HostOutcome outcome;
  bool from_input = true;  // the record was an input target's (else an MX host's only)
};

struct ResumeState {
  absl::flat_hash_map<Endpoint, RecordedHost> recorded_endpoints;
  absl::flat_hash_set<uint64_t> recorded_error_lines;
  absl::flat_hash_set<std::string> recorded_domains;
};

struct ScanFeedOptions {
  uint64_t seed = 0;
  size_t window = 65536;
  uint64_t max_targets = 0;                   // 0 = all
  uint32_t retries = 1;                       // further attempts after a 421 or a connect timeout
  int64_t backoff_ns = 60'000'000'000;        // a 421 is tried again after this
  int64_t connect_retry_ns = 10'000'000'000;  // a connect timeout is tried again after this
  bool arguments = false;  // the targets came as arguments (records carry no line)
};

class ScanFeed : public TargetSource, public LoopExtension {
 public:
  // `domains` may be null: domain lines then get a record saying why they were not resolved
  // (`domains_error`).
  ScanFeed(InputTargets* input, const TargetPolicy* policy, ScanFeedOptions options,
           RecordSink* sink, ScanTally* tally, const ResumeState* resume,
           std::unique_ptr<DomainTargets> domains, std::string domains_error);

  bool Next(EngineTarget* target) override;
  bool Done() const override;

  // A session ended: true when it will be tried again (no record now).
  bool Retry(const Endpoint& endpoint, const SessionResult& result, int64_t now_ns);
  // The record's context; the endpoint leaves the feed.
  HostContext TakeHost(const Endpoint& endpoint);
  // The name to send as SNI and to match the certificate against: the first known.
  std::string ServerNameFor(const Endpoint& endpoint) const;
  // A host's record is out: domains waiting for it may now be complete.
  void HostFinished(const Endpoint& endpoint, const HostOutcome& outcome);
  // An MTA-STS policy fetch ended: domains waiting for it may now be complete.
  void PolicyFetched(const Endpoint& endpoint, std::string_view domain,
                     const PolicyFetchResult& result);

  // LoopExtension: the MX resolver's sockets and timer, driven by the engine.
  void TakeInterestChanges(std::vector<FdInterest>* changes) override;
  void OnReady(int fd, bool readable, bool writable, int64_t now_ns) override;
  std::optional<int64_t> NextDeadline(int64_t now_ns) override;
  void OnDeadline(int64_t now_ns) override;

  // After the engine stopped: everything taken in but never started ("ip:port" or a domain).
  std::vector<std::string> TakeUnstarted();
  InputCounts input_counts() const;
  uint64_t lines_handled() const;
  std::string input_digest() const;
  // DNS answers with the AD bit (0 without domain targets).
  DomainWork domain_work() const;
  bool max_targets_reached() const;
  // Empty unless reading the input failed.
  std::string input_error() const;

 private:
  struct PendingHost {
    uint64_t line = 0;
    std::vector<std::string> names;
    bool from_input = false;
    bool scheduled = false;  // handed to the engine (or waiting for a retry)
    uint32_t attempts = 0;
  };
  struct DueRetry {
    int64_t due_ns = 0;
    Endpoint endpoint;
    friend bool operator>(const DueRetry& a, const DueRetry& b) { return a.due_ns > b.due_ns; }
  };

  // Stops taking targets from the scan order; what it held is listed as not started.
  void CloseOrder();
  void Entered(const InputTarget& target);
  void JoinName(const InputTarget& target);
  void WriteInvalidLine(const TargetRecord& record);
  // A target given out by the scan order: true when *out is an endpoint to scan now.
  bool TakeTarget(InputTarget& target, Endpoint* out);
  void TakeDomain(InputTarget& target);
  void SubmitHeldDomains();
  bool AdmitDomainEndpoint(const Endpoint& endpoint);
  // Writes the `blocklisted` record of an endpoint the policy refuses; true when refused.
  bool Blocked(const Endpoint& endpoint);

  mutable std::mutex mutex_;
  InputTargets* input_;
  const TargetPolicy* policy_;
  ScanFeedOptions options_;
  RecordSink* sink_;
  ScanTally* tally_;
  const ResumeState* resume_;
  ScanOrder order_;
  bool order_done_ = false;
  bool max_targets_reached_ = false;
  uint64_t taken_ = 0;  // targets given out by the scan order

  absl::flat_hash_map<Endpoint, PendingHost> pending_;
  std::priority_queue<DueRetry, std::vector<DueRetry>, std::greater<DueRetry>> retries_;
  std::deque<InputTarget> held_domains_;  // waiting for room in the resolver
  std::vector<std::string> unstarted_;    // what the scan order still held when it closed
  std::unique_ptr<DomainTargets> domains_;
  std::string domains_error_;
  std::string scratch_;
};

}  // namespace starttls
