#include "scanner/schedule/per_ip_limiter.h"

#include <algorithm>

namespace starttls {

PerIpLimiter::PerIpLimiter(uint32_t max_per_ip, size_t max_backoff_entries)
    : max_per_ip_(max_per_ip), max_backoff_entries_(std::max<size_t>(1, max_backoff_entries)) {}

bool PerIpLimiter::TryAcquire(const IpAddress& ip) {
  if (max_per_ip_ == 0) return true;
  uint32_t& count = in_flight_[ip];
  if (count >= max_per_ip_) return false;
  ++count;
  return true;
}

void PerIpLimiter::Release(const IpAddress& ip) {
  if (max_per_ip_ == 0) return;
  auto it = in_flight_.find(ip);
  if (it == in_flight_.end()) return;
  if (--it->second == 0) in_flight_.erase(it);
}

uint32_t PerIpLimiter::InFlight(const IpAddress& ip) const {
  auto it = in_flight_.find(ip);
  return it == in_flight_.end() ? 0 : it->second;
}

void PerIpLimiter::PopEarliest() {
  const Deadline& top = deadlines_.top();
  auto it = blocked_until_.find(top.second);
  // A heap entry is stale when a later BackOff moved the address's deadline on.
  if (it != blocked_until_.end() && it->second == top.first) blocked_until_.erase(it);
  deadlines_.pop();
}

void PerIpLimiter::CompactHeap() {
  std::vector<Deadline> live;
  live.reserve(blocked_until_.size());
  for (const auto& [ip, until] : blocked_until_) live.emplace_back(until, ip);
  deadlines_ =
      std::priority_queue<Deadline, std::vector<Deadline>, Later>(Later(), std::move(live));
}

void PerIpLimiter::ExpireBackoffs(int64_t now_ns) {
  while (!deadlines_.empty() && deadlines_.top().first <= now_ns) PopEarliest();
}

void PerIpLimiter::BackOff(const IpAddress& ip, int64_t now_ns, int64_t duration_ns) {
  ExpireBackoffs(now_ns);
  int64_t until = now_ns + std::max<int64_t>(0, duration_ns);
  if (until <= now_ns) return;
  auto it = blocked_until_.find(ip);
  if (it != blocked_until_.end()) {
    if (it->second >= until) return;
    it->second = until;  // the old heap entry becomes stale
  } else {
    // Full: drop the soonest-expiring back-offs (the least harm) to make room.
    while (blocked_until_.size() >= max_backoff_entries_ && !deadlines_.empty()) PopEarliest();
    blocked_until_.emplace(ip, until);
  }
  deadlines_.emplace(until, ip);
  if (deadlines_.size() > 2 * blocked_until_.size() + 16) CompactHeap();
}

int64_t PerIpLimiter::BlockedUntil(const IpAddress& ip) const {
  auto it = blocked_until_.find(ip);
  return it == blocked_until_.end() ? 0 : it->second;
}

bool PerIpLimiter::IsBlocked(const IpAddress& ip, int64_t now_ns) {
  ExpireBackoffs(now_ns);
  return BlockedUntil(ip) > now_ns;
}

}  // namespace starttls
