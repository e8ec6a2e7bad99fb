#include "scanner/targets/builtin_blocklist.h"

#include "gtest/gtest.h"
#include "scanner/targets/target_policy.h"

namespace starttls {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

TEST(BuiltinBlocklistTest, EveryTableEntryParsesAndIsNormalised) {
  for (const SpecialPurposeRange& r : BuiltinBlockedRanges()) {
    std::optional<Cidr> c = Cidr::Parse(r.cidr);
    ASSERT_TRUE(c.has_value()) << r.cidr;
    // No host bits: the table says exactly what it blocks.
    std::string_view address = r.cidr.substr(0, r.cidr.find('/'));
    EXPECT_EQ(c->network(), *IpAddress::Parse(address)) << r.cidr;
    EXPECT_EQ(r.description.substr(0, r.cidr.size()), r.cidr);
  }
}

TEST(BuiltinBlocklistTest, BlocksSpecialPurposeAddresses) {
  for (const char* blocked :
       {"127.0.0.1",   "10.1.2.3",        "0.0.0.0",           "100.64.0.1",       "169.254.1.1",
        "172.16.0.1",  "172.31.255.255",  "192.0.0.9",         "192.0.2.55",       "192.88.99.1",
        "192.168.1.1", "198.18.0.1",      "198.19.255.255",    "198.51.100.1",     "203.0.113.9",
        "224.0.0.1",   "239.255.255.255", "240.0.0.1",         "255.255.255.255",  "::1",
        "::",          "fe80::1",         "::ffff:8.8.8.8",    "64:ff9b::808:808", "100::1",
        "2001::1",     "2001:db8::25",    "2002:c000:0201::1", "fc00::1",          "fd12:3456::1",
        "ff02::1",     "3fff::1"}) {
    EXPECT_TRUE(BuiltinBlocklist().Contains(Ip(blocked))) << blocked;
  }
}

TEST(BuiltinBlocklistTest, AllowsPublicAddresses) {
  for (const char* allowed : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1",
                              "198.20.0.1", "223.255.255.255", "192.0.3.1", "2606:4700::1111",
                              "2a00:1450:4001::1a", "2001:200::1", "2620:fe::fe"}) {
    EXPECT_FALSE(BuiltinBlocklist().Contains(Ip(allowed))) << allowed;
  }
}

TEST(BuiltinBlocklistTest, ReasonIsMostSpecificRange) {
  EXPECT_EQ(BuiltinBlockReason(Ip("127.0.0.1")), "127.0.0.0/8 Loopback (RFC 1122)");
  EXPECT_EQ(BuiltinBlockReason(Ip("2001:db8::1")), "2001:db8::/32 Documentation (RFC 3849)");
  EXPECT_EQ(BuiltinBlockReason(Ip("2001::1")), "2001::/23 IETF Protocol Assignments (RFC 2928)");
  EXPECT_EQ(BuiltinBlockReason(Ip("8.8.8.8")), "");
}

TEST(TargetPolicyTest, DefaultBlocksReservedAllowsPublic) {
  TargetPolicy policy;
  TargetVerdict v = policy.Decide(Ip("127.0.0.1"));
  EXPECT_EQ(v.decision, TargetDecision::kBuiltinBlocked);
  EXPECT_EQ(v.reason, "built-in blocklist: 127.0.0.0/8 Loopback (RFC 1122)");
  EXPECT_EQ(policy.Decide(Ip("fe80::1")).decision, TargetDecision::kBuiltinBlocked);
  EXPECT_TRUE(policy.Decide(Ip("8.8.8.8")).allowed());
  EXPECT_TRUE(policy.Decide(Ip("2606:4700::1111")).reason.empty());
}

TEST(TargetPolicyTest, AllowReservedLiftsBuiltinOnly) {
  CidrSet user = *CidrSet::ParseText("127.0.0.2\n", "bl");
  TargetPolicy policy(/*allow_reserved=*/true, user, std::nullopt);
  EXPECT_TRUE(policy.Decide(Ip("127.0.0.1")).allowed());
  EXPECT_TRUE(policy.Decide(Ip("::1")).allowed());
  TargetVerdict v = policy.Decide(Ip("127.0.0.2"));
  EXPECT_EQ(v.decision, TargetDecision::kUserBlocked);
  EXPECT_EQ(v.reason, "in the blocklist file");
}

TEST(TargetPolicyTest, AllowlistRestrictsAndBlocklistWins) {
  CidrSet allow = *CidrSet::ParseText("8.8.8.0/24\n127.0.0.0/8\n2606:4700::/32\n", "al");
  CidrSet block = *CidrSet::ParseText("8.8.8.8\n", "bl");
  TargetPolicy policy(/*allow_reserved=*/false, block, allow);
  EXPECT_TRUE(policy.Decide(Ip("8.8.8.4")).allowed());
  EXPECT_TRUE(policy.Decide(Ip("2606:4700::1111")).allowed());
  EXPECT_EQ(policy.Decide(Ip("8.8.8.8")).decision, TargetDecision::kUserBlocked);
  TargetVerdict outside = policy.Decide(Ip("1.1.1.1"));
  EXPECT_EQ(outside.decision, TargetDecision::kNotAllowlisted);
  EXPECT_EQ(outside.reason, "not in the allowlist file");
  // The built-in blocklist still applies to allowlisted reserved space.
  EXPECT_EQ(policy.Decide(Ip("127.0.0.1")).decision, TargetDecision::kBuiltinBlocked);
}

TEST(TargetPolicyTest, EmptyAllowlistAllowsNothing) {
  TargetPolicy policy(/*allow_reserved=*/true, CidrSet(), CidrSet());
  EXPECT_EQ(policy.Decide(Ip("8.8.8.8")).decision, TargetDecision::kNotAllowlisted);
}

}  // namespace
}  // namespace starttls
