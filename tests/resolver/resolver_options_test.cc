#include "resolver/resolver_options.h"

#include "gtest/gtest.h"
#include "resolver/domain_resolution.h"

#include <ares.h>

namespace starttls {
namespace {

TEST(ResolverOptionsTest, ParsesResolverAddresses) {
  auto a = ParseResolverAddress("192.0.2.53");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ToString(), "192.0.2.53:53");
  auto b = ParseResolverAddress("127.0.0.1:5353");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 5353);
  auto c = ParseResolverAddress("2001:db8::53");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ToString(), "[2001:db8::53]:53");
  auto d = ParseResolverAddress("[::1]:8053");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ToString(), "[::1]:8053");
}

TEST(ResolverOptionsTest, RejectsBadResolverAddresses) {
  for (const char* bad :
       {"", "dns.example", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:53x", "[::1",
        "[::1]53", "[192.0.2.1]:53", "[::1]:", "1.2.3"}) {
    auto r = ParseResolverAddress(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(std::string(r.status().message()).find("--resolver"), std::string::npos);
    }
  }
}

TEST(ResolverOptionsTest, RcodeNames) {
  EXPECT_EQ(AresStatusRcode(ARES_SUCCESS), "NOERROR");
  EXPECT_EQ(AresStatusRcode(ARES_ENODATA), "NOERROR");
  EXPECT_EQ(AresStatusRcode(ARES_ENOTFOUND), "NXDOMAIN");
  EXPECT_EQ(AresStatusRcode(ARES_ESERVFAIL), "SERVFAIL");
  EXPECT_EQ(AresStatusRcode(ARES_ETIMEOUT), "TIMEOUT");
  EXPECT_EQ(AresStatusRcode(ARES_EREFUSED), "REFUSED");
  EXPECT_EQ(MxKindName(DomainResolution::kImplicit), "implicit");
}

}  // namespace
}  // namespace starttls
