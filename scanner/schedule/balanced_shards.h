// BalancedShards: which shard of a scan owns target number i, where i counts the scan's
// DISTINCT targets in input order (an address per port, every address of a CIDR, a domain).
//
// Why this split. Every shard reads the same input and drops the same duplicates, so all of
// them number the distinct targets alike; a shard is then a function of that number alone,
// and the shards are disjoint and cover every target exactly once. The numbers are cut into
// blocks of S (the shard count): block b = i / S holds one target for EVERY shard, given out
// by a seeded random permutation of 0..S-1 that is different for each block. So
//   - sizes differ by at most one target (each complete block gives each shard one; the last,
//     partial block gives some shards one more) — ZMap's hashing of addresses is only
//     balanced on average;
//   - each shard is still a random sample: which position of a block a shard gets is drawn
//     anew per block, so an input with a period (sorted lists, one provider every N lines)
//     does not pile onto one shard as "i mod S" would.
// The permutation of a block is a keyed bijection (KeyedPermutation), so nothing is stored
// per block and ShardOf costs a few hash rounds.
#pragma once

#include <cstdint>

#include "base/seeded_random.h"
#include "scanner/schedule/keyed_permutation.h"

namespace starttls {

class BalancedShards {
 public:
  // shards == 0 is treated as 1. shard must be below shards (checked by the flag parser).
  BalancedShards(uint64_t seed, uint32_t shards, uint32_t shard)
      : seed_(seed), shards_(shards == 0 ? 1 : shards), shard_(shard) {}

  uint32_t ShardOf(uint64_t target_index) const {
    if (shards_ == 1) return 0;
    uint64_t block = target_index / shards_;
    auto position = static_cast<uint32_t>(target_index % shards_);
    KeyedPermutation permutation(Mix64(seed_ ^ Mix64(block + 1)), shards_);
    return permutation.Apply(position);
  }
  bool Owns(uint64_t target_index) const { return ShardOf(target_index) == shard_; }

  uint32_t shards() const { return shards_; }
  uint32_t shard() const { return shard_; }

 private:
  uint64_t seed_;
  uint32_t shards_;
  uint32_t shard_;
};

}  // namespace starttls
