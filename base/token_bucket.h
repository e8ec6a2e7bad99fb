// TokenBucket: limits new connections per second with a burst allowance, in integer
// nanoseconds on a caller-supplied monotonic clock (so tests use a fake clock).
//
// Implemented as the Generic Cell Rate Algorithm (ITU-T I.371), which is a token bucket
// without a token counter: it keeps the "theoretical arrival time" tat of the next token.
// Tokens are spaced interval = 1e9 / rate ns apart and up to `burst` may be taken at once:
// a take at `now` succeeds iff max(tat, now) - now <= (burst - 1) * interval, and moves tat
// on by one interval. An idle bucket refills to `burst` and no further. O(1), no drift.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace starttls {

class TokenBucket {
 public:
  // rate_per_s <= 0 means unlimited. burst < 1 is treated as 1. The bucket starts full.
  TokenBucket(double rate_per_s, double burst) {
    if (!(rate_per_s > 0)) return;  // unlimited (also NaN)
    double interval = 1e9 / rate_per_s;
    interval_ns_ =
        std::max<int64_t>(1, static_cast<int64_t>(std::llround(std::min(interval, 1e18))));
    double b = std::max(1.0, std::min(burst, 1e9));
    tolerance_ns_ = static_cast<int64_t>(
        std::llround(std::min((b - 1.0) * static_cast<double>(interval_ns_), 4e18)));
  }

  bool unlimited() const { return interval_ns_ == 0; }

  // Takes one token if one is available at now_ns.
  bool TryTake(int64_t now_ns) {
    if (unlimited()) return true;
    int64_t tat = std::max(tat_, now_ns);
    if (tat - now_ns > tolerance_ns_) return false;
    tat_ = tat + interval_ns_;
    return true;
  }

  // Nanoseconds from now_ns until TryTake can succeed; 0 if it can now.
  int64_t NanosUntilNext(int64_t now_ns) const {
    if (unlimited()) return 0;
    int64_t tat = std::max(tat_, now_ns);
    return std::max<int64_t>(0, tat - now_ns - tolerance_ns_);
  }

  int64_t interval_ns() const { return interval_ns_; }

 private:
  int64_t interval_ns_ = 0;   // 0: unlimited
  int64_t tolerance_ns_ = 0;  // (burst - 1) * interval
  int64_t tat_ = std::numeric_limits<int64_t>::min();
};

}  // namespace starttls
