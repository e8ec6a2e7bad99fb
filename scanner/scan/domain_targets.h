// Domain targets (issue 6): each input domain is resolved as a sending MTA would (MX, then
// A/AAAA of each exchange) by the MX resolver running in the engine's loop, joined to the
// endpoints it leads to — each endpoint scanned once however many domains share it — and
// written as a `domain` record once its last endpoint finished. Not thread-safe: ScanFeed
// calls it under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "resolver/domain_join.h"
#include "resolver/mx_resolver.h"
#include "scanner/engine/loop_extension.h"
#include "scanner/scan/domain_work.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/scan_tally.h"
#include "scanner/session/policy_fetch_session.h"

namespace starttls {

class DomainTargets {
 public:
  // `port`: where MX hosts are scanned; `fetch_port`: where MTA-STS policy hosts are asked.
  static absl::StatusOr<std::unique_ptr<DomainTargets>> Create(const ResolverOptions& options,
                                                               uint16_t port, uint16_t fetch_port,
                                                               size_t max_domains_in_flight,
                                                               RecordSink* sink, ScanTally* tally);

  bool HasRoom() const;
  void Submit(const std::string& domain, uint64_t line_number);
  // An endpoint some domain leads to and nobody scanned yet.
  bool TakeEndpoint(Endpoint* out);
  // An MTA-STS policy fetch some domain waits for and nobody started yet.
  bool TakeFetch(PolicyFetchKey* out);
  // A policy fetch ended: completes the domains waiting for it.
  void FetchFinished(const PolicyFetchKey& key, const PolicyFetchResult& result);
  // Every finished host, whatever brought it: completes the domains waiting for it, and is
  // remembered for domains resolved later.
  void HostFinished(const Endpoint& endpoint, const HostOutcome& outcome);
  // The MX names that led to an endpoint not finished yet.
  void AppendNames(const Endpoint& endpoint, std::vector<std::string>* names) const;
  // The DNS and policy work done so far (metadata `dns` and `dnssec`).
  DomainWork work() const;
  // True while names are being resolved or endpoints wait to be taken.
  bool busy() const;
  // Domains still waiting (resolving or for their endpoints).
  size_t pending_domains() const;
  // Their names, for a scan that stops before they get their records.
  void AppendUnfinishedDomains(std::vector<std::string>* names) const;

  // The loop-extension side, forwarded by ScanFeed.
  void TakeInterestChanges(std::vector<FdInterest>* changes);
  void OnReady(int fd, bool readable, bool writable);
  std::optional<int64_t> NextDeadline(int64_t now_ns) const;
  void OnDeadline(int64_t now_ns);

 private:
  DomainTargets(uint16_t port, uint16_t fetch_port, size_t max_in_flight, RecordSink* sink,
                ScanTally* tally);
  void OnResolved(DomainResolution&& resolution);
  void WriteVerdicts(std::vector<DomainVerdict>* done);

  std::unique_ptr<MxResolver> resolver_;
  DomainJoin join_;
  size_t max_in_flight_;
  RecordSink* sink_;
  ScanTally* tally_;
  std::deque<Endpoint> ready_;
  std::deque<PolicyFetchKey> fetches_;
  size_t fetches_running_ = 0;  // taken, not finished
  uint64_t fetches_started_ = 0;
  std::vector<FdInterest> interest_changes_;
  std::string scratch_;
  std::vector<Endpoint> to_scan_;             // OnResolved's scratch
  std::vector<PolicyFetchKey> to_fetch_;      // OnResolved's scratch
  std::vector<DomainVerdict> resolved_done_;  // OnResolved's scratch
};

}  // namespace starttls
