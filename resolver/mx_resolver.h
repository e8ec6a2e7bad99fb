// MxResolver: resolves mail domains to their exchanges' addresses as a sending MTA does
// (RFC 5321 §5.1), asynchronously, on a c-ares channel that the caller's event loop drives.
//
// Per domain: MX query; each exchange (at most max_exchanges_per_domain, by preference) is
// looked up A and/or AAAA; CNAMEs are followed (inside the answer, and by a new query when
// an answer stops at a CNAME target). No MX but NOERROR: the domain itself is looked up as
// an implicit MX (preference 0). "MX 0 ." is a null MX (RFC 7505): nothing to scan.
// Exchange lookups are shared: a host asked by many domains (one mail provider) is queried
// once and remembered for the run (bounded, oldest forgotten first).
//
// Event-loop agnostic: c-ares tells through ARES_OPT_SOCK_STATE_CB which sockets it wants
// watched; the owner forwards readiness with OnReadable/OnWritable and calls OnTimer once
// NextTimeout's deadline passes. Nothing blocks and no thread is started. Queries go out at
// most queries_per_second (token bucket) and max_queries_in_flight at once; the rest queue.
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
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "resolver/dns_answer.h"
#include "resolver/domain_resolution.h"
#include "resolver/resolver_options.h"
#include "scanner/schedule/token_bucket.h"

struct ares_channeldata;

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
  uint64_t query_timeouts = 0;   // queries that gave up (TIMEOUT)
  uint64_t try_timeouts = 0;     // tries that timed out, retried ones included (lost answers)
  uint64_t peak_in_flight = 0;   // most queries handed to c-ares at once
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
  std::optional<int64_t> NextTimeout(int64_t now_ns) const;
  // Handles query timeouts and sends queued queries the rate cap now allows.
  void OnTimer(int64_t now_ns);

  // True while some Resolve() has not been answered through on_done.
  bool busy() const { return active_jobs_ != 0 || completed_next_ < completed_.size(); }
  size_t domains_in_flight() const { return active_jobs_; }
  // The names of the domains being resolved (for a scan that stops before they finish).
  void AppendActiveDomains(std::vector<std::string>* names) const;
  size_t queries_queued() const { return queue_.size(); }
  size_t queries_in_flight() const { return in_flight_; }
  size_t cached_hosts() const { return hosts_.size(); }
  const MxResolverStats& stats() const { return stats_; }
  // The sockets c-ares wants watched now: fd -> (want_read, want_write) bits 1 and 2.
  const absl::flat_hash_map<int, uint8_t>& sockets() const { return sockets_; }

 private:
  struct Query;
  struct HostWaiter {
    uint64_t domain_id = 0;
    uint32_t exchange_index = 0;
  };
  struct DomainJob {
    DomainResolution result;
    uint32_t pending_hosts = 0;
    uint32_t generation = 0;  // bumped each time the slot is taken
    bool implicit = false;    // the exchange is the domain itself (MX query was NODATA)
    bool active = false;
  };
  // An exchange host's lookup. Entries live in fixed chunks (they never move, so queries and
  // the eviction order point at them) and are reused after eviction; the name sits inline
  // when short, the addresses and the waiter too in the common case, so a host costs no
  // allocation of its own and the cache is freed chunk by chunk.
  static constexpr size_t kInlineName = 40;
  struct HostEntry {
    char short_name[kInlineName];
    std::unique_ptr<char[]> long_name;  // names longer than kInlineName
    uint16_t name_length = 0;
    bool done = false;
    uint8_t pending_families = 0;
    std::string_view rcode_v4, rcode_v6;  // static texts; empty when that family was not asked
    std::string_view failure_rcode;       // the first family's rcode other than NOERROR, if any
    // While running: the A answer; once done: what every waiter receives (A first, then AAAA).
    absl::InlinedVector<IpAddress, 2> addresses;
    std::vector<IpAddress> v6;  // the AAAA answer while running
    std::string error;          // once done: empty when there are addresses
    absl::InlinedVector<HostWaiter, 1> waiters;

    std::string_view name() const {
      return std::string_view(long_name ? long_name.get() : short_name, name_length);
    }
  };
  // hosts_ is keyed by views of the entries' own names.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const {
      return absl::Hash<absl::string_view>{}(absl::string_view(name.data(), name.size()));
    }
  };
  struct NameEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  MxResolver(const ResolverOptions& options, MxResolverCallbacks callbacks);

  static void SocketStateThunk(void* data, int fd, int readable, int writable);
  static void AnswerThunk(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

  // Query objects are recycled (with their name buffers): a domain costs several queries.
  std::unique_ptr<Query> NewQuery();
  void RecycleQuery(std::unique_ptr<Query> query);
  void Enqueue(std::unique_ptr<Query> query);
  // Sends what the rate cap and in-flight cap allow, then delivers finished domains.
  // timeouts_processed: OnTimer (c-ares' next timeout must be asked again).
  void AfterEvent(int64_t now_ns, bool timeouts_processed);
  void Pump(int64_t now_ns);
  void DeliverCompleted();

  // The running job of a domain id; nullptr when it finished (or never was).
  DomainJob* FindJob(uint64_t domain_id);
  void HandleMxAnswer(Query& query, int status, const unsigned char* abuf, int alen);
  void HandleHostAnswer(Query& query, int status, const unsigned char* abuf, int alen);
  void UseMxRecords(uint64_t domain_id, DomainJob& job, std::vector<MxRecord>& records,
                    size_t records_in_answer);
  // Fills the waiter's exchange now (cached) or registers it with a running lookup.
  void LookupHost(const std::string& name, HostWaiter waiter, DomainJob& job);
  void CompleteHost(HostEntry& entry);
  HostEntry* NewHostEntry(std::string_view name);
  void FillExchange(const HostEntry& entry, HostWaiter waiter);
  void FinishDomain(uint64_t domain_id);
  void EvictHosts();

  ResolverOptions options_;
  MxResolverCallbacks callbacks_;
  ares_channeldata* channel_ = nullptr;
  TokenBucket bucket_;
  bool destroying_ = false;
  bool pumping_ = false;
  bool delivering_ = false;

  // Domain jobs live in slots (a deque: references stay valid as it grows) reused through a
  // free list; a domain id is (slot generation << 32 | slot index), so an id of a finished
  // job never matches the slot's next occupant.
  std::deque<DomainJob> jobs_;
  std::vector<uint32_t> free_jobs_;
  size_t active_jobs_ = 0;
  absl::flat_hash_map<std::string_view, HostEntry*, NameHash, NameEq> hosts_;
  std::vector<std::unique_ptr<HostEntry[]>> host_chunks_;
  std::vector<HostEntry*> free_hosts_;     // unused entries of host_chunks_
  std::deque<HostEntry*> finished_hosts_;  // eviction order of finished HostEntries
  std::deque<std::unique_ptr<Query>> queue_;
  std::vector<std::unique_ptr<Query>> spare_queries_;
  size_t in_flight_ = 0;
  std::vector<DomainResolution> completed_;  // delivered from completed_next_ on
  size_t completed_next_ = 0;
  absl::flat_hash_map<int, uint8_t> sockets_;
  MxResolverStats stats_;
  // Scratch reused by every answer and name (keeps its capacity; never used re-entrantly).
  DnsAnswer answer_;
  std::string parse_error_;
  std::string normalized_;
  // c-ares' own next timeout (absolute ns), or a bound before it (see AfterEvent):
  // ares_timeout walks every query in flight, and the loop asks after every readiness.
  mutable bool ares_deadline_known_ = false;
  mutable std::optional<int64_t> ares_deadline_;
};

}  // namespace starttls
