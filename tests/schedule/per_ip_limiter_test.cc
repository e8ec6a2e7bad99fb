#include "scanner/schedule/per_ip_limiter.h"

#include "gtest/gtest.h"

namespace starttls {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }
constexpr int64_t kS = 1000000000;

TEST(PerIpLimiterTest, DefaultAllowsOneSessionPerAddress) {
  PerIpLimiter limiter;
  EXPECT_TRUE(limiter.TryAcquire(Ip("192.0.2.1")));
  EXPECT_FALSE(limiter.TryAcquire(Ip("192.0.2.1")));
  EXPECT_TRUE(limiter.TryAcquire(Ip("192.0.2.2")));
  EXPECT_TRUE(limiter.TryAcquire(Ip("2001:db8::1")));
  EXPECT_EQ(limiter.InFlight(Ip("192.0.2.1")), 1u);
  limiter.Release(Ip("192.0.2.1"));
  EXPECT_EQ(limiter.InFlight(Ip("192.0.2.1")), 0u);
  EXPECT_TRUE(limiter.TryAcquire(Ip("192.0.2.1")));
}

TEST(PerIpLimiterTest, EntriesAreErasedAtZero) {
  PerIpLimiter limiter(3);
  for (int i = 0; i < 1000; ++i) {
    IpAddress ip = IpAddress::V4(0x0a000000 + i);
    ASSERT_TRUE(limiter.TryAcquire(ip));
    ASSERT_TRUE(limiter.TryAcquire(ip));
  }
  EXPECT_EQ(limiter.addresses_in_flight(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    IpAddress ip = IpAddress::V4(0x0a000000 + i);
    limiter.Release(ip);
    limiter.Release(ip);
  }
  EXPECT_EQ(limiter.addresses_in_flight(), 0u);
  limiter.Release(Ip("10.0.0.1"));  // extra release: no-op, no underflow
  EXPECT_EQ(limiter.InFlight(Ip("10.0.0.1")), 0u);
}

TEST(PerIpLimiterTest, CapOfThree) {
  PerIpLimiter limiter(3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire(Ip("::1")));
  EXPECT_FALSE(limiter.TryAcquire(Ip("::1")));
}

TEST(PerIpLimiterTest, ZeroMeansUnlimited) {
  PerIpLimiter limiter(0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.TryAcquire(Ip("::1")));
  EXPECT_EQ(limiter.addresses_in_flight(), 0u);
}

TEST(PerIpLimiterTest, BackOffBlocksUntilDeadline) {
  PerIpLimiter limiter;
  IpAddress ip = Ip("192.0.2.25");
  EXPECT_FALSE(limiter.IsBlocked(ip, 0));
  EXPECT_EQ(limiter.BlockedUntil(ip), 0);
  limiter.BackOff(ip, 10 * kS, 60 * kS);
  EXPECT_EQ(limiter.BlockedUntil(ip), 70 * kS);
  EXPECT_TRUE(limiter.IsBlocked(ip, 69 * kS));
  EXPECT_FALSE(limiter.IsBlocked(Ip("192.0.2.26"), 20 * kS));
  EXPECT_FALSE(limiter.IsBlocked(ip, 70 * kS));
  EXPECT_EQ(limiter.BlockedUntil(ip), 0);  // expired and dropped
  EXPECT_EQ(limiter.backoff_entries(), 0u);
}

TEST(PerIpLimiterTest, BackOffKeepsTheLaterDeadline) {
  PerIpLimiter limiter;
  IpAddress ip = Ip("2001:db8::25");
  limiter.BackOff(ip, 0, 100 * kS);
  limiter.BackOff(ip, 1 * kS, 10 * kS);  // shorter: ignored
  EXPECT_EQ(limiter.BlockedUntil(ip), 100 * kS);
  limiter.BackOff(ip, 2 * kS, 200 * kS);  // longer: extends
  EXPECT_EQ(limiter.BlockedUntil(ip), 202 * kS);
  // The stale heap entry for 100 s must not unblock the address early.
  EXPECT_TRUE(limiter.IsBlocked(ip, 150 * kS));
  EXPECT_FALSE(limiter.IsBlocked(ip, 202 * kS));
}

TEST(PerIpLimiterTest, BackOffMemoryIsBounded) {
  PerIpLimiter limiter(1, /*max_backoff_entries=*/100);
  for (int i = 0; i < 10000; ++i) {
    limiter.BackOff(IpAddress::V4(0x0a000000 + i), i, 1000 * kS + i);
    ASSERT_LE(limiter.backoff_entries(), 100u);
  }
  // The most recent ones are kept; the soonest-expiring were evicted.
  EXPECT_TRUE(limiter.IsBlocked(IpAddress::V4(0x0a000000 + 9999), 10000));
  EXPECT_FALSE(limiter.IsBlocked(IpAddress::V4(0x0a000000), 10000));
}

TEST(PerIpLimiterTest, RepeatedBackOffOfOneAddressStaysOneEntry) {
  PerIpLimiter limiter;
  IpAddress ip = Ip("192.0.2.1");
  for (int i = 0; i < 100000; ++i) limiter.BackOff(ip, i, 10 * kS);
  EXPECT_EQ(limiter.backoff_entries(), 1u);
  EXPECT_EQ(limiter.BlockedUntil(ip), 99999 + 10 * kS);
  limiter.ExpireBackoffs(99999 + 10 * kS);
  EXPECT_EQ(limiter.backoff_entries(), 0u);
}

TEST(PerIpLimiterTest, NonPositiveDurationDoesNothing) {
  PerIpLimiter limiter;
  limiter.BackOff(Ip("192.0.2.1"), 5, 0);
  limiter.BackOff(Ip("192.0.2.1"), 5, -10);
  EXPECT_EQ(limiter.backoff_entries(), 0u);
}

}  // namespace
}  // namespace starttls
