// How prompt the event loop is (metadata `loop_lag_ms`). A deadline is only as true as the
// loop that judges it: a timer that fires late, or a batch of completions handled long after
// the kernel had them, stretches every timeout by that much. Each ring records two things:
//   - timer lateness: when a session's deadline fired against when it was due;
//   - pass time: how long one turn of the loop worked (completions, deadlines, new sessions),
//     i.e. how long a completion may have waited to be seen.
// A log-linear histogram (8 buckets per power of two of microseconds: a reported
// percentile is within 1/8 of the truth) keeps this O(1) per sample and small; maxima exact.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace starttls {

class LatencyHistogram {
 public:
  void Add(int64_t ns) {
    uint64_t us = ns <= 0 ? 0 : static_cast<uint64_t>(ns) / 1000;
    ++buckets_[BucketOf(us)];
    ++count_;
    max_ns_ = std::max(max_ns_, ns);
  }
  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    max_ns_ = std::max(max_ns_, other.max_ns_);
  }
  uint64_t count() const { return count_; }
  double max_ms() const { return static_cast<double>(max_ns_) / 1e6; }
  // The upper edge of the bucket holding the q-quantile (0 < q <= 1), in ms.
  double QuantileMs(double q) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(count_));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= rank) return std::min(UpperUs(i) / 1000.0, max_ms());
    }
    return max_ms();
  }

 private:
  static constexpr int kSubBits = 3;  // 8 buckets per power of two
  static constexpr size_t kBuckets = 64 << kSubBits;

  static size_t BucketOf(uint64_t us) {
    if (us < (1u << kSubBits)) return static_cast<size_t>(us);
    int exponent = std::bit_width(us) - 1;  // us in [2^e, 2^(e+1))
    uint64_t mantissa = (us >> (exponent - kSubBits)) & ((1u << kSubBits) - 1);
    return static_cast<size_t>(((exponent - kSubBits + 1) << kSubBits) + mantissa);
  }
  static double UpperUs(size_t bucket) {
    if (bucket < (1u << kSubBits)) return static_cast<double>(bucket + 1);
    int exponent = static_cast<int>(bucket >> kSubBits) + kSubBits - 1;
    uint64_t mantissa = bucket & ((1u << kSubBits) - 1);
    double base = static_cast<double>(uint64_t{1} << exponent);
    return base + (static_cast<double>(mantissa) + 1) * base / (1 << kSubBits);
  }

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  int64_t max_ns_ = 0;
};

struct LoopLag {
  LatencyHistogram timer_lateness;
  LatencyHistogram pass_time;

  void Merge(const LoopLag& other) {
    timer_lateness.Merge(other.timer_lateness);
    pass_time.Merge(other.pass_time);
  }
};

}  // namespace starttls
