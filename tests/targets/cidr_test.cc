#include "scanner/targets/cidr.h"

#include "gtest/gtest.h"

namespace starttls {
namespace {

TEST(CidrTest, ParsesAndNormalises) {
  std::optional<Cidr> c = Cidr::Parse("10.1.2.3/8");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->ToString(), "10.0.0.0/8");
  EXPECT_EQ(c->prefix_len(), 8);
  EXPECT_EQ(Cidr::Parse("2001:db8:ffff::1/32")->ToString(), "2001:db8::/32");
  EXPECT_EQ(Cidr::Parse("0.0.0.0/0")->ToString(), "0.0.0.0/0");
  EXPECT_EQ(Cidr::Parse("::/0")->ToString(), "::/0");
}

TEST(CidrTest, BareAddressIsHostRoute) {
  EXPECT_EQ(Cidr::Parse("192.0.2.7")->ToString(), "192.0.2.7/32");
  EXPECT_EQ(Cidr::Parse("::1")->ToString(), "::1/128");
}

TEST(CidrTest, RejectsBadText) {
  for (const char* bad :
       {"1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/8/8", "1.2.3/8",
        "/8", "1.2.3.4/0008", "1.2.3.4/ 8", "x/8", ""}) {
    EXPECT_FALSE(Cidr::Parse(bad).has_value()) << bad;
  }
}

TEST(CidrTest, Contains) {
  Cidr c = *Cidr::Parse("172.16.0.0/12");
  EXPECT_TRUE(c.Contains(*IpAddress::Parse("172.16.0.0")));
  EXPECT_TRUE(c.Contains(*IpAddress::Parse("172.31.255.255")));
  EXPECT_FALSE(c.Contains(*IpAddress::Parse("172.32.0.0")));
  EXPECT_FALSE(c.Contains(*IpAddress::Parse("172.15.255.255")));
  EXPECT_FALSE(c.Contains(*IpAddress::Parse("::ffff:172.16.0.1")));  // other family
  Cidr all = *Cidr::Parse("0.0.0.0/0");
  EXPECT_TRUE(all.Contains(*IpAddress::Parse("255.255.255.255")));
  Cidr v6 = *Cidr::Parse("fe80::/10");
  EXPECT_TRUE(v6.Contains(*IpAddress::Parse("febf:ffff::1")));
  EXPECT_FALSE(v6.Contains(*IpAddress::Parse("fec0::1")));
}

TEST(CidrTest, SizeSaturates) {
  EXPECT_EQ(Cidr::Parse("10.0.0.0/8")->Size(), 1u << 24);
  EXPECT_EQ(Cidr::Parse("0.0.0.0/0")->Size(), uint64_t{1} << 32);
  EXPECT_EQ(Cidr::Parse("1.2.3.4")->Size(), 1u);
  EXPECT_EQ(Cidr::Parse("2001:db8::/96")->Size(), uint64_t{1} << 32);
  EXPECT_EQ(Cidr::Parse("2001:db8::/65")->Size(), uint64_t{1} << 63);
  EXPECT_EQ(Cidr::Parse("2001:db8::/64")->Size(), UINT64_MAX);
  EXPECT_EQ(Cidr::Parse("::/0")->Size(), UINT64_MAX);
}

TEST(CidrTest, AtIndexesLazily) {
  Cidr c = *Cidr::Parse("192.0.2.0/30");
  EXPECT_EQ(c.At(0)->ToString(), "192.0.2.0");
  EXPECT_EQ(c.At(3)->ToString(), "192.0.2.3");
  EXPECT_FALSE(c.At(4).has_value());
  Cidr wide = *Cidr::Parse("10.255.255.0/8");
  EXPECT_EQ(wide.At((1u << 24) - 1)->ToString(), "10.255.255.255");
  Cidr v6 = *Cidr::Parse("2001:db8::/120");
  EXPECT_EQ(v6.At(255)->ToString(), "2001:db8::ff");
  EXPECT_FALSE(v6.At(256).has_value());
  Cidr big = *Cidr::Parse("2001:db8::/32");
  EXPECT_EQ(big.At(uint64_t{1} << 40)->ToString(), "2001:db8::100:0:0");
  EXPECT_EQ(big.last_value(), IpAddress::Parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")->value());
}

TEST(CidrTest, MakeRejectsOutOfRangePrefix) {
  EXPECT_FALSE(Cidr::Make(*IpAddress::Parse("1.2.3.4"), 33).has_value());
  EXPECT_FALSE(Cidr::Make(*IpAddress::Parse("1.2.3.4"), -1).has_value());
  EXPECT_TRUE(Cidr::Make(*IpAddress::Parse("::1"), 128).has_value());
}

}  // namespace
}  // namespace starttls
