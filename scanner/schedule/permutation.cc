#include "scanner/schedule/permutation.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "scanner/schedule/seeded_random.h"

namespace starttls {
namespace permutation_math {

__extension__ typedef unsigned __int128 U128;

uint64_t MulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<U128>(a) * b % m);
}

uint64_t PowMod(uint64_t base, uint64_t exp, uint64_t m) {
  uint64_t result = 1 % m;
  base %= m;
  while (exp > 0) {
    if (exp & 1) result = MulMod(result, base, m);
    base = MulMod(base, base, m);
    exp >>= 1;
  }
  return result;
}

bool IsPrime(uint64_t n) {
  if (n < 2) return false;
  static constexpr uint64_t kSmall[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  for (uint64_t q : kSmall) {
    if (n % q == 0) return n == q;
  }
  // Miller–Rabin with the first 12 primes as bases is deterministic below 3.3 * 10^24.
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : kSmall) {
    uint64_t x = PowMod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = MulMod(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

uint64_t NextPrimeAbove(uint64_t n) {
  uint64_t c = n + 1;
  while (!IsPrime(c)) ++c;
  return c;
}

namespace {

uint64_t AbsDiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

// A non-trivial factor of the odd composite n (Pollard's rho, Brent's cycle finding).
uint64_t FindFactor(uint64_t n, SplitMix64& rng) {
  for (;;) {
    uint64_t c = rng.Below(n - 1) + 1;
    uint64_t y = rng.Below(n);
    auto f = [&](uint64_t v) { return (MulMod(v, v, n) + c) % n; };
    constexpr uint64_t kBatch = 128;
    uint64_t g = 1, q = 1, x = 0, ys = 0;
    for (uint64_t r = 1; g == 1; r <<= 1) {
      x = y;
      for (uint64_t i = 0; i < r; ++i) y = f(y);
      for (uint64_t k = 0; k < r && g == 1; k += kBatch) {
        ys = y;
        for (uint64_t i = 0; i < std::min(kBatch, r - k); ++i) {
          y = f(y);
          q = MulMod(q, AbsDiff(x, y), n);
        }
        g = std::gcd(q, n);
      }
    }
    if (g == n) {  // the batch overshot: redo it one step at a time
      do {
        ys = f(ys);
        g = std::gcd(AbsDiff(x, ys), n);
      } while (g == 1);
    }
    if (g != n) return g;  // else retry with another c
  }
}

void Factor(uint64_t n, SplitMix64& rng, std::vector<uint64_t>* primes) {
  if (n == 1) return;
  if (IsPrime(n)) {
    primes->push_back(n);
    return;
  }
  uint64_t d = FindFactor(n, rng);
  Factor(d, rng, primes);
  Factor(n / d, rng, primes);
}

// Distinct prime factors of n >= 1.
std::vector<uint64_t> DistinctPrimeFactors(uint64_t n) {
  std::vector<uint64_t> primes;
  for (uint64_t q = 2; q < 1000 && q * q <= n; ++q) {
    if (n % q == 0) {
      primes.push_back(q);
      while (n % q == 0) n /= q;
    }
  }
  SplitMix64 rng(0x5eed5eed5eed5eedULL);  // any fixed value: the result does not depend on it
  Factor(n, rng, &primes);
  std::sort(primes.begin(), primes.end());
  primes.erase(std::unique(primes.begin(), primes.end()), primes.end());
  return primes;
}

bool IsPrimitiveRootGivenFactors(uint64_t g, uint64_t p, const std::vector<uint64_t>& factors) {
  if (g % p == 0) return false;
  for (uint64_t q : factors) {
    if (PowMod(g, (p - 1) / q, p) == 1) return false;
  }
  return true;
}

}  // namespace

bool IsPrimitiveRoot(uint64_t g, uint64_t p) {
  if (p == 2) return g % 2 == 1;
  return IsPrimitiveRootGivenFactors(g, p, DistinctPrimeFactors(p - 1));
}

}  // namespace permutation_math

using permutation_math::MulMod;
using permutation_math::PowMod;

absl::StatusOr<CyclicPermutation> CyclicPermutation::Create(uint64_t n, uint64_t seed,
                                                            uint32_t shards, uint32_t shard) {
  if (n > kMaxSize) {
    return absl::InvalidArgumentError("permutation size " + std::to_string(n) +
                                      " exceeds the maximum " + std::to_string(kMaxSize));
  }
  if (shards == 0) return absl::InvalidArgumentError("--shards must be at least 1");
  if (shard >= shards) {
    return absl::InvalidArgumentError("--shard " + std::to_string(shard) +
                                      " is out of range for --shards " + std::to_string(shards) +
                                      " (shards are numbered from 0)");
  }
  CyclicPermutation perm;
  perm.n_ = n;
  perm.shards_ = shards;
  perm.shard_ = shard;
  if (n == 0) return perm;  // walk_length_ 0: nothing to visit

  uint64_t p = permutation_math::NextPrimeAbove(n);
  perm.p_ = p;
  SplitMix64 rng(seed);
  if (p == 2) {
    perm.g_ = 1;
    perm.x0_ = 1;
  } else {
    std::vector<uint64_t> factors = permutation_math::DistinctPrimeFactors(p - 1);
    // phi(p-1)/(p-1) primitive roots exist (at least ~1/(6 ln ln p)): few draws suffice.
    uint64_t g;
    do {
      g = 2 + rng.Below(p - 2);  // [2, p-1]
    } while (!permutation_math::IsPrimitiveRootGivenFactors(g, p, factors));
    perm.g_ = g;
    perm.x0_ = 1 + rng.Below(p - 1);  // [1, p-1]
  }
  perm.step_ = PowMod(perm.g_, shards, p);
  uint64_t group_order = p - 1;
  perm.walk_length_ = shard >= group_order ? 0 : (group_order - shard + shards - 1) / shards;
  perm.SeekToWalkPosition(0);
  return perm;
}

void CyclicPermutation::SeekToWalkPosition(uint64_t position) {
  position_ = std::min(position, walk_length_);
  if (position_ == walk_length_) return;
  // Walk position j = shard + position * shards of the full walk x0 * g^j; exponents of g
  // are taken mod p-1, the group order.
  __extension__ typedef unsigned __int128 U128;
  uint64_t exponent =
      static_cast<uint64_t>((shard_ + static_cast<U128>(position_) * shards_) % (p_ - 1));
  current_ = MulMod(x0_, PowMod(g_, exponent, p_), p_);
}

bool CyclicPermutation::Next(uint64_t* index) {
  while (position_ < walk_length_) {
    uint64_t value = current_ - 1;
    current_ = MulMod(current_, step_, p_);
    ++position_;
    if (value < n_) {
      *index = value;
      return true;
    }
  }
  return false;
}

}  // namespace starttls
