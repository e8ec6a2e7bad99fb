#include "scanner/schedule/permutation.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

namespace pm = permutation_math;

// The acceptance test: for many n and shard counts, the shards of one seed are disjoint
// and together visit every index in [0, n) exactly once.
TEST(CyclicPermutationTest, EveryIndexVisitedExactlyOnceAcrossShards) {
  const uint64_t sizes[] = {1, 2, 3, 1000, 65537, 1000000};
  for (uint64_t n : sizes) {
    for (uint32_t shards = 1; shards <= 7; ++shards) {
      const uint64_t seed = 0x1234 + n * 31 + shards;
      std::vector<uint8_t> visits(n, 0);
      uint64_t total = 0;
      for (uint32_t shard = 0; shard < shards; ++shard) {
        absl::StatusOr<CyclicPermutation> perm = CyclicPermutation::Create(n, seed, shards, shard);
        ASSERT_TRUE(perm.ok()) << perm.status();
        uint64_t index;
        while (perm->Next(&index)) {
          ASSERT_LT(index, n);
          ASSERT_EQ(visits[index], 0) << "n=" << n << " shards=" << shards << " shard=" << shard
                                      << " index " << index << " visited twice";
          visits[index] = 1;
          ++total;
        }
        EXPECT_FALSE(perm->Next(&index));  // stays finished
      }
      EXPECT_EQ(total, n) << "n=" << n << " shards=" << shards;
    }
  }
}

TEST(CyclicPermutationTest, ManySmallSizesAndSeeds) {
  for (uint64_t n = 0; n <= 200; ++n) {
    for (uint64_t seed = 0; seed < 5; ++seed) {
      uint32_t shards = static_cast<uint32_t>(1 + (n + seed) % 4);
      std::vector<int> visits(n, 0);
      for (uint32_t shard = 0; shard < shards; ++shard) {
        auto perm = *CyclicPermutation::Create(n, seed, shards, shard);
        uint64_t index;
        while (perm.Next(&index)) {
          ASSERT_LT(index, n);
          ++visits[index];
        }
      }
      for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(visits[i], 1) << "n=" << n << " i=" << i;
    }
  }
}

std::vector<uint64_t> Order(uint64_t n, uint64_t seed) {
  auto perm = *CyclicPermutation::Create(n, seed);
  std::vector<uint64_t> order;
  uint64_t index;
  while (perm.Next(&index)) order.push_back(index);
  return order;
}

TEST(CyclicPermutationTest, SeedDeterminesOrder) {
  EXPECT_EQ(Order(1000, 7), Order(1000, 7));
  EXPECT_NE(Order(1000, 7), Order(1000, 8));
  std::vector<uint64_t> identity(1000);
  for (uint64_t i = 0; i < 1000; ++i) identity[i] = i;
  EXPECT_NE(Order(1000, 7), identity);
  // Across 20 seeds, the first index is not always the same.
  std::vector<uint64_t> firsts;
  for (uint64_t seed = 0; seed < 20; ++seed) firsts.push_back(Order(1000, seed).front());
  std::sort(firsts.begin(), firsts.end());
  EXPECT_GT(std::unique(firsts.begin(), firsts.end()) - firsts.begin(), 10);
}

TEST(CyclicPermutationTest, ShardsSplitTheWalkEvenly) {
  const uint64_t n = 700000, seed = 99;
  const uint32_t shards = 7;
  uint64_t walk_total = 0;
  for (uint32_t k = 0; k < shards; ++k) {
    auto perm = *CyclicPermutation::Create(n, seed, shards, k);
    walk_total += perm.walk_length();
    uint64_t count = 0, index;
    while (perm.Next(&index)) ++count;
    // Each shard gets about n / shards indices (skips are few and spread out).
    EXPECT_NEAR(static_cast<double>(count), n / 7.0, n / 7.0 * 0.01) << "shard " << k;
  }
  EXPECT_EQ(walk_total, pm::NextPrimeAbove(n) - 1);  // the shards' walks partition the group
}

TEST(CyclicPermutationTest, ResumeFromWalkPosition) {
  const uint64_t n = 100000, seed = 5;
  auto a = *CyclicPermutation::Create(n, seed, 4, 2);
  std::vector<uint64_t> first_run;
  uint64_t index;
  for (int i = 0; i < 1234 && a.Next(&index); ++i) first_run.push_back(index);
  uint64_t saved = a.walk_position();
  std::vector<uint64_t> rest_a;
  while (a.Next(&index)) rest_a.push_back(index);

  auto b = *CyclicPermutation::Create(n, seed, 4, 2);
  b.SeekToWalkPosition(saved);
  std::vector<uint64_t> rest_b;
  while (b.Next(&index)) rest_b.push_back(index);
  EXPECT_EQ(rest_a, rest_b);
  EXPECT_EQ(first_run.size(), 1234u);
  EXPECT_FALSE(rest_a.empty());

  b.SeekToWalkPosition(b.walk_length() + 10);  // past the end: finished
  EXPECT_FALSE(b.Next(&index));
}

TEST(CyclicPermutationTest, RejectsBadArguments) {
  EXPECT_FALSE(CyclicPermutation::Create(10, 1, 0, 0).ok());
  absl::StatusOr<CyclicPermutation> bad_shard = CyclicPermutation::Create(10, 1, 3, 3);
  ASSERT_FALSE(bad_shard.ok());
  EXPECT_EQ(std::string(bad_shard.status().message()),
            "--shard 3 is out of range for --shards 3 (shards are numbered from 0)");
  EXPECT_FALSE(CyclicPermutation::Create(CyclicPermutation::kMaxSize + 1, 1).ok());
}

TEST(CyclicPermutationTest, EmptyAndHugeSizes) {
  auto empty = *CyclicPermutation::Create(0, 1);
  uint64_t index;
  EXPECT_FALSE(empty.Next(&index));
  // A 2^62-element space (an IPv6 range) is set up quickly and yields in-range indices.
  auto huge = *CyclicPermutation::Create(CyclicPermutation::kMaxSize, 42, 5, 4);
  EXPECT_GT(huge.prime(), CyclicPermutation::kMaxSize);
  EXPECT_TRUE(pm::IsPrime(huge.prime()));
  EXPECT_TRUE(pm::IsPrimitiveRoot(huge.generator(), huge.prime()));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(huge.Next(&index));
    ASSERT_LT(index, CyclicPermutation::kMaxSize);
  }
}

TEST(PermutationMathTest, IsPrimeMatchesSieve) {
  const uint64_t limit = 100000;
  std::vector<bool> composite(limit, false);
  for (uint64_t i = 2; i * i < limit; ++i)
    if (!composite[i])
      for (uint64_t j = i * i; j < limit; j += i) composite[j] = true;
  for (uint64_t i = 0; i < limit; ++i) ASSERT_EQ(pm::IsPrime(i), i >= 2 && !composite[i]) << i;
}

TEST(PermutationMathTest, LargeKnownValues) {
  EXPECT_TRUE(pm::IsPrime(18446744073709551557ULL));   // largest 64-bit prime
  EXPECT_FALSE(pm::IsPrime(18446744073709551559ULL));  // divisible by 41
  EXPECT_TRUE(pm::IsPrime((uint64_t{1} << 61) - 1));   // Mersenne prime
  EXPECT_FALSE(pm::IsPrime(3215031751ULL));            // strong pseudoprime to 2,3,5,7
  EXPECT_EQ(pm::NextPrimeAbove(1), 2u);
  EXPECT_EQ(pm::NextPrimeAbove(2), 3u);
  EXPECT_EQ(pm::NextPrimeAbove(65536), 65537u);
  EXPECT_EQ(pm::NextPrimeAbove(65537), 65539u);
  EXPECT_EQ(pm::NextPrimeAbove(uint64_t{1} << 32), 4294967311ULL);
  EXPECT_EQ(pm::MulMod(18446744073709551556ULL, 18446744073709551556ULL, 18446744073709551557ULL),
            1u);  // (-1)^2
  EXPECT_EQ(pm::PowMod(2, 10, 1000), 24u);
}

TEST(PermutationMathTest, PrimitiveRoots) {
  EXPECT_TRUE(pm::IsPrimitiveRoot(3, 7));
  EXPECT_FALSE(pm::IsPrimitiveRoot(2, 7));  // order 3
  EXPECT_TRUE(pm::IsPrimitiveRoot(3, 65537));
  EXPECT_FALSE(pm::IsPrimitiveRoot(2, 65537));
  EXPECT_TRUE(pm::IsPrimitiveRoot(1, 2));
  // Brute force on a small prime: a primitive root's powers cover the whole group.
  const uint64_t p = 1009;
  for (uint64_t g = 1; g < p; ++g) {
    std::vector<bool> seen(p, false);
    uint64_t x = 1, distinct = 0;
    for (uint64_t i = 0; i < p - 1; ++i) {
      if (!seen[x]) ++distinct;
      seen[x] = true;
      x = x * g % p;
    }
    ASSERT_EQ(pm::IsPrimitiveRoot(g, p), distinct == p - 1) << g;
  }
}

}  // namespace
}  // namespace starttls
