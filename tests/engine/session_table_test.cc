// The slab hands out slots with fresh generations and recognises stale completions.
#include "scanner/engine/session_table.h"

#include <gtest/gtest.h>

namespace starttls {
namespace {

TEST(CookieTest, RoundTrips) {
  for (UringOp op : {UringOp::kSocket, UringOp::kRecv, UringOp::kClose, UringOp::kTimer}) {
    Cookie cookie{op, 0xFFFF'FFFFu, 0xAB'CDEFu};
    Cookie back = Cookie::Decode(cookie.Encode());
    EXPECT_EQ(back.op, op);
    EXPECT_EQ(back.index, 0xFFFF'FFFFu);
    EXPECT_EQ(back.generation, 0xAB'CDEFu);
  }
  Cookie wide{UringOp::kSend, 3, 0x1FF'FFFFu};  // generation keeps 24 bits
  EXPECT_EQ(Cookie::Decode(wide.Encode()).generation, 0xFF'FFFFu);
  EXPECT_EQ(Cookie::Decode(wide.Encode()).index, 3u);
}

TEST(SessionTableTest, AcquireReleaseAndStaleCookies) {
  SessionTable table(2);
  uint32_t a = 0, b = 0, c = 0;
  ASSERT_TRUE(table.Acquire(&a));
  ASSERT_TRUE(table.Acquire(&b));
  EXPECT_NE(a, b);
  EXPECT_TRUE(table.full());
  EXPECT_FALSE(table.Acquire(&c));
  EXPECT_EQ(table.in_use(), 2u);

  Cookie old{UringOp::kRecv, a, table.at(a).generation};
  EXPECT_EQ(table.Resolve(old), &table.at(a));
  table.Release(a);
  EXPECT_EQ(table.Resolve(old), nullptr);  // released
  ASSERT_TRUE(table.Acquire(&c));
  EXPECT_EQ(c, a);                         // reused ...
  EXPECT_EQ(table.Resolve(old), nullptr);  // ... with a new generation
  Cookie fresh{UringOp::kRecv, c, table.at(c).generation};
  EXPECT_EQ(table.Resolve(fresh), &table.at(c));
  EXPECT_EQ(table.Resolve(Cookie{UringOp::kRecv, 99, 1}), nullptr);  // out of range
}

}  // namespace
}  // namespace starttls
