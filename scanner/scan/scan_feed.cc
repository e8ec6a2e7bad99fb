#include "scanner/scan/scan_feed.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "base/monotonic_clock.h"
#include "output/domain_record.h"
#include "output/error_record.h"
#include "output/host_record.h"

namespace starttls {
namespace {

// Domains taken from the scan order but waiting for room in the resolver; past this, no
// more input is read until the resolver catches up.
constexpr size_t kMaxHeldDomains = 4096;

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

void AddName(const std::string& name, std::vector<std::string>* names) {
  if (!name.empty() && std::find(names->begin(), names->end(), name) == names->end()) {
    names->push_back(name);
  }
}

}  // namespace

ScanFeed::ScanFeed(InputTargets* input, const TargetPolicy* policy, ScanFeedOptions options,
                   RecordSink* sink, ScanTally* tally, const ResumeState* resume,
                   std::unique_ptr<DomainTargets> domains, std::string domains_error)
    : input_(input),
      policy_(policy),
      options_(options),
      sink_(sink),
      tally_(tally),
      resume_(resume),
      order_(input, options.seed, options.window,
             ScanOrder::Hooks{[this](const InputTarget& t) { Entered(t); },
                              [this](const InputTarget& t) { JoinName(t); },
                              [this](const TargetRecord& r) { WriteInvalidLine(r); }}),
      domains_(std::move(domains)),
      domains_error_(std::move(domains_error)) {}

// A target of this shard was read: it counts from now on, and an address target's names
// are gathered from here (a repeated 'ip,name' line may add one while it waits).
void ScanFeed::Entered(const InputTarget& target) {
  tally_->CountTarget();
  if (target.is_domain()) return;
  PendingHost& host = pending_[target.endpoint];
  host.from_input = true;
  if (host.line == 0) host.line = target.line;
  AddName(target.name, &host.names);
}

void ScanFeed::JoinName(const InputTarget& target) {
  if (auto it = pending_.find(target.endpoint); it != pending_.end()) {
    AddName(target.name, &it->second.names);
  }
}

void ScanFeed::WriteInvalidLine(const TargetRecord& record) {
  if (resume_ != nullptr && resume_->recorded_error_lines.contains(record.line_number)) return;
  std::string error = record.parsed.error;
  // Arguments are numbered like lines; say so in the text the user reads.
  if (options_.arguments && error.starts_with("line ")) error.replace(0, 4, "argument");
  scratch_.clear();
  AppendInputErrorRecord(record.line_number, record.raw_line, error, &scratch_);
  tally_->CountInputError();
  sink_->Write(scratch_);
}

bool ScanFeed::Next(EngineTarget* target) {
  std::lock_guard<std::mutex> lock(mutex_);
  target->policy_domain.clear();
  Endpoint* out = &target->endpoint;
  const int64_t now = MonotonicNowNs();
  if (!retries_.empty() && retries_.top().due_ns <= now) {
    *out = retries_.top().endpoint;
    retries_.pop();
    return true;
  }
  // Endpoints of resolved domains first: their domains are waiting for them.
  Endpoint endpoint;
  while (domains_ != nullptr && domains_->TakeEndpoint(&endpoint)) {
    if (AdmitDomainEndpoint(endpoint)) {
      *out = endpoint;
      return true;
    }
  }
  // Then the policy fetches they wait for (the same caps apply to these connections).
  PolicyFetchKey fetch;
  if (domains_ != nullptr && domains_->TakeFetch(&fetch)) {
    *out = fetch.endpoint;
    target->policy_domain = std::move(fetch.domain);
    return true;
  }
  SubmitHeldDomains();
  InputTarget input;
  while (!order_done_ && held_domains_.size() < kMaxHeldDomains) {
    if (options_.max_targets != 0 && taken_ >= options_.max_targets) {
      max_targets_reached_ = true;
      CloseOrder();
      break;
    }
    ScanOrder::Step step = order_.Next(now, &input);
    if (step == ScanOrder::Step::kWait) break;
    if (step == ScanOrder::Step::kEnd) {
      order_done_ = true;
      tally_->InputFinished();
      break;
    }
    ++taken_;
    if (TakeTarget(input, out)) return true;
  }
  return false;
}

bool ScanFeed::TakeTarget(InputTarget& target, Endpoint* out) {
  if (target.is_domain()) {
    TakeDomain(target);
    return false;
  }
  auto it = pending_.find(target.endpoint);
  // Gone: an MX session it shared has written the record; scheduled: that session runs.
  if (it == pending_.end() || it->second.scheduled) return false;
  if (resume_ != nullptr) {
    auto recorded = resume_->recorded_endpoints.find(target.endpoint);
    if (recorded != resume_->recorded_endpoints.end() && recorded->second.from_input) {
      pending_.erase(it);
      return false;
    }
  }
  if (Blocked(target.endpoint)) return false;
  it->second.scheduled = true;
  *out = target.endpoint;
  return true;
}

void ScanFeed::TakeDomain(InputTarget& target) {
  if (resume_ != nullptr && resume_->recorded_domains.contains(target.domain)) return;
  if (domains_ == nullptr) {
    scratch_.clear();
    AppendUnresolvedDomainRecord(target.domain, target.line, domains_error_, NowUnixMs(),
                                 &scratch_);
    tally_->CountDomain();
    sink_->Write(scratch_);
    return;
  }
  held_domains_.push_back(std::move(target));
  SubmitHeldDomains();
}

void ScanFeed::SubmitHeldDomains() {
  while (!held_domains_.empty() && domains_ != nullptr && domains_->HasRoom()) {
    InputTarget domain = std::move(held_domains_.front());
    held_domains_.pop_front();
    domains_->Submit(domain.domain, domain.line);
  }
}

// Writes the `blocklisted` record of an endpoint the policy refuses; true when refused.
bool ScanFeed::Blocked(const Endpoint& endpoint) {
  TargetVerdict verdict = policy_->Decide(endpoint.ip);
  if (verdict.allowed()) return false;
  HostContext context;
  if (auto it = pending_.find(endpoint); it != pending_.end()) {
    context.line = it->second.line;
    context.names = std::move(it->second.names);
    context.from_input = it->second.from_input;
    pending_.erase(it);
  }
  if (domains_ != nullptr) domains_->AppendNames(endpoint, &context.names);
  context.attempts = 0;
  scratch_.clear();
  AppendUnscannedHostRecord(endpoint, context, ScanStatus::kBlocklisted,
                            "blocklisted: " + std::string(verdict.reason), NowUnixMs(), &scratch_);
  sink_->Write(scratch_);
  tally_->CountHost(ScanStatus::kBlocklisted, std::nullopt, AnomalySet(), context.from_input);
  if (domains_ != nullptr)
    domains_->HostFinished(endpoint, HostOutcome{ScanStatus::kBlocklisted, std::nullopt, nullptr});
  return true;
}

// An endpoint a resolved domain leads to. One that is pending already (an address target
// waiting or being scanned) is not scanned again — its result reaches the domain through
// HostFinished; nor is one the run being resumed recorded.
bool ScanFeed::AdmitDomainEndpoint(const Endpoint& endpoint) {
  if (resume_ != nullptr) {
    auto recorded = resume_->recorded_endpoints.find(endpoint);
    if (recorded != resume_->recorded_endpoints.end()) {
      domains_->HostFinished(endpoint, recorded->second.outcome);
      return false;
    }
  }
  auto [it, fresh] = pending_.try_emplace(endpoint);
  if (!fresh) return false;
  if (Blocked(endpoint)) return false;
  it->second.scheduled = true;
  return true;
}

bool ScanFeed::Retry(const Endpoint& endpoint, const SessionResult& result, int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pending_.find(endpoint);
  if (it == pending_.end()) return false;
  PendingHost& host = it->second;
  ++host.attempts;
  bool rate_limited = result.status == ScanStatus::kRateLimited;
  bool connect_timeout = result.status == ScanStatus::kConnectionTimeout;
  if ((!rate_limited && !connect_timeout) || host.attempts > options_.retries) return false;
  retries_.push(DueRetry{now_ns + (rate_limited ? options_.backoff_ns : options_.connect_retry_ns),
                         endpoint});
  return true;
}

HostContext ScanFeed::TakeHost(const Endpoint& endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  HostContext context;
  if (auto it = pending_.find(endpoint); it != pending_.end()) {
    context.line = it->second.line;
    context.names = std::move(it->second.names);
    context.from_input = it->second.from_input;
    context.attempts = std::max<uint32_t>(1, it->second.attempts);
    pending_.erase(it);
  }
  if (domains_ != nullptr) domains_->AppendNames(endpoint, &context.names);
  return context;
}

std::string ScanFeed::ServerNameFor(const Endpoint& endpoint) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = pending_.find(endpoint); it != pending_.end() && !it->second.names.empty()) {
    return it->second.names.front();
  }
  std::vector<std::string> names;
  if (domains_ != nullptr) domains_->AppendNames(endpoint, &names);
  return names.empty() ? std::string() : names.front();
}

void ScanFeed::HostFinished(const Endpoint& endpoint, const HostOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) domains_->HostFinished(endpoint, outcome);
}

void ScanFeed::PolicyFetched(const Endpoint& endpoint, std::string_view domain,
                             const PolicyFetchResult& result) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) {
    domains_->FetchFinished(PolicyFetchKey{endpoint, std::string(domain)}, result);
  }
}

// Done only once every endpoint has its record: a session still running may yet be retried.
bool ScanFeed::Done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return order_done_ && held_domains_.empty() && retries_.empty() && pending_.empty() &&
         (domains_ == nullptr || !domains_->busy());
}

void ScanFeed::CloseOrder() {
  order_done_ = true;
  for (InputTarget& held : order_.Close()) {
    if (held.is_domain()) {
      unstarted_.push_back(held.domain);
      continue;
    }
    unstarted_.push_back(held.endpoint.ToString());
    auto it = pending_.find(held.endpoint);
    if (it != pending_.end() && !it->second.scheduled) pending_.erase(it);
  }
}

std::vector<std::string> ScanFeed::TakeUnstarted() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!order_done_) CloseOrder();
  std::vector<std::string> unstarted = std::move(unstarted_);
  unstarted_.clear();
  for (const InputTarget& domain : held_domains_) unstarted.push_back(domain.domain);
  held_domains_.clear();
  while (!retries_.empty()) {
    unstarted.push_back(retries_.top().endpoint.ToString());
    retries_.pop();
  }
  Endpoint endpoint;
  while (domains_ != nullptr && domains_->TakeEndpoint(&endpoint)) {
    unstarted.push_back(endpoint.ToString());
  }
  if (domains_ != nullptr) domains_->AppendUnfinishedDomains(&unstarted);
  return unstarted;
}

InputCounts ScanFeed::input_counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return input_->counts();
}

uint64_t ScanFeed::lines_handled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return input_->lines_handled();
}

DomainWork ScanFeed::domain_work() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return domains_ != nullptr ? domains_->work() : DomainWork{};
}

std::string ScanFeed::input_digest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return input_->reader().Digest();
}

bool ScanFeed::max_targets_reached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return max_targets_reached_;
}

std::string ScanFeed::input_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const absl::Status& status = input_->reader().status();
  return status.ok() ? "" : std::string(status.message());
}

void ScanFeed::TakeInterestChanges(std::vector<FdInterest>* changes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) domains_->TakeInterestChanges(changes);
}

void ScanFeed::OnReady(int fd, bool readable, bool writable, int64_t) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) domains_->OnReady(fd, readable, writable);
}

std::optional<int64_t> ScanFeed::NextDeadline(int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<int64_t> deadline =
      domains_ != nullptr ? domains_->NextDeadline(now_ns) : std::nullopt;
  if (!retries_.empty() && (!deadline || retries_.top().due_ns < *deadline)) {
    deadline = retries_.top().due_ns;
  }
  return deadline;
}

void ScanFeed::OnDeadline(int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) domains_->OnDeadline(now_ns);
}

}  // namespace starttls
