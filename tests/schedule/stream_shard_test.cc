#include "scanner/schedule/stream_shard.h"

#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

// Streamed input: the shards of one seed own disjoint sets covering every target index.
TEST(StreamShardFilterTest, ShardsPartitionTheStream) {
  const uint64_t n = 100000;
  for (uint32_t shards = 1; shards <= 7; ++shards) {
    std::vector<int> owners(n, 0);
    std::vector<uint64_t> per_shard(shards, 0);
    for (uint32_t k = 0; k < shards; ++k) {
      StreamShardFilter filter(77, shards, k);
      for (uint64_t i = 0; i < n; ++i) {
        if (filter.Owns(i)) {
          ++owners[i];
          ++per_shard[k];
        }
      }
    }
    for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(owners[i], 1) << "shards=" << shards << " i=" << i;
    for (uint32_t k = 0; k < shards; ++k) {
      EXPECT_NEAR(static_cast<double>(per_shard[k]), static_cast<double>(n) / shards,
                  0.03 * n / shards);
    }
  }
}

TEST(StreamShardFilterTest, SeedChangesAssignmentAndIsNotModulo) {
  StreamShardFilter a(1, 4, 0), b(2, 4, 0);
  int differ = 0, not_modulo = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    differ += a.ShardOf(i) != b.ShardOf(i);
    not_modulo += a.ShardOf(i) != i % 4;
    ASSERT_LT(a.ShardOf(i), 4u);
  }
  EXPECT_GT(differ, 500);
  EXPECT_GT(not_modulo, 500);
}

TEST(StreamShardFilterTest, SingleShardOwnsEverything) {
  StreamShardFilter f(5, 1, 0);
  for (uint64_t i = 0; i < 1000; ++i) EXPECT_TRUE(f.Owns(i));
  StreamShardFilter zero(5, 0, 0);
  EXPECT_EQ(zero.shards(), 1u);
  EXPECT_TRUE(zero.Owns(12345));
}

}  // namespace
}  // namespace starttls
