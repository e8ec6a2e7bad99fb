#include "scanner/scan/scan_feed.h"

#include "absl/time/clock.h"
#include "scanner/scan/domain_record.h"
#include "scanner/scan/host_record.h"

namespace starttls {
namespace {

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

ScanFeed::ScanFeed(TargetReader* reader, const TargetPolicy* policy, ScanFeedOptions options,
                   RecordSink* sink, ScanTally* tally, const ResumeState* resume,
                   std::unique_ptr<DomainTargets> domains, std::string domains_error)
    : reader_(reader),
      policy_(policy),
      options_(options),
      sink_(sink),
      tally_(tally),
      resume_(resume),
      endpoint_shards_(options.seed, options.shards, options.shard),
      // Line-level records (errors, domains) are sharded by line number with another key,
      // so each is written by exactly one shard.
      line_shards_(options.seed ^ 0x6c696e65ULL, options.shards, options.shard),
      window_(options.seed, options.window),
      domains_(std::move(domains)),
      domains_error_(std::move(domains_error)) {}

bool ScanFeed::Next(Endpoint* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Endpoints of resolved domains first: their domains are waiting for them.
  Endpoint endpoint;
  while (domains_ != nullptr && domains_->TakeEndpoint(&endpoint)) {
    if (AdmitDomainEndpoint(endpoint)) {
      *out = endpoint;
      return true;
    }
  }
  while (!input_done_) {
    Candidate candidate = NextCandidate(&endpoint);
    if (candidate == Candidate::kEnd) {
      input_done_ = true;
      tally_->InputFinished();
      break;
    }
    if (candidate == Candidate::kPaused) break;  // the resolver is full: drain the window
    if (std::optional<Endpoint> evicted = window_.Push(endpoint)) {
      *out = *evicted;
      return true;
    }
  }
  if (std::optional<Endpoint> rest = window_.Pop()) {
    *out = *rest;
    return true;
  }
  return false;
}

bool ScanFeed::Done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return input_done_ && window_.empty() && (domains_ == nullptr || !domains_->busy());
}

// Reads input until an endpoint this run must scan turns up.
ScanFeed::Candidate ScanFeed::NextCandidate(Endpoint* out) {
  while (true) {
    if (expanding_.has_value()) {
      if (expand_next_ < expanding_->Size()) {
        std::optional<IpAddress> ip = expanding_->At(expand_next_++);
        Endpoint endpoint{*ip, options_.port};
        if (Admit(endpoint, "")) {
          *out = endpoint;
          return Candidate::kGot;
        }
        continue;
      }
      expanding_.reset();
    }
    // A domain line needs room in the resolver: stop reading until it has some.
    if (domains_ != nullptr && !domains_->HasRoom()) return Candidate::kPaused;
    if (!reader_->Next(&record_)) return Candidate::kEnd;
    const Target& target = record_.parsed.target;
    if (record_.parsed.outcome != LineOutcome::kTarget || target.kind == TargetKind::kDomain) {
      HandleLineWithoutEndpoint(record_);
      continue;
    }
    if (target.kind == TargetKind::kCidr) {
      expanding_ = target.cidr;
      expand_next_ = 0;
      continue;
    }
    Endpoint endpoint{target.address, options_.port};
    if (Admit(endpoint, target.name)) {
      *out = endpoint;
      return Candidate::kGot;
    }
  }
}

// Writes the `blocklisted` record of an endpoint the policy refuses; true when refused.
bool ScanFeed::Blocked(const Endpoint& endpoint, const std::vector<std::string>& names) {
  TargetVerdict verdict = policy_->Decide(endpoint.ip);
  if (verdict.allowed()) return false;
  scratch_.clear();
  AppendUnscannedHostRecord(endpoint, names, ScanStatus::kBlocklisted,
                            "blocklisted: " + std::string(verdict.reason), NowUnixMs(),
                            &scratch_);
  sink_->Write(scratch_);
  tally_->CountHost(ScanStatus::kBlocklisted, std::nullopt, AnomalySet());
  if (domains_ != nullptr) domains_->HostFinished(endpoint, ScanStatus::kBlocklisted, std::nullopt);
  return true;
}

// Dedupe, shard, resume and blocklist for address targets; true to scan the endpoint.
bool ScanFeed::Admit(const Endpoint& endpoint, const std::string& name) {
  auto [it, first_time] = seen_.insert(endpoint);
  if (!first_time) {
    // A repeated target is scanned once; a name given with a later line still joins it.
    auto names = names_.find(endpoint);
    if (!name.empty() && names != names_.end()) names->second.push_back(name);
    return false;
  }
  if (!endpoint_shards_.Owns(endpoint_index_++)) return false;
  if (resume_ != nullptr && resume_->recorded_endpoints.contains(endpoint)) return false;
  tally_->CountTarget();
  std::vector<std::string> names;
  if (!name.empty()) names.push_back(name);
  if (Blocked(endpoint, names)) return false;
  if (!names.empty()) names_[endpoint] = std::move(names);
  return true;
}

// An endpoint a resolved domain leads to. Domains are already sharded by line, so no shard
// filter; one scanned before (as an address target, or recorded by the run being resumed)
// is not scanned again — its result reaches the domain through HostFinished.
bool ScanFeed::AdmitDomainEndpoint(const Endpoint& endpoint) {
  if (resume_ != nullptr) {
    auto recorded = resume_->recorded_endpoints.find(endpoint);
    if (recorded != resume_->recorded_endpoints.end()) {
      domains_->HostFinished(endpoint, recorded->second.status, recorded->second.cls);
      return false;
    }
  }
  if (!seen_.insert(endpoint).second) return false;
  tally_->CountTarget();
  std::vector<std::string> names;
  domains_->AppendNames(endpoint, &names);
  return !Blocked(endpoint, names);
}

void ScanFeed::HandleLineWithoutEndpoint(const TargetRecord& record) {
  if (!line_shards_.Owns(record.line_number)) return;
  if (record.parsed.outcome == LineOutcome::kError) {
    if (resume_ != nullptr && resume_->recorded_error_lines.contains(record.line_number)) return;
    scratch_.clear();
    AppendInputErrorRecord(record.line_number, record.raw_line, record.parsed.error, &scratch_);
    tally_->CountInputError();
    sink_->Write(scratch_);
    return;
  }
  const std::string& domain = record.parsed.target.name;
  if (resume_ != nullptr && resume_->recorded_domains.contains(domain)) return;
  if (domains_ != nullptr) {
    domains_->Submit(domain, record.line_number);
    return;
  }
  scratch_.clear();
  AppendUnresolvedDomainRecord(domain, record.line_number, domains_error_, NowUnixMs(),
                               &scratch_);
  tally_->CountDomain();
  sink_->Write(scratch_);
}

std::vector<std::string> ScanFeed::TakeNames(const Endpoint& endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  if (auto it = names_.find(endpoint); it != names_.end()) {
    names = std::move(it->second);
    names_.erase(it);
  }
  if (domains_ != nullptr) domains_->AppendNames(endpoint, &names);
  return names;
}

std::string ScanFeed::ServerNameFor(const Endpoint& endpoint) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = names_.find(endpoint); it != names_.end() && !it->second.empty()) {
    return it->second.front();
  }
  std::vector<std::string> names;
  if (domains_ != nullptr) domains_->AppendNames(endpoint, &names);
  return names.empty() ? std::string() : names.front();
}

void ScanFeed::HostFinished(const Endpoint& endpoint, ScanStatus status,
                            std::optional<EhloClass> cls) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) domains_->HostFinished(endpoint, status, cls);
}

std::vector<Endpoint> ScanFeed::TakeUnstarted() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Endpoint> unstarted;
  while (std::optional<Endpoint> endpoint = window_.Pop()) unstarted.push_back(*endpoint);
  Endpoint endpoint;
  while (domains_ != nullptr && domains_->TakeEndpoint(&endpoint)) unstarted.push_back(endpoint);
  return unstarted;
}

uint64_t ScanFeed::lines_handled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  // A CIDR line still being expanded is not handled yet: a resumed run reads it again.
  if (expanding_.has_value()) return record_.line_number - 1;
  return reader_->lines_read();
}

std::string ScanFeed::input_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reader_->status().ok() ? "" : std::string(reader_->status().message());
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
  return domains_ != nullptr ? domains_->NextDeadline(now_ns) : std::nullopt;
}

void ScanFeed::OnDeadline(int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (domains_ != nullptr) domains_->OnDeadline(now_ns);
}

}  // namespace starttls
