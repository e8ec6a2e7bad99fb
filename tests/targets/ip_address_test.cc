#include "base/ip_address.h"

#include <arpa/inet.h>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace starttls {
namespace {

TEST(IpAddressTest, ParsesAndFormatsIpv4) {
  std::optional<IpAddress> ip = IpAddress::Parse("192.0.2.1");
  ASSERT_TRUE(ip.has_value());
  EXPECT_TRUE(ip->is_v4());
  EXPECT_EQ(ip->v4_value(), 0xC0000201u);
  EXPECT_EQ(ip->ToString(), "192.0.2.1");
  EXPECT_EQ(ip->bit_width(), 32);
}

TEST(IpAddressTest, Ipv4FormattingMatchesInetNtopForEveryOctet) {
  for (uint32_t v = 0; v < 256; ++v) {
    const uint32_t value = (v << 24) | (((v * 7) & 255) << 16) | (((v + 9) & 255) << 8) | (255 - v);
    const uint8_t bytes[4] = {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                              static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
    char want[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, bytes, want, sizeof(want)), nullptr);
    EXPECT_EQ(IpAddress::V4(value).ToString(), want);
  }
  char small[8];  // too small for a dotted quad: nothing half-written is returned as text
  EXPECT_EQ(IpAddress::V4(0xC0000201).FormatTo(small, sizeof(small)), 0u);
}

TEST(IpAddressTest, ParsesAndFormatsIpv6Canonically) {
  std::optional<IpAddress> ip = IpAddress::Parse("2001:0DB8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(ip.has_value());
  EXPECT_TRUE(ip->is_v6());
  EXPECT_EQ(ip->ToString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::Parse("::ffff:1.2.3.4")->ToString(), "::ffff:1.2.3.4");
  EXPECT_EQ(IpAddress::Parse("::")->ToString(), "::");
}

TEST(IpAddressTest, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
                          "0x7f.0.0.1", "1.2.3.4/32", "[::1]", "fe80::1%eth0", "1::2::3", "::g",
                          "example.com", "12345::", "1.2.3.-1"}) {
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << bad;
  }
  EXPECT_FALSE(IpAddress::Parse(std::string_view("1.2.3.4\0", 8)).has_value());
  EXPECT_FALSE(IpAddress::Parse(std::string(100, '1')).has_value());
}

TEST(IpAddressTest, ValueRoundTrips) {
  IpAddress v6 = *IpAddress::Parse("2001:db8::ff");
  EXPECT_EQ(IpAddress::V6(v6.value()), v6);
  EXPECT_EQ(IpAddress::V4(0x7f000001).ToString(), "127.0.0.1");
  EXPECT_EQ(IpAddress::V4(0x7f000001).value(), Uint128{0x7f000001});
}

TEST(IpAddressTest, OrdersV4BeforeV6ThenNumerically) {
  IpAddress a = *IpAddress::Parse("9.9.9.9");
  IpAddress b = *IpAddress::Parse("10.0.0.1");
  IpAddress c = *IpAddress::Parse("::1");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(a, *IpAddress::Parse("9.9.9.9"));
  EXPECT_NE(IpAddress::V4(0), IpAddress::V6(Uint128{0}));  // 0.0.0.0 vs ::
}

TEST(IpAddressTest, HashesConsistently) {
  absl::flat_hash_set<IpAddress> set;
  set.insert(*IpAddress::Parse("1.2.3.4"));
  set.insert(*IpAddress::Parse("1.2.3.4"));
  set.insert(*IpAddress::Parse("::1"));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.contains(*IpAddress::Parse("::1")));
  EXPECT_EQ(std::hash<IpAddress>{}(*IpAddress::Parse("::1")),
            std::hash<IpAddress>{}(*IpAddress::Parse("0::1")));
}

TEST(EndpointTest, SockaddrRoundTripIpv4) {
  Endpoint e{*IpAddress::Parse("127.0.0.1"), 2525};
  sockaddr_storage ss;
  socklen_t len = e.ToSockaddr(&ss);
  ASSERT_EQ(len, sizeof(sockaddr_in));
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 2525);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0x7f000001u);
  std::optional<Endpoint> back = Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
  EXPECT_EQ(e.ToString(), "127.0.0.1:2525");
}

TEST(EndpointTest, SockaddrRoundTripIpv6) {
  Endpoint e{*IpAddress::Parse("::1"), 25};
  sockaddr_storage ss;
  socklen_t len = e.ToSockaddr(&ss);
  ASSERT_EQ(len, sizeof(sockaddr_in6));
  std::optional<Endpoint> back = Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
  EXPECT_EQ(e.ToString(), "[::1]:25");
}

TEST(EndpointTest, FromSockaddrRejectsShortOrUnknown) {
  Endpoint e{*IpAddress::Parse("::1"), 25};
  sockaddr_storage ss;
  e.ToSockaddr(&ss);
  EXPECT_FALSE(Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), 8).has_value());
  EXPECT_FALSE(Endpoint::FromSockaddr(nullptr, 0).has_value());
  ss.ss_family = AF_UNIX;
  EXPECT_FALSE(Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(ss)).has_value());
}

TEST(EndpointTest, HashDistinguishesPorts) {
  absl::flat_hash_set<Endpoint> set;
  set.insert({*IpAddress::Parse("1.2.3.4"), 25});
  set.insert({*IpAddress::Parse("1.2.3.4"), 587});
  set.insert({*IpAddress::Parse("1.2.3.4"), 25});
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace starttls
