// CyclicPermutation: visits the indices 0..n-1 in a seeded pseudo-random order in O(1)
// memory and O(1) amortised time per index, optionally split into disjoint shards — the
// ZMap method (Durumeric et al., "ZMap: Fast Internet-wide Scanning", USENIX Security 2013;
// sharding as in ZMap 2's --shards/--shard).
//
// Why it is a permutation: for a prime p the multiplicative group Z_p^* = {1, ..., p-1} is
// cyclic of order p-1. If g generates it (a primitive root), g^0, g^1, ..., g^(p-2) are
// p-1 distinct elements, i.e. all of Z_p^*; multiplying by a fixed x0 in Z_p^* is a
// bijection, so the walk x_j = x0 * g^j (j = 0..p-2, x_{j+1} = x_j * g mod p) meets every
// element of {1, ..., p-1} exactly once. We pick the smallest prime p > n and map x -> x-1,
// skipping values x-1 >= n: what remains is every index in [0, n) exactly once. Since
// prime gaps are small (~ln n), the skips cost O(1) amortised.
//
// Why shards are disjoint and cover everything: walk position j belongs to shard j mod S.
// The positions 0..p-2 are split into S residue classes: disjoint, and together all of
// them. Shard K starts at x0 * g^K and steps by g^S, so each shard is still O(1) per step.
// All shards must use the same n and seed (hence the same p, g, x0).
//
// The seed picks both g (a random primitive root, of which there are phi(p-1)) and x0, so
// different seeds give different orders. The seed -> order map is fixed: a scan can be
// repeated or resumed (walk_position / SeekToWalkPosition) exactly.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace starttls {

class CyclicPermutation {
 public:
  // Largest supported n; keeps p (< 2n by Bertrand's postulate) below 2^63.
  static constexpr uint64_t kMaxSize = uint64_t{1} << 62;

  // Fails if n > kMaxSize, shards == 0 or shard >= shards.
  static absl::StatusOr<CyclicPermutation> Create(uint64_t n, uint64_t seed, uint32_t shards = 1,
                                                  uint32_t shard = 0);

  // The next index of this shard in [0, n); false once the shard's walk is over.
  bool Next(uint64_t* index);

  // Steps of this shard's walk consumed so far (skipped values included): with the same
  // n, seed and shard, SeekToWalkPosition(walk_position()) resumes exactly where it was.
  uint64_t walk_position() const { return position_; }
  // Jumps to a walk position in O(log p); positions past the end mean "finished".
  void SeekToWalkPosition(uint64_t position);
  // Number of steps in this shard's walk (about (p-1)/shards).
  uint64_t walk_length() const { return walk_length_; }

  uint64_t size() const { return n_; }
  uint64_t prime() const { return p_; }
  uint64_t generator() const { return g_; }

 private:
  CyclicPermutation() = default;

  uint64_t n_ = 0;
  uint64_t p_ = 2;
  uint64_t g_ = 1;        // primitive root mod p
  uint64_t x0_ = 1;       // walk start
  uint64_t step_ = 1;     // g^shards mod p
  uint32_t shards_ = 1;
  uint32_t shard_ = 0;
  uint64_t walk_length_ = 0;
  uint64_t position_ = 0;
  uint64_t current_ = 1;  // x at position_
};

// Number theory used above, exposed for tests.
namespace permutation_math {
uint64_t MulMod(uint64_t a, uint64_t b, uint64_t m);
uint64_t PowMod(uint64_t base, uint64_t exp, uint64_t m);
bool IsPrime(uint64_t n);  // deterministic for all 64-bit n
uint64_t NextPrimeAbove(uint64_t n);  // smallest prime > n; n < 2^63
bool IsPrimitiveRoot(uint64_t g, uint64_t p);
}  // namespace permutation_math

}  // namespace starttls
