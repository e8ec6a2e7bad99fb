#include "scanner/scan/scan_feed.h"

#include "absl/time/clock.h"
#include "scanner/scan/host_record.h"
#include "scanner/scan/domain_record.h"

namespace starttls {
namespace {

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

ScanFeed::ScanFeed(TargetReader* reader, const TargetPolicy* policy, ScanFeedOptions options,
                   RecordSink* sink, ScanTally* tally, const ResumeState* resume)
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
      window_(options.seed, options.window) {}

bool ScanFeed::Next(Endpoint* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (!input_done_) {
    Endpoint candidate;
    if (!NextCandidate(&candidate)) {
      input_done_ = true;
      tally_->InputFinished();
      break;
    }
    if (std::optional<Endpoint> evicted = window_.Push(candidate)) {
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

// Reads input until an endpoint this run must scan turns up; false at the end of input.
bool ScanFeed::NextCandidate(Endpoint* out) {
  while (true) {
    if (expanding_.has_value()) {
      if (expand_next_ < expanding_->Size()) {
        std::optional<IpAddress> ip = expanding_->At(expand_next_++);
        Endpoint endpoint{*ip, options_.port};
        if (Admit(endpoint, "")) {
          *out = endpoint;
          return true;
        }
        continue;
      }
      expanding_.reset();
    }
    if (!reader_->Next(&record_)) return false;
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
      return true;
    }
  }
}

// Dedupe, shard, resume and blocklist; true when the endpoint is to be scanned now.
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
  TargetVerdict verdict = policy_->Decide(endpoint.ip);
  std::vector<std::string> names;
  if (!name.empty()) names.push_back(name);
  if (!verdict.allowed()) {
    scratch_.clear();
    AppendUnscannedHostRecord(endpoint, names, ScanStatus::kBlocklisted,
                              "blocklisted: " + std::string(verdict.reason), NowUnixMs(),
                              &scratch_);
    sink_->Write(scratch_);
    tally_->CountHost(ScanStatus::kBlocklisted, std::nullopt, AnomalySet());
    return false;
  }
  if (!names.empty()) names_[endpoint] = std::move(names);
  return true;
}

void ScanFeed::HandleLineWithoutEndpoint(const TargetRecord& record) {
  if (!line_shards_.Owns(record.line_number)) return;
  scratch_.clear();
  if (record.parsed.outcome == LineOutcome::kError) {
    if (resume_ != nullptr && resume_->recorded_error_lines.contains(record.line_number)) return;
    AppendInputErrorRecord(record.line_number, record.raw_line, record.parsed.error, &scratch_);
    tally_->CountInputError();
  } else {
    const std::string& domain = record.parsed.target.name;
    if (resume_ != nullptr && resume_->recorded_domains.contains(domain)) return;
    AppendUnresolvedDomainRecord(domain, record.line_number, NowUnixMs(), &scratch_);
    tally_->CountDomain();
  }
  sink_->Write(scratch_);
}

std::vector<std::string> ScanFeed::TakeNames(const Endpoint& endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = names_.find(endpoint);
  if (it == names_.end()) return {};
  std::vector<std::string> names = std::move(it->second);
  names_.erase(it);
  return names;
}

std::vector<Endpoint> ScanFeed::TakeUnstarted() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Endpoint> unstarted;
  while (std::optional<Endpoint> endpoint = window_.Pop()) unstarted.push_back(*endpoint);
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

}  // namespace starttls
