// MxResolver's domain jobs (docs/rules.md §6-8): one job per domain, from its MX query to its
// finished DomainResolution. Why a job and not a callback chain: a domain waits on several
// answers at once (MX, then every exchange's addresses and TLSA, and the policy TXT names),
// any of which may fail or time out; the job counts what is pending and Settle() finishes it
// once, whatever order the answers come in. Exchange lookups through the shared host cache are
// in mx_resolver_hosts.cc, the policy TXT queries in mx_resolver_policy_txt.cc, the c-ares
// channel in dns_channel.cc.
#include "resolver/mx_resolver.h"

#include <ares.h>

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "base/monotonic_clock.h"
#include "scanner/targets/target_line.h"

namespace starttls {
namespace {

// At most this many Query objects are kept for reuse.
constexpr size_t kMaxSpareQueries = 4096;

}  // namespace

absl::StatusOr<std::unique_ptr<MxResolver>> MxResolver::Create(const ResolverOptions& options,
                                                               MxResolverCallbacks callbacks) {
  std::unique_ptr<MxResolver> resolver(new MxResolver(options, std::move(callbacks)));
  MxResolver* self = resolver.get();
  absl::StatusOr<std::unique_ptr<DnsChannel>> channel = DnsChannel::Create(
      options,
      [self](void* token, int status, const uint8_t* answer, size_t length) {
        self->OnAnswer(static_cast<Query*>(token), status, answer, length);
      },
      [self](int fd, bool read, bool write) {
        if (self->callbacks_.on_socket) self->callbacks_.on_socket(fd, read, write);
      });
  if (!channel.ok()) return channel.status();
  resolver->channel_ = std::move(*channel);
  return resolver;
}

MxResolver::MxResolver(const ResolverOptions& options, MxResolverCallbacks callbacks)
    : options_(options), callbacks_(std::move(callbacks)), hosts_(options.max_cached_hosts) {}

// The channel goes first: it hands back every query still queued or in flight (status
// ARES_EDESTRUCTION), which OnAnswer only frees.
MxResolver::~MxResolver() { channel_.reset(); }

MxResolverStats MxResolver::stats() const {
  MxResolverStats stats = stats_;
  const DnsChannelStats& channel = channel_->stats();
  stats.queries_sent = channel.queries_sent;
  stats.queries_answered = channel.queries_answered;
  stats.query_timeouts = channel.query_timeouts;
  stats.try_timeouts = channel.try_timeouts;
  stats.peak_in_flight = channel.peak_in_flight;
  stats.authenticated = channel.authenticated;
  return stats;
}

std::unique_ptr<MxResolver::Query> MxResolver::NewQuery(Query::Kind kind, uint16_t type,
                                                        std::string_view qname) {
  std::unique_ptr<Query> query;
  if (spare_queries_.empty()) {
    query = std::make_unique<Query>();
  } else {
    query = std::move(spare_queries_.back());
    spare_queries_.pop_back();
  }
  query->kind = kind;
  query->type = type;
  query->domain_id = 0;
  query->host = nullptr;
  query->tls_rpt = false;
  query->qname.assign(qname);  // keeps its buffer
  query->requeries = 0;
  return query;
}

void MxResolver::Send(std::unique_ptr<Query> query) {
  const std::string& name = query->qname;
  uint16_t type = query->type;
  channel_->Send(name, type, query.release());
}

void MxResolver::Resolve(std::string_view domain, uint64_t tag) {
  ++stats_.domains_started;
  std::string why;
  if (!NormalizeDomainName(domain, &normalized_, &why)) {
    DomainResolution result;
    result.domain = std::string(domain.substr(0, 253));
    result.tag = tag;
    result.rcode = "BADNAME";
    result.error = "not a domain name: " + why;
    ++stats_.domains_done;
    completed_.push_back(std::move(result));
    AfterEvent(MonotonicNowNs());
    return;
  }
  uint32_t index;
  if (!free_jobs_.empty()) {
    index = free_jobs_.back();
    free_jobs_.pop_back();
  } else {
    index = static_cast<uint32_t>(jobs_.size());
    jobs_.emplace_back();
  }
  DomainJob& job = jobs_[index];
  job.active = true;
  ++job.generation;
  ++active_jobs_;
  const uint64_t id = (uint64_t{job.generation} << 32) | index;
  job.result.domain = normalized_;
  job.result.tag = tag;
  job.result.policy = options_.policy;
  std::unique_ptr<Query> query = NewQuery(Query::Kind::kMx, kDnsTypeMx, normalized_);
  query->domain_id = id;
  Send(std::move(query));
  if (options_.policy) AskPolicyTxt(id, job);
  AfterEvent(MonotonicNowNs());
}

void MxResolver::OnReadable(int fd) {
  channel_->OnReadable(fd);
  AfterEvent(MonotonicNowNs());
}

void MxResolver::OnWritable(int fd) {
  channel_->OnWritable(fd);
  AfterEvent(MonotonicNowNs());
}

void MxResolver::OnTimer(int64_t now_ns) {
  channel_->OnTimer(now_ns);
  AfterEvent(now_ns);
}

void MxResolver::AfterEvent(int64_t now_ns) {
  channel_->Pump(now_ns);
  DeliverCompleted();
}

void MxResolver::DeliverCompleted() {
  if (delivering_) return;  // the outer delivery loop picks up what a nested call finished
  delivering_ = true;
  // By index, the result moved out first: on_done may append (and so reallocate).
  while (completed_next_ < completed_.size()) {
    DomainResolution result = std::move(completed_[completed_next_++]);
    if (callbacks_.on_done) callbacks_.on_done(std::move(result));
  }
  completed_.clear();  // keeps its capacity
  completed_next_ = 0;
  delivering_ = false;
}

void MxResolver::OnAnswer(Query* raw, int status, const uint8_t* answer, size_t length) {
  std::unique_ptr<Query> query(raw);
  if (status != ARES_EDESTRUCTION) {
    switch (query->kind) {
      case Query::Kind::kMx:
        HandleMxAnswer(*query, status, answer, length);
        break;
      case Query::Kind::kHost:
        HandleHostAnswer(*query, status, answer, length);
        break;
      case Query::Kind::kPolicyTxt:
        HandlePolicyTxtAnswer(*query, status, answer, length);
        break;
    }
  }
  if (spare_queries_.size() < kMaxSpareQueries) spare_queries_.push_back(std::move(query));
}

bool MxResolver::ReadAnswer(const Query& query, int status, const uint8_t* answer, size_t length,
                            size_t max_records, std::string_view* rcode, bool* requeried) {
  *requeried = false;
  if (status != ARES_SUCCESS) {
    *rcode = AresStatusRcode(status);
    return false;
  }
  parse_error_.clear();
  if (answer == nullptr || length == 0 ||
      !ParseDnsAnswer(answer, length, query.qname, query.type, max_records, &answer_,
                      &parse_error_)) {
    *rcode = "BADRESP";
    return false;
  }
  *rcode = DnsRcodeName(answer_.rcode);
  if (answer_.rcode != 0) return false;
  if (answer_.cname_unresolved && query.requeries < options_.max_cname_requeries) {
    std::unique_ptr<Query> next = NewQuery(query.kind, query.type, answer_.final_name);
    next->domain_id = query.domain_id;
    next->host = query.host;
    next->tls_rpt = query.tls_rpt;
    next->requeries = query.requeries + 1;
    Send(std::move(next));
    *requeried = true;
    return false;
  }
  return true;
}

MxResolver::DomainJob* MxResolver::FindJob(uint64_t domain_id) {
  const auto index = static_cast<uint32_t>(domain_id);
  if (index >= jobs_.size()) return nullptr;
  DomainJob& job = jobs_[index];
  if (!job.active || job.generation != static_cast<uint32_t>(domain_id >> 32)) return nullptr;
  return &job;
}

void MxResolver::HandleMxAnswer(Query& query, int status, const uint8_t* answer, size_t length) {
  DomainJob* found = FindJob(query.domain_id);
  if (found == nullptr) return;
  DomainJob& job = *found;
  DomainResolution& result = job.result;
  std::string_view rcode;
  bool requeried = false;
  bool ok = ReadAnswer(query, status, answer, length, options_.max_exchanges_per_domain * 4, &rcode,
                       &requeried);
  if (requeried) return;
  result.rcode = std::string(rcode);
  if (status == ARES_SUCCESS && rcode != "BADRESP") {
    result.mx_lookup.rcode = answer_.rcode;
    result.mx_lookup.authenticated_data = answer_.authenticated_data;
  }
  if (!ok) {
    result.error = rcode == "BADRESP" ? "MX answer: " + (parse_error_.empty() ? std::string("empty")
                                                                              : parse_error_)
                                      : "MX lookup: " + std::string(rcode);
    Settle(query.domain_id);
    return;
  }
  if (!answer_.mx.empty()) {
    UseMxRecords(query.domain_id, job, answer_.mx, answer_.mx_seen);
    return;
  }
  // NOERROR without MX: RFC 5321 §5.1's implicit MX, the domain itself.
  job.implicit = true;
  Exchange self_exchange;
  self_exchange.name = result.domain;
  result.exchanges.push_back(std::move(self_exchange));
  LookupHost(result.exchanges.front().name, HostWaiter{query.domain_id, 0}, job, options_.policy);
  Settle(query.domain_id);
}

void MxResolver::UseMxRecords(uint64_t domain_id, DomainJob& job, std::vector<MxRecord>& records,
                              size_t records_in_answer) {
  DomainResolution& result = job.result;
  std::sort(records.begin(), records.end(), [](const MxRecord& a, const MxRecord& b) {
    return a.preference != b.preference ? a.preference < b.preference : a.exchange < b.exchange;
  });
  const bool all_null = std::all_of(records.begin(), records.end(),
                                    [](const MxRecord& r) { return r.exchange.empty(); });
  if (all_null) {
    result.kind = DomainResolution::kNull;
    result.exchanges.push_back(
        Exchange{".", records.front().preference, {}, "", false, false, {}, {}});
    Settle(domain_id);
    return;
  }
  result.kind = DomainResolution::kMx;
  size_t dropped_null = 0;
  // Records the answer parser already left out (it keeps the most preferred), then those
  // past the cap here.
  size_t over_cap = records_in_answer > records.size() ? records_in_answer - records.size() : 0;
  for (MxRecord& record : records) {
    if (record.exchange.empty()) {
      ++dropped_null;
      continue;
    }
    const bool duplicate =
        std::any_of(result.exchanges.begin(), result.exchanges.end(),
                    [&](const Exchange& e) { return e.name == record.exchange; });
    if (duplicate) continue;
    if (result.exchanges.size() >= options_.max_exchanges_per_domain) {
      ++over_cap;
      continue;
    }
    Exchange exchange;
    exchange.preference = record.preference;
    std::string why;
    if (!record.exchange_printable || !NormalizeDomainName(record.exchange, &exchange.name, &why)) {
      exchange.name = record.exchange.substr(0, 255);
      exchange.error = "exchange is not a host name" + (why.empty() ? std::string() : ": " + why);
    }
    result.exchanges.push_back(std::move(exchange));
  }
  if (dropped_null > 0) result.error = "null MX beside other MX records (ignored, RFC 7505 §3)";
  if (over_cap > 0) {
    if (!result.error.empty()) result.error += "; ";
    result.error += std::to_string(over_cap) + " more MX records beyond the cap of " +
                    std::to_string(options_.max_exchanges_per_domain) + " ignored";
  }
  for (uint32_t i = 0; i < result.exchanges.size(); ++i) {
    if (result.exchanges[i].error.empty()) {
      LookupHost(result.exchanges[i].name, HostWaiter{domain_id, i}, job, options_.policy);
    }
  }
  Settle(domain_id);
}

void MxResolver::Settle(uint64_t domain_id) {
  DomainJob* job = FindJob(domain_id);
  if (job == nullptr || job->pending != 0) return;
  // The MX answer itself has come when an MX kind or rcode is known.
  if (job->result.rcode.empty()) return;
  FinishDomain(domain_id);
}

void MxResolver::FinishDomain(uint64_t domain_id) {
  DomainJob* job = FindJob(domain_id);
  if (job == nullptr) return;
  DomainResolution result = std::move(job->result);
  const bool implicit = job->implicit;
  job->result = DomainResolution{};
  job->pending = 0;
  job->implicit = false;
  job->active = false;
  free_jobs_.push_back(static_cast<uint32_t>(domain_id));
  --active_jobs_;
  if (implicit) {
    if (!result.exchanges.empty() && !result.exchanges.front().addresses.empty()) {
      result.kind = DomainResolution::kImplicit;
      result.exchanges.front().preference = 0;
    } else {
      const std::string why =
          result.exchanges.empty() ? std::string() : result.exchanges.front().error;
      result.kind = DomainResolution::kNone;
      result.exchanges.clear();
      result.error = "no MX records and no address (" + why + ")";
    }
  } else if (result.kind == DomainResolution::kMx) {
    const bool any = std::any_of(result.exchanges.begin(), result.exchanges.end(),
                                 [](const Exchange& e) { return !e.addresses.empty(); });
    if (!any && result.error.empty()) result.error = "no exchange has an address";
  }
  ++stats_.domains_done;
  completed_.push_back(std::move(result));
}

void MxResolver::AppendActiveDomains(std::vector<std::string>* names) const {
  for (const DomainJob& job : jobs_) {
    if (job.active) names->push_back(job.result.domain);
  }
}

}  // namespace starttls
