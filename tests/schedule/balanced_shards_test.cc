// BalancedShards and KeyedPermutation: every target number lands in exactly one shard, the
// shards' sizes differ by at most one for any count, the split depends on the seed, and a
// periodic input is not piled onto one shard.
#include "scanner/schedule/balanced_shards.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace starttls {
namespace {

TEST(KeyedPermutationTest, IsABijectionForManySizesAndKeys) {
  for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 7u, 16u, 17u, 100u, 1000u, 65536u}) {
    for (uint64_t key : {0ull, 1ull, 42ull, ~0ull}) {
      KeyedPermutation permutation(key, n);
      std::vector<bool> hit(n, false);
      for (uint32_t x = 0; x < n; ++x) {
        uint32_t y = permutation.Apply(x);
        ASSERT_LT(y, n);
        ASSERT_FALSE(hit[y]) << "n=" << n << " key=" << key << " x=" << x;
        hit[y] = true;
      }
    }
  }
}

TEST(KeyedPermutationTest, KeysGiveDifferentPermutations) {
  std::set<std::vector<uint32_t>> seen;
  for (uint64_t key = 0; key < 50; ++key) {
    KeyedPermutation permutation(key, 10);
    std::vector<uint32_t> image;
    for (uint32_t x = 0; x < 10; ++x) image.push_back(permutation.Apply(x));
    seen.insert(image);
  }
  EXPECT_GT(seen.size(), 45u);
}

TEST(BalancedShardsTest, EveryIndexInExactlyOneShardAndSizesWithinOne) {
  for (uint32_t shards : {1u, 2u, 3u, 7u, 16u}) {
    for (uint64_t count : {0ull, 1ull, 6ull, 7ull, 8ull, 1000ull, 4096ull, 10001ull}) {
      std::vector<uint64_t> sizes(shards, 0);
      for (uint64_t i = 0; i < count; ++i) {
        int owners = 0;
        for (uint32_t s = 0; s < shards; ++s) {
          if (BalancedShards(99, shards, s).Owns(i)) {
            ++owners;
            ++sizes[s];
          }
        }
        ASSERT_EQ(owners, 1) << "index " << i << " of " << shards << " shards";
      }
      uint64_t low = *std::min_element(sizes.begin(), sizes.end());
      uint64_t high = *std::max_element(sizes.begin(), sizes.end());
      EXPECT_LE(high - low, 1u) << shards << " shards over " << count;
    }
  }
}

TEST(BalancedShardsTest, SeedChangesTheSplit) {
  int differ = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    differ += BalancedShards(1, 4, 0).ShardOf(i) != BalancedShards(2, 4, 0).ShardOf(i);
  }
  EXPECT_GT(differ, 500);  // 3/4 expected
}

TEST(BalancedShardsTest, PeriodicInputIsSpread) {
  // Every 4th target is "special" (one provider every 4 lines). With i mod 4 all of them
  // would land in one shard; here each shard gets about a quarter.
  std::vector<int> special(4, 0);
  for (uint64_t i = 0; i < 40000; i += 4) ++special[BalancedShards(7, 4, 0).ShardOf(i)];
  for (int count : special) EXPECT_NEAR(count, 2500, 250);
}

}  // namespace
}  // namespace starttls
