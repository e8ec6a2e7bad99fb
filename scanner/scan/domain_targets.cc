#include "scanner/scan/domain_targets.h"

#include "absl/time/clock.h"
#include "output/domain_record.h"
#include "resolver/domain_policy.h"

namespace starttls {

DomainTargets::DomainTargets(uint16_t port, uint16_t fetch_port, size_t max_in_flight,
                             RecordSink* sink, ScanTally* tally)
    : join_(port, fetch_port), max_in_flight_(max_in_flight), sink_(sink), tally_(tally) {}

absl::StatusOr<std::unique_ptr<DomainTargets>> DomainTargets::Create(
    const ResolverOptions& options, uint16_t port, uint16_t fetch_port,
    size_t max_domains_in_flight, RecordSink* sink, ScanTally* tally) {
  std::unique_ptr<DomainTargets> targets(
      new DomainTargets(port, fetch_port, max_domains_in_flight, sink, tally));
  DomainTargets* self = targets.get();
  MxResolverCallbacks callbacks;
  callbacks.on_done = [self](DomainResolution&& resolution) {
    self->OnResolved(std::move(resolution));
  };
  callbacks.on_socket = [self](int fd, bool read, bool write) {
    self->interest_changes_.push_back({fd, read, write});
  };
  absl::StatusOr<std::unique_ptr<MxResolver>> resolver =
      MxResolver::Create(options, std::move(callbacks));
  if (!resolver.ok()) return resolver.status();
  targets->resolver_ = std::move(*resolver);
  return targets;
}

bool DomainTargets::HasRoom() const { return resolver_->domains_in_flight() < max_in_flight_; }

void DomainTargets::Submit(const std::string& domain, uint64_t line_number) {
  resolver_->Resolve(domain, line_number);
}

void DomainTargets::OnResolved(DomainResolution&& resolution) {
  // Member scratch (kept capacity): one call per domain. Not re-entered: writing verdicts
  // calls back into nothing that resolves.
  to_scan_.clear();
  to_fetch_.clear();
  join_.AddDomain(std::move(resolution), &to_scan_, &to_fetch_, &resolved_done_);
  for (const Endpoint& endpoint : to_scan_) ready_.push_back(endpoint);
  for (PolicyFetchKey& key : to_fetch_) fetches_.push_back(std::move(key));
  WriteVerdicts(&resolved_done_);
}

bool DomainTargets::TakeEndpoint(Endpoint* out) {
  if (ready_.empty()) return false;
  *out = ready_.front();
  ready_.pop_front();
  return true;
}

bool DomainTargets::TakeFetch(PolicyFetchKey* out) {
  if (fetches_.empty()) return false;
  *out = std::move(fetches_.front());
  fetches_.pop_front();
  ++fetches_running_;
  ++fetches_started_;
  return true;
}

DomainWork DomainTargets::work() const {
  const MxResolverStats stats = resolver_->stats();
  return {.queries = stats.queries_sent,
          .query_timeouts = stats.query_timeouts,
          .ad_seen = stats.authenticated,
          .policy_fetches = fetches_started_};
}

void DomainTargets::FetchFinished(const PolicyFetchKey& key, const PolicyFetchResult& result) {
  auto outcome = std::make_shared<PolicyFetchOutcome>();
  outcome->fetch = std::string(MtaStsFetchName(result.fetch));
  outcome->status_code = result.status_code;
  outcome->policy = result.policy;
  outcome->error = result.error;
  if (fetches_running_ > 0) --fetches_running_;
  std::vector<DomainVerdict> done;
  join_.FinishFetch(key, std::move(outcome), &done);
  WriteVerdicts(&done);
}

void DomainTargets::HostFinished(const Endpoint& endpoint, const HostOutcome& outcome) {
  std::vector<DomainVerdict> done;
  join_.RecordScanned(endpoint, outcome, &done);
  WriteVerdicts(&done);
}

void DomainTargets::WriteVerdicts(std::vector<DomainVerdict>* done) {
  int64_t now_ms = absl::ToUnixMillis(absl::Now());
  for (const DomainVerdict& verdict : *done) {
    scratch_.clear();
    std::optional<DomainPolicyView> policy;
    if (verdict.resolution.policy) policy = JudgeDomainPolicy(verdict);
    AppendDomainRecord(verdict, policy ? &*policy : nullptr, verdict.resolution.tag, now_ms,
                       &scratch_);
    sink_->Write(scratch_);
    tally_->CountDomain();
  }
  done->clear();
}

void DomainTargets::AppendNames(const Endpoint& endpoint, std::vector<std::string>* names) const {
  const std::vector<std::string>* mx_names = join_.NamesOf(endpoint);
  if (mx_names == nullptr) return;
  for (const std::string& name : *mx_names) {
    bool known = false;
    for (const std::string& have : *names) known |= have == name;
    if (!known) names->push_back(name);
  }
}

bool DomainTargets::busy() const {
  return resolver_->busy() || !ready_.empty() || !fetches_.empty() || fetches_running_ > 0;
}

size_t DomainTargets::pending_domains() const { return join_.pending_domains(); }

void DomainTargets::AppendUnfinishedDomains(std::vector<std::string>* names) const {
  resolver_->AppendActiveDomains(names);
  join_.AppendPendingDomains(names);
}

void DomainTargets::TakeInterestChanges(std::vector<FdInterest>* changes) {
  changes->insert(changes->end(), interest_changes_.begin(), interest_changes_.end());
  interest_changes_.clear();
}

void DomainTargets::OnReady(int fd, bool readable, bool writable) {
  if (readable) resolver_->OnReadable(fd);
  if (writable) resolver_->OnWritable(fd);
}

std::optional<int64_t> DomainTargets::NextDeadline(int64_t now_ns) const {
  return resolver_->NextTimeout(now_ns);
}

void DomainTargets::OnDeadline(int64_t now_ns) { resolver_->OnTimer(now_ns); }

}  // namespace starttls
