// Small, fast, reproducible randomness for scheduling (not for cryptography): SplitMix64
// (Steele, Lea & Flood 2014), whose output function is also a good 64-bit mixer for hashing
// (seed, index) pairs. The same seed gives the same sequence on every machine.
#pragma once

#include <cstdint>

namespace starttls {

// A bijective 64-bit mixer (SplitMix64's finaliser).
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }

  // Uniform in [0, bound) by multiply-high range reduction (Lemire); bound > 0. The bias is
  // below bound / 2^64, negligible for the windows and groups used here.
  uint64_t Below(uint64_t bound) {
    __extension__ typedef unsigned __int128 U128;
    return static_cast<uint64_t>((static_cast<U128>(Next()) * bound) >> 64);
  }

 private:
  uint64_t state_;
};

}  // namespace starttls
