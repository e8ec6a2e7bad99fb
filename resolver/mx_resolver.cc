#include "resolver/mx_resolver.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "scanner/engine/monotonic_clock.h"
#include "scanner/targets/target_line.h"

namespace starttls {
namespace {

double EffectiveBurst(const ResolverOptions& options) {
  if (options.burst >= 1) return options.burst;
  return std::max(1.0, options.queries_per_second / 20);
}

// At most this many Query objects are kept for reuse.
constexpr size_t kMaxSpareQueries = 4096;
// Host entries are allocated this many at a time.
constexpr size_t kHostChunk = 1024;

}  // namespace

// One DNS query, owned by the queue, then by c-ares (as the callback's argument), then kept
// for reuse.
struct MxResolver::Query {
  MxResolver* resolver = nullptr;
  bool for_host = false;     // false: the MX query of domain_id
  uint16_t type = 0;         // kDnsTypeMx / kDnsTypeA / kDnsTypeAaaa
  uint64_t domain_id = 0;    // MX queries
  // Host queries: the entry looked up. Safe to hold: an entry is evicted only once done, and
  // it is done only after every query of it was answered.
  HostEntry* host = nullptr;
  std::string qname;         // the name asked (differs from host/domain after a CNAME)
  int requeries = 0;         // CNAME re-queries so far
};

absl::StatusOr<std::unique_ptr<MxResolver>> MxResolver::Create(const ResolverOptions& options,
                                                              MxResolverCallbacks callbacks) {
  static const int library_status = ares_library_init(ARES_LIB_INIT_ALL);
  if (library_status != ARES_SUCCESS) {
    return absl::InternalError(std::string("c-ares: ") + ares_strerror(library_status));
  }
  if (options.timeout_ms <= 0 || options.tries <= 0) {
    return absl::InvalidArgumentError("resolver timeout and tries must be positive");
  }
  std::unique_ptr<MxResolver> resolver(new MxResolver(options, std::move(callbacks)));

  ares_options opts;
  std::memset(&opts, 0, sizeof(opts));
  // NOCHECKRESP: a SERVFAIL or REFUSED answer is the result we record, instead of c-ares
  // hiding it behind retries and a generic ECONNREFUSED.
  opts.flags = ARES_FLAG_NOCHECKRESP;
  opts.timeout = options.timeout_ms;
  opts.tries = options.tries;
  opts.sock_state_cb = &MxResolver::SocketStateThunk;
  opts.sock_state_cb_data = resolver.get();
  opts.socket_receive_buffer_size = options.udp_receive_buffer_bytes;
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  if (options.udp_receive_buffer_bytes > 0) mask |= ARES_OPT_SOCK_RCVBUF;
  if (options.edns_payload_bytes > 0) {
    opts.flags |= ARES_FLAG_EDNS;
    opts.ednspsz = options.edns_payload_bytes;
    mask |= ARES_OPT_EDNSPSZ;
  }
  int status = ares_init_options(&resolver->channel_, &opts, mask);
  if (status != ARES_SUCCESS) {
    resolver->channel_ = nullptr;
    return absl::InternalError(std::string("c-ares init: ") + ares_strerror(status));
  }
  if (!options.servers.empty()) {
    std::vector<ares_addr_port_node> nodes(options.servers.size());
    for (size_t i = 0; i < options.servers.size(); ++i) {
      const Endpoint& server = options.servers[i];
      ares_addr_port_node& node = nodes[i];
      std::memset(&node, 0, sizeof(node));
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      node.udp_port = server.port;
      node.tcp_port = server.port;
      if (server.ip.is_v4()) {
        node.family = AF_INET;
        std::memcpy(&node.addr.addr4, server.ip.bytes().data(), 4);
      } else {
        node.family = AF_INET6;
        std::memcpy(&node.addr.addr6, server.ip.bytes().data(), 16);
      }
    }
    status = ares_set_servers_ports(resolver->channel_, nodes.data());
    if (status != ARES_SUCCESS) {
      return absl::InternalError(std::string("c-ares servers: ") + ares_strerror(status));
    }
  }
  return resolver;
}

MxResolver::MxResolver(const ResolverOptions& options, MxResolverCallbacks callbacks)
    : options_(options),
      callbacks_(std::move(callbacks)),
      bucket_(options.queries_per_second, EffectiveBurst(options)) {
  options_.max_queries_in_flight = std::max<size_t>(1, options_.max_queries_in_flight);
}

MxResolver::~MxResolver() {
  destroying_ = true;
  // Outstanding queries are answered ARES_EDESTRUCTION; AnswerThunk only frees them.
  if (channel_ != nullptr) ares_destroy(channel_);
}

void MxResolver::SocketStateThunk(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<MxResolver*>(data);
  const uint8_t bits = static_cast<uint8_t>((readable ? 1 : 0) | (writable ? 2 : 0));
  if (bits == 0) {
    self->sockets_.erase(fd);
  } else {
    self->sockets_[fd] = bits;
  }
  if (self->callbacks_.on_socket) self->callbacks_.on_socket(fd, readable != 0, writable != 0);
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
    AfterEvent(MonotonicNowNs(), /*timeouts_processed=*/false);
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
  std::unique_ptr<Query> query = NewQuery();
  query->type = kDnsTypeMx;
  query->domain_id = id;
  query->qname = normalized_;
  Enqueue(std::move(query));
  AfterEvent(MonotonicNowNs(), /*timeouts_processed=*/false);
}

// ares_process_fd also handles the timeouts already due; those are due only once OnTimer's
// deadline passed, which the loop acts on by calling OnTimer.
void MxResolver::OnReadable(int fd) {
  ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
  AfterEvent(MonotonicNowNs(), /*timeouts_processed=*/false);
}

void MxResolver::OnWritable(int fd) {
  ares_process_fd(channel_, ARES_SOCKET_BAD, fd);
  AfterEvent(MonotonicNowNs(), /*timeouts_processed=*/false);
}

std::optional<int64_t> MxResolver::NextTimeout(int64_t now_ns) const {
  std::optional<int64_t> deadline;
  if (in_flight_ > 0) {
    if (!ares_deadline_known_) {
      // c-ares keeps absolute deadlines: the absolute time stays right (see AfterEvent).
      timeval tv;
      ares_deadline_.reset();
      if (ares_timeout(channel_, nullptr, &tv) != nullptr) {
        ares_deadline_ = now_ns + static_cast<int64_t>(tv.tv_sec) * 1000000000 +
                         static_cast<int64_t>(tv.tv_usec) * 1000;
      }
      ares_deadline_known_ = true;
    }
    deadline = ares_deadline_;
  }
  if (!queue_.empty() && in_flight_ < options_.max_queries_in_flight) {
    const int64_t at = now_ns + bucket_.NanosUntilNext(now_ns);
    deadline = deadline ? std::min(*deadline, at) : at;
  }
  return deadline;
}

void MxResolver::OnTimer(int64_t now_ns) {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  AfterEvent(now_ns, /*timeouts_processed=*/true);
}

std::unique_ptr<MxResolver::Query> MxResolver::NewQuery() {
  std::unique_ptr<Query> query;
  if (spare_queries_.empty()) {
    query = std::make_unique<Query>();
  } else {
    query = std::move(spare_queries_.back());
    spare_queries_.pop_back();
  }
  query->resolver = this;
  return query;
}

void MxResolver::RecycleQuery(std::unique_ptr<Query> query) {
  if (spare_queries_.size() >= kMaxSpareQueries) return;
  query->for_host = false;
  query->type = 0;
  query->domain_id = 0;
  query->host = nullptr;
  query->qname.clear();  // keeps its buffer
  query->requeries = 0;
  spare_queries_.push_back(std::move(query));
}

void MxResolver::Enqueue(std::unique_ptr<Query> query) {
  query->resolver = this;
  queue_.push_back(std::move(query));
}

void MxResolver::AfterEvent(int64_t now_ns, bool timeouts_processed) {
  // The remembered deadline (see NextTimeout) stays a bound c-ares' real next timeout never
  // comes before, except after timeouts were processed (the earliest query was retried or
  // given up): answers only remove queries, a query c-ares sends again (another server, TCP)
  // gets a later deadline than it had, and a new query times out no earlier than now +
  // timeout_ms. A bound may wake the loop early once (OnTimer then asks c-ares again), never
  // late; it spares ares_timeout's walk over every query after each readiness.
  if (timeouts_processed) ares_deadline_known_ = false;
  const uint64_t sent_before = stats_.queries_sent;
  Pump(now_ns);
  if (ares_deadline_known_ && stats_.queries_sent != sent_before) {
    const int64_t first_try = now_ns + int64_t{options_.timeout_ms} * 1000000;
    ares_deadline_ = std::min(ares_deadline_.value_or(first_try), first_try);
  }
  DeliverCompleted();
}

void MxResolver::Pump(int64_t now_ns) {
  if (pumping_) return;  // a synchronous c-ares callback inside ares_query: the loop goes on
  pumping_ = true;
  while (!queue_.empty() && in_flight_ < options_.max_queries_in_flight &&
         bucket_.TryTake(now_ns)) {
    Query* query = queue_.front().release();
    queue_.pop_front();
    ++in_flight_;
    ++stats_.queries_sent;
    stats_.peak_in_flight = std::max<uint64_t>(stats_.peak_in_flight, in_flight_);
    ares_query(channel_, query->qname.c_str(), ns_c_in, query->type, &MxResolver::AnswerThunk,
               query);
  }
  pumping_ = false;
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

void MxResolver::AnswerThunk(void* arg, int status, int timeouts, unsigned char* abuf,
                             int alen) {
  std::unique_ptr<Query> query(static_cast<Query*>(arg));
  MxResolver* self = query->resolver;
  if (self->destroying_) return;
  --self->in_flight_;
  ++self->stats_.queries_answered;
  if (status == ARES_ETIMEOUT) ++self->stats_.query_timeouts;
  self->stats_.try_timeouts += static_cast<uint64_t>(std::max(0, timeouts));
  if (query->for_host) {
    self->HandleHostAnswer(*query, status, abuf, alen);
  } else {
    self->HandleMxAnswer(*query, status, abuf, alen);
  }
  self->RecycleQuery(std::move(query));
}

MxResolver::DomainJob* MxResolver::FindJob(uint64_t domain_id) {
  const auto index = static_cast<uint32_t>(domain_id);
  if (index >= jobs_.size()) return nullptr;
  DomainJob& job = jobs_[index];
  if (!job.active || job.generation != static_cast<uint32_t>(domain_id >> 32)) return nullptr;
  return &job;
}

void MxResolver::HandleMxAnswer(Query& query, int status, const unsigned char* abuf, int alen) {
  DomainJob* found = FindJob(query.domain_id);
  if (found == nullptr) return;
  DomainJob& job = *found;
  DomainResolution& result = job.result;
  result.rcode = std::string(AresStatusRcode(status));
  if (status != ARES_SUCCESS && status != ARES_ENODATA) {
    result.error = std::string("MX lookup: ") + ares_strerror(status);
    FinishDomain(query.domain_id);
    return;
  }
  DnsAnswer& answer = answer_;
  parse_error_.clear();
  if (abuf == nullptr || alen <= 0 ||
      !ParseDnsAnswer(abuf, static_cast<size_t>(alen), query.qname, kDnsTypeMx,
                      options_.max_exchanges_per_domain * 4, &answer, &parse_error_)) {
    result.rcode = "BADRESP";
    result.error = "MX answer: " + (parse_error_.empty() ? std::string("empty") : parse_error_);
    FinishDomain(query.domain_id);
    return;
  }
  if (answer.cname_unresolved && query.requeries < options_.max_cname_requeries) {
    std::unique_ptr<Query> next = NewQuery();
    next->type = kDnsTypeMx;
    next->domain_id = query.domain_id;
    next->qname = answer.final_name;
    next->requeries = query.requeries + 1;
    Enqueue(std::move(next));
    return;
  }
  if (!answer.mx.empty()) {
    UseMxRecords(query.domain_id, job, answer.mx, answer.mx_seen);
    return;
  }
  // NOERROR without MX: RFC 5321 §5.1's implicit MX, the domain itself.
  job.implicit = true;
  Exchange self_exchange;
  self_exchange.name = result.domain;
  result.exchanges.push_back(std::move(self_exchange));
  LookupHost(result.exchanges.front().name, HostWaiter{query.domain_id, 0}, job);
  if (job.pending_hosts == 0) FinishDomain(query.domain_id);
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
    result.exchanges.push_back(Exchange{".", records.front().preference, {}, ""});
    FinishDomain(domain_id);
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
    const bool duplicate = std::any_of(result.exchanges.begin(), result.exchanges.end(),
                                       [&](const Exchange& e) { return e.name == record.exchange; });
    if (duplicate) continue;
    if (result.exchanges.size() >= options_.max_exchanges_per_domain) {
      ++over_cap;
      continue;
    }
    Exchange exchange;
    exchange.preference = record.preference;
    std::string why;
    if (!record.exchange_printable ||
        !NormalizeDomainName(record.exchange, &exchange.name, &why)) {
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
      LookupHost(result.exchanges[i].name, HostWaiter{domain_id, i}, job);
    }
  }
  if (job.pending_hosts == 0) FinishDomain(domain_id);
}

MxResolver::HostEntry* MxResolver::NewHostEntry(std::string_view name) {
  if (free_hosts_.empty()) {
    auto chunk = std::make_unique<HostEntry[]>(kHostChunk);
    for (size_t i = kHostChunk; i-- > 0;) free_hosts_.push_back(&chunk[i]);
    host_chunks_.push_back(std::move(chunk));
  }
  HostEntry* entry = free_hosts_.back();
  free_hosts_.pop_back();
  char* text = entry->short_name;
  if (name.size() > kInlineName) {
    entry->long_name = std::make_unique<char[]>(name.size());
    text = entry->long_name.get();
  }
  std::memcpy(text, name.data(), name.size());
  entry->name_length = static_cast<uint16_t>(name.size());
  return entry;
}

void MxResolver::LookupHost(const std::string& name, HostWaiter waiter, DomainJob& job) {
  if (auto it = hosts_.find(std::string_view(name)); it != hosts_.end()) {
    HostEntry& entry = *it->second;
    ++stats_.host_cache_hits;
    if (entry.done) {
      FillExchange(entry, waiter);
    } else {
      entry.waiters.push_back(waiter);
      ++job.pending_hosts;
    }
    return;
  }
  ++stats_.host_lookups;
  HostEntry& entry = *NewHostEntry(name);
  hosts_.emplace(entry.name(), &entry);
  entry.waiters.push_back(waiter);
  ++job.pending_hosts;
  const bool want_v4 = options_.families != AddressFamilies::kIpv6Only;
  const bool want_v6 = options_.families != AddressFamilies::kIpv4Only;
  for (uint16_t type : {kDnsTypeA, kDnsTypeAaaa}) {
    if ((type == kDnsTypeA && !want_v4) || (type == kDnsTypeAaaa && !want_v6)) continue;
    ++entry.pending_families;
    std::unique_ptr<Query> query = NewQuery();
    query->for_host = true;
    query->type = type;
    query->host = &entry;
    query->qname = name;
    Enqueue(std::move(query));
  }
}

void MxResolver::HandleHostAnswer(Query& query, int status, const unsigned char* abuf, int alen) {
  HostEntry& entry = *query.host;
  if (entry.done) return;
  std::string_view rcode = AresStatusRcode(status);
  const bool is_a = query.type == kDnsTypeA;
  if (status == ARES_SUCCESS || status == ARES_ENODATA) {
    DnsAnswer& answer = answer_;
    parse_error_.clear();
    if (abuf == nullptr || alen <= 0 ||
        !ParseDnsAnswer(abuf, static_cast<size_t>(alen), query.qname, query.type,
                        options_.max_addresses_per_exchange, &answer, &parse_error_)) {
      rcode = "BADRESP";
    } else if (answer.cname_unresolved && query.requeries < options_.max_cname_requeries) {
      std::unique_ptr<Query> next = NewQuery();
      next->for_host = true;
      next->type = query.type;
      next->host = query.host;
      next->qname = answer.final_name;
      next->requeries = query.requeries + 1;
      Enqueue(std::move(next));
      return;
    } else if (is_a) {
      entry.addresses.assign(answer.addresses.begin(), answer.addresses.end());
    } else {
      entry.v6.assign(answer.addresses.begin(), answer.addresses.end());
    }
  }
  if (is_a) {
    entry.rcode_v4 = rcode;
  } else {
    entry.rcode_v6 = rcode;
  }
  if (rcode != "NOERROR" && entry.failure_rcode.empty()) entry.failure_rcode = rcode;
  if (--entry.pending_families == 0) CompleteHost(entry);
}

void MxResolver::CompleteHost(HostEntry& entry) {
  entry.done = true;
  // At most max_addresses_per_exchange, A first; when both families overflow the cap, each
  // gets half so that neither is starved by the other.
  const size_t cap = options_.max_addresses_per_exchange;
  size_t n4 = entry.addresses.size();
  size_t n6 = entry.v6.size();
  if (n4 + n6 > cap) {
    n4 = std::min(n4, std::max(cap / 2, cap - std::min(cap, n6)));
    n6 = std::min(n6, cap - n4);
  }
  entry.addresses.resize(n4);
  entry.addresses.insert(entry.addresses.end(), entry.v6.begin(),
                         entry.v6.begin() + static_cast<ptrdiff_t>(n6));
  entry.v6 = {};
  if (entry.addresses.empty()) {
    if (entry.failure_rcode.empty()) {
      entry.error = "no address records";
    } else {
      entry.error = "address lookup failed:";
      if (!entry.rcode_v4.empty()) entry.error += " A " + std::string(entry.rcode_v4);
      if (!entry.rcode_v6.empty()) entry.error += " AAAA " + std::string(entry.rcode_v6);
    }
  }
  finished_hosts_.push_back(&entry);
  // Nothing below adds waiters: the entry is done.
  for (const HostWaiter& waiter : entry.waiters) {
    DomainJob* job = FindJob(waiter.domain_id);
    if (job == nullptr) continue;
    FillExchange(entry, waiter);
    if (--job->pending_hosts == 0) FinishDomain(waiter.domain_id);
  }
  entry.waiters = {};
  EvictHosts();  // after the waiters: `entry` may be among the evicted
}

void MxResolver::FillExchange(const HostEntry& entry, HostWaiter waiter) {
  DomainJob* job = FindJob(waiter.domain_id);
  if (job == nullptr) return;
  if (waiter.exchange_index >= job->result.exchanges.size()) return;
  Exchange& exchange = job->result.exchanges[waiter.exchange_index];
  exchange.addresses.assign(entry.addresses.begin(), entry.addresses.end());
  exchange.error = entry.error;
  if (job->implicit && entry.addresses.empty() && !entry.failure_rcode.empty()) {
    job->result.rcode = std::string(entry.failure_rcode);
  }
}

void MxResolver::FinishDomain(uint64_t domain_id) {
  DomainJob* job = FindJob(domain_id);
  if (job == nullptr) return;
  DomainResolution result = std::move(job->result);
  const bool implicit = job->implicit;
  job->result = DomainResolution{};
  job->pending_hosts = 0;
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

void MxResolver::EvictHosts() {
  while (finished_hosts_.size() > options_.max_cached_hosts) {
    HostEntry* victim = finished_hosts_.front();
    finished_hosts_.pop_front();
    hosts_.erase(victim->name());  // the key views the victim's name: erase before reuse
    *victim = HostEntry{};
    free_hosts_.push_back(victim);
    ++stats_.hosts_evicted;
  }
}

}  // namespace starttls
