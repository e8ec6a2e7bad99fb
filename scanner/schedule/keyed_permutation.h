// KeyedPermutation: a seeded bijection of [0, n) onto itself for small n (n < 2^32), with
// no table: a balanced Feistel network on the smallest even number of bits whose range
// covers n, and "cycle walking" (apply again while the result is >= n) to stay inside
// [0, n). A Feistel network is a bijection whatever its round function, and cycle walking a
// bijection of [0, 2^k) restricted to [0, n) is a bijection of [0, n) (each walk ends on
// the cycle's next element inside the range). The range is less than 4n, so a walk takes
// under four steps on average.
#pragma once

#include <cstdint>

#include "base/seeded_random.h"

namespace starttls {

class KeyedPermutation {
 public:
  // n == 0 is treated as 1.
  KeyedPermutation(uint64_t key, uint32_t n) : key_(key), n_(n == 0 ? 1 : n) {
    while ((uint64_t{1} << (2 * half_bits_)) < n_) ++half_bits_;
  }

  uint32_t Apply(uint32_t x) const {
    if (n_ == 1) return 0;
    uint64_t value = x;
    do {
      value = Feistel(value);
    } while (value >= n_);
    return static_cast<uint32_t>(value);
  }

 private:
  static constexpr int kRounds = 4;

  uint64_t Feistel(uint64_t value) const {
    const uint64_t mask = (uint64_t{1} << half_bits_) - 1;
    uint64_t left = value >> half_bits_;
    uint64_t right = value & mask;
    for (int round = 0; round < kRounds; ++round) {
      uint64_t mixed = Mix64(key_ ^ Mix64((uint64_t(round) << 32) ^ right)) & mask;
      uint64_t next_right = left ^ mixed;
      left = right;
      right = next_right;
    }
    return (left << half_bits_) | right;
  }

  uint64_t key_;
  uint64_t n_;
  int half_bits_ = 1;
};

}  // namespace starttls
