// The timer wheel fires every timer exactly at its tick (never early, never late), honours
// cancel and reschedule, and stays cheap at 100k timers.
#include "scanner/engine/timer_wheel.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace starttls {
namespace {

TEST(TimerWheelTest, FiresAtItsTickNotBefore) {
  TimerWheel wheel(100);
  TimerNode node;
  wheel.Schedule(&node, 105);
  int fired = 0;
  wheel.Advance(104, [&](TimerNode*) { ++fired; });
  EXPECT_EQ(fired, 0);
  EXPECT_TRUE(node.scheduled());
  wheel.Advance(105, [&](TimerNode* n) {
    EXPECT_EQ(n, &node);
    EXPECT_EQ(wheel.now(), 105u);
    ++fired;
  });
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(node.scheduled());
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheelTest, PastExpiryFiresOnNextTick) {
  TimerWheel wheel(1000);
  TimerNode node;
  wheel.Schedule(&node, 10);
  EXPECT_EQ(node.expiry_tick, 1001u);
  int fired = 0;
  wheel.Advance(1001, [&](TimerNode*) { ++fired; });
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheelTest, CancelAndRescheduleMove) {
  TimerWheel wheel(0);
  TimerNode a, b;
  wheel.Schedule(&a, 300);
  wheel.Schedule(&b, 70'000);
  wheel.Cancel(&a);
  wheel.Cancel(&a);        // harmless twice
  wheel.Schedule(&b, 50);  // moved earlier, across levels
  EXPECT_EQ(wheel.size(), 1u);
  std::vector<uint64_t> fired;
  wheel.Advance(100'000, [&](TimerNode* n) { fired.push_back(n->expiry_tick); });
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0], 50u);
}

TEST(TimerWheelTest, CallbackMayRescheduleItself) {
  TimerWheel wheel(0);
  TimerNode node;
  wheel.Schedule(&node, 10);
  int fired = 0;
  wheel.Advance(1000, [&](TimerNode* n) {
    ++fired;
    if (fired < 5) wheel.Schedule(n, wheel.now() + 100);
  });
  EXPECT_EQ(fired, 5);
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheelTest, NextWakeTickIsNeverAfterTheEarliestExpiry) {
  TimerWheel wheel(7);
  EXPECT_FALSE(wheel.NextWakeTick().has_value());
  TimerNode near, far;
  wheel.Schedule(&near, 40);
  EXPECT_EQ(wheel.NextWakeTick(), 40u);  // exact in level 0
  wheel.Cancel(&near);
  wheel.Schedule(&far, 100'000);
  std::optional<uint64_t> wake = wheel.NextWakeTick();
  ASSERT_TRUE(wake.has_value());
  EXPECT_LE(*wake, 100'000u);
  EXPECT_EQ(*wake, 256u);  // the next wrap of level 0, where timers cascade
}

// 100k timers over three levels, random advances, a third cancelled and some rescheduled:
// each fires exactly once, exactly at its tick, in order.
TEST(TimerWheelTest, HundredThousandTimersFireExactly) {
  constexpr size_t kTimers = 100'000;
  std::mt19937_64 rng(42);
  TimerWheel wheel(12345);
  std::vector<TimerNode> nodes(kTimers);
  std::vector<int> fired(kTimers, 0);
  std::vector<bool> cancelled(kTimers, false);
  for (size_t i = 0; i < kTimers; ++i) {
    nodes[i].owner = static_cast<uint32_t>(i);
    uint64_t span = (i % 3 == 0) ? 200 : (i % 3 == 1) ? 60'000 : 5'000'000;
    wheel.Schedule(&nodes[i], 12345 + 1 + rng() % span);
  }
  for (size_t i = 0; i < kTimers; i += 3) {
    wheel.Cancel(&nodes[i]);
    cancelled[i] = true;
  }
  for (size_t i = 1; i < kTimers; i += 7) {
    if (!cancelled[i]) wheel.Schedule(&nodes[i], 12345 + 1 + rng() % 100'000);
  }
  EXPECT_EQ(wheel.size(), kTimers - (kTimers + 2) / 3);

  uint64_t last_fire = 0;
  size_t total = 0;
  while (!wheel.empty()) {
    std::optional<uint64_t> wake = wheel.NextWakeTick();
    ASSERT_TRUE(wake.has_value());
    uint64_t target = wheel.now() + 1 + rng() % 3000;
    wheel.Advance(target, [&](TimerNode* n) {
      EXPECT_EQ(wheel.now(), n->expiry_tick);
      EXPECT_GE(n->expiry_tick, last_fire);
      EXPECT_GE(n->expiry_tick, *wake);  // nothing fires before the announced wake tick
      last_fire = n->expiry_tick;
      ++fired[n->owner];
      ++total;
    });
  }
  for (size_t i = 0; i < kTimers; ++i) {
    ASSERT_EQ(fired[i], cancelled[i] ? 0 : 1) << i;
  }
  EXPECT_EQ(total, kTimers - (kTimers + 2) / 3);
}

}  // namespace
}  // namespace starttls
