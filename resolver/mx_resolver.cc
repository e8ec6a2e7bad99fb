#include "resolver/mx_resolver.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "scanner/targets/target_line.h"

namespace starttls {
namespace {

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double EffectiveBurst(const ResolverOptions& options) {
  if (options.burst >= 1) return options.burst;
  return std::max(1.0, options.queries_per_second / 20);
}

// Takes at most `cap` addresses, v4 first; when both families overflow the cap, each gets
// half so that neither is starved by the other.
std::vector<IpAddress> CombineAddresses(const std::vector<IpAddress>& v4,
                                        const std::vector<IpAddress>& v6, size_t cap) {
  size_t n4 = v4.size();
  size_t n6 = v6.size();
  if (n4 + n6 > cap) {
    n4 = std::min(n4, std::max(cap / 2, cap - std::min(cap, n6)));
    n6 = std::min(n6, cap - n4);
  }
  std::vector<IpAddress> out(v4.begin(), v4.begin() + static_cast<ptrdiff_t>(n4));
  out.insert(out.end(), v6.begin(), v6.begin() + static_cast<ptrdiff_t>(n6));
  return out;
}

}  // namespace

// One DNS query, owned by the queue, then by c-ares (as the callback's argument).
struct MxResolver::Query {
  MxResolver* resolver = nullptr;
  bool for_host = false;     // false: the MX query of domain_id
  uint16_t type = 0;         // kDnsTypeMx / kDnsTypeA / kDnsTypeAaaa
  uint64_t domain_id = 0;    // MX queries
  std::string host;          // host queries: the key in hosts_ (the exchange name)
  std::string qname;         // the name asked (differs from host/domain after a CNAME)
  int requeries = 0;         // CNAME re-queries so far
};

struct MxResolver::DomainJob {
  DomainResolution result;
  uint32_t pending_hosts = 0;
  bool implicit = false;  // the exchange is the domain itself (MX query was NODATA)
};

struct MxResolver::HostEntry {
  bool done = false;
  int pending_families = 0;
  std::vector<IpAddress> v4, v6;
  std::string rcode_v4, rcode_v6;  // empty when that family was not asked
  // Finished results, what every waiter receives.
  std::vector<IpAddress> addresses;
  std::string error;          // empty when there are addresses
  std::string failure_rcode;  // the first family's rcode other than NOERROR, if any
  std::vector<HostWaiter> waiters;
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
  std::string normalized;
  std::string why;
  if (!NormalizeDomainName(domain, &normalized, &why)) {
    DomainResolution result;
    result.domain = std::string(domain.substr(0, 253));
    result.tag = tag;
    result.rcode = "BADNAME";
    result.error = "not a domain name: " + why;
    ++stats_.domains_done;
    completed_.push_back(std::move(result));
    AfterEvent(MonotonicNs());
    return;
  }
  const uint64_t id = next_domain_id_++;
  auto job = std::make_unique<DomainJob>();
  job->result.domain = normalized;
  job->result.tag = tag;
  domains_.emplace(id, std::move(job));
  auto query = std::make_unique<Query>();
  query->type = kDnsTypeMx;
  query->domain_id = id;
  query->qname = std::move(normalized);
  Enqueue(std::move(query));
  AfterEvent(MonotonicNs());
}

void MxResolver::OnReadable(int fd) {
  ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
  AfterEvent(MonotonicNs());
}

void MxResolver::OnWritable(int fd) {
  ares_process_fd(channel_, ARES_SOCKET_BAD, fd);
  AfterEvent(MonotonicNs());
}

std::optional<int64_t> MxResolver::NextTimeout(int64_t now_ns) const {
  std::optional<int64_t> deadline;
  timeval tv;
  if (in_flight_ > 0 && ares_timeout(channel_, nullptr, &tv) != nullptr) {
    deadline = now_ns + static_cast<int64_t>(tv.tv_sec) * 1000000000 +
               static_cast<int64_t>(tv.tv_usec) * 1000;
  }
  if (!queue_.empty() && in_flight_ < options_.max_queries_in_flight) {
    const int64_t at = now_ns + bucket_.NanosUntilNext(now_ns);
    deadline = deadline ? std::min(*deadline, at) : at;
  }
  return deadline;
}

void MxResolver::OnTimer(int64_t now_ns) {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  AfterEvent(now_ns);
}

void MxResolver::Enqueue(std::unique_ptr<Query> query) {
  query->resolver = this;
  queue_.push_back(std::move(query));
}

void MxResolver::AfterEvent(int64_t now_ns) {
  Pump(now_ns);
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
  while (!completed_.empty()) {
    DomainResolution result = std::move(completed_.front());
    completed_.pop_front();
    if (callbacks_.on_done) callbacks_.on_done(std::move(result));
  }
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
}

void MxResolver::HandleMxAnswer(Query& query, int status, const unsigned char* abuf, int alen) {
  auto it = domains_.find(query.domain_id);
  if (it == domains_.end()) return;
  DomainJob& job = *it->second;
  DomainResolution& result = job.result;
  result.rcode = std::string(AresStatusRcode(status));
  if (status != ARES_SUCCESS && status != ARES_ENODATA) {
    result.error = std::string("MX lookup: ") + ares_strerror(status);
    FinishDomain(query.domain_id);
    return;
  }
  DnsAnswer answer;
  std::string error;
  if (abuf == nullptr || alen <= 0 ||
      !ParseDnsAnswer(abuf, static_cast<size_t>(alen), query.qname, kDnsTypeMx,
                      options_.max_exchanges_per_domain * 4, &answer, &error)) {
    result.rcode = "BADRESP";
    result.error = "MX answer: " + (error.empty() ? std::string("empty") : error);
    FinishDomain(query.domain_id);
    return;
  }
  if (answer.cname_unresolved && query.requeries < options_.max_cname_requeries) {
    auto next = std::make_unique<Query>();
    next->type = kDnsTypeMx;
    next->domain_id = query.domain_id;
    next->qname = answer.final_name;
    next->requeries = query.requeries + 1;
    Enqueue(std::move(next));
    return;
  }
  if (!answer.mx.empty()) {
    UseMxRecords(query.domain_id, job, std::move(answer.mx));
    return;
  }
  // NOERROR without MX: RFC 5321 §5.1's implicit MX, the domain itself.
  job.implicit = true;
  Exchange self_exchange;
  self_exchange.name = result.domain;
  result.exchanges.push_back(std::move(self_exchange));
  LookupHost(result.domain, HostWaiter{query.domain_id, 0}, job);
  if (job.pending_hosts == 0) FinishDomain(query.domain_id);
}

void MxResolver::UseMxRecords(uint64_t domain_id, DomainJob& job, std::vector<MxRecord> records) {
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
  size_t over_cap = 0;
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

void MxResolver::LookupHost(const std::string& name, HostWaiter waiter, DomainJob& job) {
  auto it = hosts_.find(name);
  if (it != hosts_.end()) {
    ++stats_.host_cache_hits;
    if (it->second->done) {
      FillExchange(*it->second, waiter);
    } else {
      it->second->waiters.push_back(waiter);
      ++job.pending_hosts;
    }
    return;
  }
  ++stats_.host_lookups;
  auto entry = std::make_unique<HostEntry>();
  entry->waiters.push_back(waiter);
  ++job.pending_hosts;
  const bool want_v4 = options_.families != AddressFamilies::kIpv6Only;
  const bool want_v6 = options_.families != AddressFamilies::kIpv4Only;
  for (uint16_t type : {kDnsTypeA, kDnsTypeAaaa}) {
    if ((type == kDnsTypeA && !want_v4) || (type == kDnsTypeAaaa && !want_v6)) continue;
    ++entry->pending_families;
    auto query = std::make_unique<Query>();
    query->for_host = true;
    query->type = type;
    query->host = name;
    query->qname = name;
    Enqueue(std::move(query));
  }
  hosts_.emplace(name, std::move(entry));
}

void MxResolver::HandleHostAnswer(Query& query, int status, const unsigned char* abuf, int alen) {
  auto it = hosts_.find(query.host);
  if (it == hosts_.end() || it->second->done) return;
  HostEntry& entry = *it->second;
  std::string rcode(AresStatusRcode(status));
  std::vector<IpAddress> addresses;
  if (status == ARES_SUCCESS || status == ARES_ENODATA) {
    DnsAnswer answer;
    std::string error;
    if (abuf == nullptr || alen <= 0 ||
        !ParseDnsAnswer(abuf, static_cast<size_t>(alen), query.qname, query.type,
                        options_.max_addresses_per_exchange, &answer, &error)) {
      rcode = "BADRESP";
    } else if (answer.cname_unresolved && query.requeries < options_.max_cname_requeries) {
      auto next = std::make_unique<Query>();
      next->for_host = true;
      next->type = query.type;
      next->host = query.host;
      next->qname = answer.final_name;
      next->requeries = query.requeries + 1;
      Enqueue(std::move(next));
      return;
    } else {
      addresses = std::move(answer.addresses);
    }
  }
  if (query.type == kDnsTypeA) {
    entry.v4 = std::move(addresses);
    entry.rcode_v4 = rcode;
  } else {
    entry.v6 = std::move(addresses);
    entry.rcode_v6 = rcode;
  }
  if (rcode != "NOERROR" && entry.failure_rcode.empty()) entry.failure_rcode = rcode;
  if (--entry.pending_families == 0) CompleteHost(query.host, entry);
}

void MxResolver::CompleteHost(const std::string& name, HostEntry& entry) {
  entry.done = true;
  entry.addresses = CombineAddresses(entry.v4, entry.v6, options_.max_addresses_per_exchange);
  if (entry.addresses.empty()) {
    if (entry.failure_rcode.empty()) {
      entry.error = "no address records";
    } else {
      entry.error = "address lookup failed:";
      if (!entry.rcode_v4.empty()) entry.error += " A " + entry.rcode_v4;
      if (!entry.rcode_v6.empty()) entry.error += " AAAA " + entry.rcode_v6;
    }
  }
  entry.v4 = {};
  entry.v6 = {};
  std::vector<HostWaiter> waiters = std::move(entry.waiters);
  entry.waiters = {};
  finished_hosts_.push_back(name);
  for (const HostWaiter& waiter : waiters) {
    auto it = domains_.find(waiter.domain_id);
    if (it == domains_.end()) continue;
    FillExchange(entry, waiter);
    if (--it->second->pending_hosts == 0) FinishDomain(waiter.domain_id);
  }
  EvictHosts();  // after the waiters: `entry` may be among the evicted
}

void MxResolver::FillExchange(const HostEntry& entry, HostWaiter waiter) {
  auto it = domains_.find(waiter.domain_id);
  if (it == domains_.end()) return;
  DomainJob& job = *it->second;
  if (waiter.exchange_index >= job.result.exchanges.size()) return;
  Exchange& exchange = job.result.exchanges[waiter.exchange_index];
  exchange.addresses = entry.addresses;
  exchange.error = entry.error;
  if (job.implicit && entry.addresses.empty() && !entry.failure_rcode.empty()) {
    job.result.rcode = entry.failure_rcode;
  }
}

void MxResolver::FinishDomain(uint64_t domain_id) {
  auto it = domains_.find(domain_id);
  if (it == domains_.end()) return;
  DomainResolution result = std::move(it->second->result);
  const bool implicit = it->second->implicit;
  domains_.erase(it);
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

void MxResolver::EvictHosts() {
  while (finished_hosts_.size() > options_.max_cached_hosts) {
    hosts_.erase(finished_hosts_.front());
    finished_hosts_.pop_front();
    ++stats_.hosts_evicted;
  }
}

}  // namespace starttls
