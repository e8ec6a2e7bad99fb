// PerIpLimiter: two per-address limits for the scheduler.
//  - Concurrency: at most max_per_ip open sessions per address (--max-per-ip, default 1).
//    Counts live in a flat_hash_map whose entries are erased at zero, so its size is the
//    number of addresses with an open session (bounded by --concurrency).
//  - Back-off: after a 421 (service not available, RFC 5321 §4.2.3) the address is not
//    contacted again until a deadline. Entries expire; a min-heap of deadlines removes them
//    in deadline order, and a hard cap (max_backoff_entries) evicts the soonest-expiring
//    entry when full, so memory stays bounded even if a whole network answers 421.
// Times are caller-supplied monotonic nanoseconds. Not thread-safe (one per event loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/ip_address.h"

namespace starttls {

class PerIpLimiter {
 public:
  static constexpr size_t kDefaultMaxBackoffEntries = 1 << 20;

  // max_per_ip 0 means no concurrency cap (nothing is tracked).
  explicit PerIpLimiter(uint32_t max_per_ip = 1,
                        size_t max_backoff_entries = kDefaultMaxBackoffEntries);

  // Opens a session slot for ip; false if ip already has max_per_ip open.
  bool TryAcquire(const IpAddress& ip);
  // Closes a slot taken by TryAcquire. Releasing an address with none open is a no-op.
  void Release(const IpAddress& ip);
  uint32_t InFlight(const IpAddress& ip) const;
  size_t addresses_in_flight() const { return in_flight_.size(); }

  // Backs ip off until now_ns + duration_ns (a later deadline already set is kept).
  void BackOff(const IpAddress& ip, int64_t now_ns, int64_t duration_ns);
  // The back-off deadline recorded for ip, or 0 if none (it may already be in the past
  // if ExpireBackoffs has not run since).
  int64_t BlockedUntil(const IpAddress& ip) const;
  // True if ip is backed off at now_ns. Also expires old entries.
  bool IsBlocked(const IpAddress& ip, int64_t now_ns);
  // Drops every back-off whose deadline is <= now_ns. Amortised O(log n) per entry.
  void ExpireBackoffs(int64_t now_ns);
  size_t backoff_entries() const { return blocked_until_.size(); }

 private:
  using Deadline = std::pair<int64_t, IpAddress>;
  struct Later {
    bool operator()(const Deadline& a, const Deadline& b) const { return a.first > b.first; }
  };

  // Pops the earliest heap entry, erasing its map entry if it is still current.
  void PopEarliest();
  // Rebuilds the heap from the map when stale entries pile up.
  void CompactHeap();

  uint32_t max_per_ip_;
  size_t max_backoff_entries_;
  absl::flat_hash_map<IpAddress, uint32_t> in_flight_;
  absl::flat_hash_map<IpAddress, int64_t> blocked_until_;
  std::priority_queue<Deadline, std::vector<Deadline>, Later> deadlines_;
};

}  // namespace starttls
