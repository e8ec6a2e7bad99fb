// MxResolver: resolves mail domains to their exchanges' addresses as a sending MTA does
// (RFC 5321 §5.1), asynchronously, on a DnsChannel that the caller's event loop drives.
//
// Per domain: MX query; each exchange (at most max_exchanges_per_domain, by preference) is
// looked up A and/or AAAA; CNAMEs are followed (inside the answer, and by a new query when
// an answer stops at a CNAME target). No MX but NOERROR: the domain itself is looked up as
// an implicit MX (preference 0). "MX 0 ." is a null MX (RFC 7505): nothing to scan.
// Exchange lookups are shared through the HostCache: a host asked by many domains (one mail
// provider) is queried once and remembered for the run.
//
// With domain policy on (options.policy, docs/rules.md §8) a domain also gets its
// `_mta-sts` and `_smtp._tls` TXT records, each exchange its `_25._tcp` TLSA records, every
// answer's AD bit is kept (DNSSEC status as a validating resolver says it), and when the
// MTA-STS TXT record is found the policy host `mta-sts.<domain>` is looked up too, so the
// caller can fetch the policy.
//
// Re-entrancy: callbacks (on_socket, on_done) are only called from inside this object's
// public methods; on_done is delivered at the end of the method, when the resolver's state
// is consistent, so on_done may call Resolve(). on_socket may come from anywhere inside
// (including the destructor, which closes every socket).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "resolver/dns_answer.h"
#include "resolver/dns_channel.h"
#include "resolver/domain_resolution.h"
#include "resolver/host_cache.h"
#include "resolver/resolver_options.h"

namespace starttls {

struct MxResolverCallbacks {
  // A domain's lookups are all done. Called once per Resolve().
  std::function<void(DomainResolution&&)> on_done;
  // Socket `fd` should now be watched for these events; (false, false): it is closed or no
  // longer of interest. Optional (the resolver keeps its own table too, see sockets()).
  std::function<void(int fd, bool want_read, bool want_write)> on_socket;
};

struct MxResolverStats {
  uint64_t domains_started = 0;
  uint64_t domains_done = 0;
  uint64_t queries_sent = 0;      // handed to c-ares (requeries after a CNAME included)
  uint64_t queries_answered = 0;  // callbacks from c-ares, whatever the outcome
  uint64_t query_timeouts = 0;    // queries that gave up (TIMEOUT)
  uint64_t try_timeouts = 0;      // tries that timed out, retried ones included (lost answers)
  uint64_t peak_in_flight = 0;    // most queries handed to c-ares at once
  uint64_t authenticated = 0;     // answers with the AD bit set
  uint64_t host_lookups = 0;      // exchange names looked up (A and/or AAAA)
  uint64_t host_cache_hits = 0;   // exchanges served from a finished or running lookup
  uint64_t hosts_evicted = 0;
};

class MxResolver {
 public:
  // Fails when c-ares cannot start (e.g. no server known).
  static absl::StatusOr<std::unique_ptr<MxResolver>> Create(const ResolverOptions& options,
                                                            MxResolverCallbacks callbacks);
  ~MxResolver();
  MxResolver(const MxResolver&) = delete;
  MxResolver& operator=(const MxResolver&) = delete;

  // Starts resolving `domain`; on_done receives the result with `tag`. A name that is not a
  // valid host name gets rcode "BADNAME" without any query.
  void Resolve(std::string_view domain, uint64_t tag);

  // Readiness of a socket announced through on_socket.
  void OnReadable(int fd);
  void OnWritable(int fd);
  // The CLOCK_MONOTONIC time (ns) by which OnTimer must be called; nullopt when no timer is
  // needed (nothing queued by the rate cap and no query waiting for its timeout).
  std::optional<int64_t> NextTimeout(int64_t now_ns) const { return channel_->NextTimeout(now_ns); }
  // Handles query timeouts and sends queued queries the rate cap now allows.
  void OnTimer(int64_t now_ns);

  // True while some Resolve() has not been answered through on_done.
  bool busy() const { return active_jobs_ != 0 || completed_next_ < completed_.size(); }
  size_t domains_in_flight() const { return active_jobs_; }
  // The names of the domains being resolved (for a scan that stops before they finish).
  void AppendActiveDomains(std::vector<std::string>* names) const;
  size_t queries_queued() const { return channel_->queued(); }
  size_t queries_in_flight() const { return channel_->in_flight(); }
  size_t cached_hosts() const { return hosts_.size(); }
  MxResolverStats stats() const;
  const absl::flat_hash_map<int, uint8_t>& sockets() const { return channel_->sockets(); }

 private:
  // One DNS question of a domain job or a host lookup; recycled with its name buffer.
  struct Query {
    enum class Kind : uint8_t { kMx, kHost, kPolicyTxt };
    Kind kind = Kind::kMx;
    uint16_t type = 0;
    uint64_t domain_id = 0;  // kMx, kPolicyTxt
    // kHost: the entry looked up. Safe to hold: an entry is evicted only once done, and it
    // is done only after every query of it was answered.
    HostEntry* host = nullptr;
    bool tls_rpt = false;  // kPolicyTxt: `_smtp._tls` (else `_mta-sts`)
    std::string qname;     // the name asked (differs from the owner's after a CNAME)
    int requeries = 0;     // CNAME re-queries so far
  };
  struct DomainJob {
    DomainResolution result;
    uint32_t pending = 0;     // host lookups and policy TXT queries not answered yet
    uint32_t generation = 0;  // bumped each time the slot is taken
    bool implicit = false;    // the exchange is the domain itself (MX query was NODATA)
    bool active = false;
  };

  MxResolver(const ResolverOptions& options, MxResolverCallbacks callbacks);

  std::unique_ptr<Query> NewQuery(Query::Kind kind, uint16_t type, std::string_view qname);
  void Send(std::unique_ptr<Query> query);
  void OnAnswer(Query* raw, int status, const uint8_t* answer, size_t length);
  // Sends what the caps allow, then delivers finished domains.
  void AfterEvent(int64_t now_ns);
  void DeliverCompleted();
  // Parses `answer` for `query` into answer_; false (with *rcode set) when there is no usable
  // answer; a CNAME to follow is re-queried here (returns false, *requeried true).
  bool ReadAnswer(const Query& query, int status, const uint8_t* answer, size_t length,
                  size_t max_records, std::string_view* rcode, bool* requeried);

  DomainJob* FindJob(uint64_t domain_id);
  void HandleMxAnswer(Query& query, int status, const uint8_t* answer, size_t length);
  void HandleHostAnswer(Query& query, int status, const uint8_t* answer, size_t length);
  void HandlePolicyTxtAnswer(Query& query, int status, const uint8_t* answer, size_t length);
  void UseMxRecords(uint64_t domain_id, DomainJob& job, std::vector<MxRecord>& records,
                    size_t records_in_answer);
  void AskPolicyTxt(uint64_t domain_id, DomainJob& job);
  // Fills the waiter's exchange now (cached) or registers it with a running lookup.
  void LookupHost(std::string_view name, HostWaiter waiter, DomainJob& job, bool want_tlsa);
  void CompleteHost(HostEntry& entry);
  void FillWaiter(const HostEntry& entry, HostWaiter waiter);
  // One of the job's lookups finished: the domain may now be done.
  void Settle(uint64_t domain_id);
  void FinishDomain(uint64_t domain_id);

  ResolverOptions options_;
  MxResolverCallbacks callbacks_;
  std::unique_ptr<DnsChannel> channel_;
  bool delivering_ = false;

  // Domain jobs live in slots (a deque: references stay valid as it grows) reused through a
  // free list; a domain id is (slot generation << 32 | slot index), so an id of a finished
  // job never matches the slot's next occupant.
  std::deque<DomainJob> jobs_;
  std::vector<uint32_t> free_jobs_;
  size_t active_jobs_ = 0;
  HostCache hosts_;
  std::vector<std::unique_ptr<Query>> spare_queries_;
  std::vector<DomainResolution> completed_;  // delivered from completed_next_ on
  size_t completed_next_ = 0;
  MxResolverStats stats_;
  // Scratch reused by every answer and name (keeps its capacity; never used re-entrantly).
  DnsAnswer answer_;
  std::string parse_error_;
  std::string normalized_;
};

}  // namespace starttls
