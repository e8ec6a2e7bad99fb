// StreamShardFilter: sharding for streamed input, where the number of targets is not known
// in advance and so CyclicPermutation cannot be used. Target number i (0-based position in
// the input stream, counted over all target lines) belongs to shard
//     Mix64(seed ^ Mix64(i)) * S / 2^64        (a hash of (seed, i) reduced to [0, S)).
// It is a function of i alone, so for the same input and seed the S shards are disjoint and
// together cover every target exactly once. Hashing rather than i mod S keeps each shard an
// unbiased sample even when the input has a period (e.g. sorted lists, or one MX per N lines).
#pragma once

#include <cstdint>

#include "scanner/schedule/seeded_random.h"

namespace starttls {

class StreamShardFilter {
 public:
  // shards == 0 is treated as 1. shard must be < shards (checked by the flag parser).
  StreamShardFilter(uint64_t seed, uint32_t shards, uint32_t shard)
      : seed_(seed), shards_(shards == 0 ? 1 : shards), shard_(shard) {}

  uint32_t ShardOf(uint64_t target_index) const {
    __extension__ typedef unsigned __int128 U128;
    uint64_t h = Mix64(seed_ ^ Mix64(target_index));
    return static_cast<uint32_t>((static_cast<U128>(h) * shards_) >> 64);
  }
  bool Owns(uint64_t target_index) const {
    return shards_ == 1 || ShardOf(target_index) == shard_;
  }

  uint32_t shards() const { return shards_; }
  uint32_t shard() const { return shard_; }

 private:
  uint64_t seed_;
  uint32_t shards_;
  uint32_t shard_;
};

}  // namespace starttls
