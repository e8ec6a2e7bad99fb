// DnsChannel: the c-ares channel the resolver's queries go through, driven by the caller's
// event loop. Every query is built here (resolver/dns_query.h: RD, AD, EDNS0 with DO) and
// sent with ares_send — c-ares 1.18's ares_query can set neither AD nor DO, and DNSSEC status
// (docs/rules.md §8) comes from the answer's AD bit. Because ares_send keeps the query ID it
// is given, the channel picks each ID itself: random, and unique among its queries in flight.
//
// Queries go out at most queries_per_second (token bucket) and max_queries_in_flight at
// once; the rest wait in a FIFO. c-ares announces its sockets through on_socket (the owner
// polls them and forwards readiness) and its next timeout through NextTimeout. Nothing blocks.
//
// An answer reaches `on_answer` as (token, status, bytes): status is c-ares' (ARES_SUCCESS
// with the raw answer, whatever its rcode — ARES_FLAG_NOCHECKRESP keeps SERVFAIL and REFUSED
// as the answers they are — or a transport failure such as ARES_ETIMEOUT).
#pragma once

#include <array>
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
#include "base/seeded_random.h"
#include "base/token_bucket.h"
#include "resolver/resolver_options.h"

struct ares_channeldata;

namespace starttls {

struct DnsChannelStats {
  uint64_t queries_sent = 0;      // handed to c-ares
  uint64_t queries_answered = 0;  // callbacks from c-ares, whatever the outcome
  uint64_t query_timeouts = 0;    // queries that gave up (ARES_ETIMEOUT)
  uint64_t try_timeouts = 0;      // tries that timed out, retried ones included
  uint64_t peak_in_flight = 0;
  uint64_t authenticated = 0;  // answers whose AD bit was set (metadata dnssec.ad_seen)
};

class DnsChannel {
 public:
  using AnswerFn =
      std::function<void(void* token, int status, const uint8_t* answer, size_t length)>;
  using SocketFn = std::function<void(int fd, bool want_read, bool want_write)>;

  // Fails when c-ares cannot start (e.g. no server known).
  static absl::StatusOr<std::unique_ptr<DnsChannel>> Create(const ResolverOptions& options,
                                                            AnswerFn on_answer, SocketFn on_socket);
  ~DnsChannel();
  DnsChannel(const DnsChannel&) = delete;
  DnsChannel& operator=(const DnsChannel&) = delete;

  // Queues a query for (name, qtype); `token` comes back with its answer. A name the query
  // builder refuses is answered at once (status ARES_EBADNAME) from inside Pump.
  void Send(std::string_view name, uint16_t qtype, void* token);

  // Sends what the rate cap and the in-flight cap allow now.
  void Pump(int64_t now_ns);
  void OnReadable(int fd);
  void OnWritable(int fd);
  // Handles query timeouts (and sends what the rate cap now allows).
  void OnTimer(int64_t now_ns);
  // The CLOCK_MONOTONIC time by which OnTimer must be called; nullopt when none is needed.
  std::optional<int64_t> NextTimeout(int64_t now_ns) const;

  size_t queued() const { return queue_.size(); }
  size_t in_flight() const { return in_flight_; }
  const DnsChannelStats& stats() const { return stats_; }
  // The sockets c-ares wants watched now: fd -> (want_read, want_write) bits 1 and 2.
  const absl::flat_hash_map<int, uint8_t>& sockets() const { return sockets_; }

 private:
  struct Pending {
    std::string name;
    uint16_t qtype = 0;
    void* token = nullptr;
  };
  // What ares_send is given as its callback argument: the token and the ID to free.
  struct InFlight {
    DnsChannel* channel = nullptr;
    void* token = nullptr;
    uint16_t id = 0;
  };

  DnsChannel(const ResolverOptions& options, AnswerFn on_answer, SocketFn on_socket);
  static void SocketStateThunk(void* data, int fd, int readable, int writable);
  static void AnswerThunk(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  // A random query ID no query in flight has.
  uint16_t TakeId();
  void SendNow(const Pending& pending);

  ResolverOptions options_;
  AnswerFn on_answer_;
  SocketFn on_socket_;
  ares_channeldata* channel_ = nullptr;
  TokenBucket bucket_;
  bool destroying_ = false;
  bool pumping_ = false;
  std::deque<Pending> queue_;
  size_t in_flight_ = 0;
  std::array<uint64_t, 65536 / 64> ids_in_use_{};
  SplitMix64 random_;
  std::vector<uint8_t> query_;  // reused query buffer (ares_send copies it)
  std::vector<std::unique_ptr<InFlight>> spare_;
  absl::flat_hash_map<int, uint8_t> sockets_;
  DnsChannelStats stats_;
  // c-ares' own next timeout, or a bound before it (see OnTimer and SendNow): ares_timeout
  // walks every query in flight, and the loop asks after every readiness.
  mutable bool deadline_known_ = false;
  mutable std::optional<int64_t> deadline_;
};

}  // namespace starttls
