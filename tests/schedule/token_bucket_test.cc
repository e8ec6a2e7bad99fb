#include "base/token_bucket.h"

#include "gtest/gtest.h"

namespace starttls {
namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kS = 1000000000;

TEST(TokenBucketTest, BurstThenSteadyRate) {
  TokenBucket bucket(10, 5);  // 10/s: a token every 100 ms, 5 at once
  int64_t now = 1000 * kS;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(now)) << i;
  EXPECT_FALSE(bucket.TryTake(now));
  EXPECT_EQ(bucket.NanosUntilNext(now), 100 * kMs);
  EXPECT_FALSE(bucket.TryTake(now + 99 * kMs));
  EXPECT_EQ(bucket.NanosUntilNext(now + 99 * kMs), 1 * kMs);
  EXPECT_TRUE(bucket.TryTake(now + 100 * kMs));
  EXPECT_FALSE(bucket.TryTake(now + 100 * kMs));
  EXPECT_EQ(bucket.NanosUntilNext(now + 150 * kMs), 50 * kMs);
}

TEST(TokenBucketTest, IdleRefillCapsAtBurst) {
  TokenBucket bucket(10, 3);
  int64_t now = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.TryTake(now));
  now += 3600 * kS;  // an hour idle: still only 3
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.TryTake(now));
  EXPECT_FALSE(bucket.TryTake(now));
  EXPECT_EQ(bucket.NanosUntilNext(now), 100 * kMs);
}

TEST(TokenBucketTest, LongRunRateIsExact) {
  // Polling every millisecond for 10 s at 250/s with burst 1 yields 1 + 2500 tokens
  // (the first at t=0, then one every 4 ms).
  TokenBucket bucket(250, 1);
  int taken = 0;
  for (int64_t t = 0; t <= 10 * kS; t += kMs) taken += bucket.TryTake(t);
  EXPECT_EQ(taken, 2501);
}

TEST(TokenBucketTest, WaitingExactlyNanosUntilNextSucceeds) {
  TokenBucket bucket(3, 2);  // interval 333,333,333 ns
  int64_t now = 5;
  int taken = 0;
  for (int i = 0; i < 30; ++i) {
    now += bucket.NanosUntilNext(now);
    ASSERT_TRUE(bucket.TryTake(now));
    ++taken;
  }
  // 2 from the burst, then 28 at 333,333,333 ns.
  EXPECT_EQ(now, 5 + 28 * bucket.interval_ns());
  EXPECT_EQ(bucket.interval_ns(), 333333333);
}

TEST(TokenBucketTest, FractionalRate) {
  TokenBucket bucket(0.5, 1);  // one every 2 s
  EXPECT_TRUE(bucket.TryTake(0));
  EXPECT_FALSE(bucket.TryTake(1 * kS));
  EXPECT_EQ(bucket.NanosUntilNext(1 * kS), 1 * kS);
  EXPECT_TRUE(bucket.TryTake(2 * kS));
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket bucket(0, 1);
  EXPECT_TRUE(bucket.unlimited());
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(bucket.TryTake(0));
  EXPECT_EQ(bucket.NanosUntilNext(0), 0);
}

TEST(TokenBucketTest, BurstBelowOneActsAsOne) {
  TokenBucket bucket(1, 0);
  EXPECT_TRUE(bucket.TryTake(0));
  EXPECT_FALSE(bucket.TryTake(0));
}

TEST(TokenBucketTest, ClockStartingAtZeroOrNegative) {
  TokenBucket bucket(1, 2);
  EXPECT_TRUE(bucket.TryTake(-5 * kS));
  EXPECT_TRUE(bucket.TryTake(-5 * kS));
  EXPECT_FALSE(bucket.TryTake(-5 * kS));
  EXPECT_TRUE(bucket.TryTake(-4 * kS));
}

}  // namespace
}  // namespace starttls
