// TLSA usability and the domain's DANE state (docs/rules.md §8, RFC 7672 §2.2, §3.1).
#include "scanner/policy/dane_state.h"

#include <string>

#include "gtest/gtest.h"
#include "scanner/policy/tlsa_record.h"

namespace starttls {
namespace {

const std::string kSha256(32, '\x11');
const std::string kSha512(64, '\x22');

TEST(TlsaRecordTest, UsableForSmtp) {
  EXPECT_TRUE(IsUsableForSmtp({3, 1, 1, kSha256}));
  EXPECT_TRUE(IsUsableForSmtp({3, 0, 2, kSha512}));
  EXPECT_TRUE(IsUsableForSmtp({2, 0, 1, kSha256}));
  EXPECT_TRUE(IsUsableForSmtp({2, 1, 0, "spki der"}));
  // PKIX usages are unusable for SMTP (RFC 7672 §3.1.3).
  EXPECT_FALSE(IsUsableForSmtp({0, 0, 1, kSha256}));
  EXPECT_FALSE(IsUsableForSmtp({1, 1, 1, kSha256}));
  EXPECT_FALSE(IsUsableForSmtp({4, 1, 1, kSha256}));
  EXPECT_FALSE(IsUsableForSmtp({3, 2, 1, kSha256}));
  EXPECT_FALSE(IsUsableForSmtp({3, 1, 3, kSha256}));
  // A digest of the wrong length, or empty full data, can never match.
  EXPECT_FALSE(IsUsableForSmtp({3, 1, 1, kSha512}));
  EXPECT_FALSE(IsUsableForSmtp({3, 1, 2, kSha256}));
  EXPECT_FALSE(IsUsableForSmtp({3, 1, 0, ""}));
  EXPECT_EQ(TlsaDataHex({3, 1, 1, std::string("\x00\xab\xFF", 3)}), "00abff");
}

TEST(DaneStateTest, DnssecStatusFromRcodeAndAd) {
  EXPECT_EQ(DnssecStatusOf({0, true}), DnssecStatus::kSecure);
  EXPECT_EQ(DnssecStatusOf({3, true}), DnssecStatus::kSecure);  // a secure denial
  EXPECT_EQ(DnssecStatusOf({0, false}), DnssecStatus::kInsecure);
  EXPECT_EQ(DnssecStatusOf({3, false}), DnssecStatus::kInsecure);
  EXPECT_EQ(DnssecStatusOf({2, false}), DnssecStatus::kBogus);
  EXPECT_EQ(DnssecStatusOf({5, false}), DnssecStatus::kIndeterminate);  // REFUSED
  EXPECT_EQ(DnssecStatusOf({std::nullopt, false}), DnssecStatus::kIndeterminate);
  EXPECT_EQ(DnssecStatusName(DnssecStatus::kIndeterminate), "indeterminate");
}

DaneMxInput Host(std::string mx, DnsLookupOutcome lookup, std::vector<TlsaRecord> tlsa,
                 bool name_signed = true) {
  DaneMxInput host;
  host.mx = std::move(mx);
  host.name_signed = name_signed;
  host.tlsa_lookup = lookup;
  host.tlsa = std::move(tlsa);
  return host;
}

TEST(DaneStateTest, Usable) {
  DaneInput input;
  input.mx_rrset = DnssecStatus::kSecure;
  input.hosts.push_back(Host("mx1", {0, true}, {{1, 1, 1, kSha256}, {3, 1, 1, kSha256}}));
  input.hosts.push_back(Host("mx2", {3, true}, {}));
  const DaneVerdict v = JudgeDane(input);
  EXPECT_EQ(v.state, DaneState::kUsable);
  EXPECT_EQ(DaneStateName(v.state), "usable");
  EXPECT_EQ(v.dnssec, DnssecStatus::kSecure);
  ASSERT_EQ(v.hosts.size(), 2u);
  EXPECT_TRUE(v.hosts[0].secure);
  EXPECT_TRUE(v.hosts[0].usable);
  EXPECT_TRUE(v.hosts[1].secure);  // a secure denial: secure, no records
  EXPECT_FALSE(v.hosts[1].usable);
}

TEST(DaneStateTest, UnusableWhenSecureRecordsAreAllUnusable) {
  DaneInput input;
  input.mx_rrset = DnssecStatus::kSecure;
  input.hosts.push_back(Host("mx1", {0, true}, {{1, 1, 1, kSha256}, {0, 0, 1, kSha256}}));
  EXPECT_EQ(JudgeDane(input).state, DaneState::kUnusable);
  EXPECT_EQ(DaneStateName(DaneState::kUnusable), "unusable");
}

TEST(DaneStateTest, NoneWhenTheMxRrsetIsNotSecure) {
  for (DnssecStatus mx :
       {DnssecStatus::kInsecure, DnssecStatus::kBogus, DnssecStatus::kIndeterminate}) {
    DaneInput input;
    input.mx_rrset = mx;
    input.hosts.push_back(Host("mx1", {0, true}, {{3, 1, 1, kSha256}}));
    const DaneVerdict v = JudgeDane(input);
    EXPECT_EQ(v.state, DaneState::kNone);
    EXPECT_EQ(v.dnssec, mx);
    EXPECT_TRUE(v.hosts[0].usable);  // the host's own facts are still reported
  }
}

TEST(DaneStateTest, NoneWithoutSecureTlsa) {
  DaneInput input;
  input.mx_rrset = DnssecStatus::kSecure;
  input.hosts.push_back(Host("mx1", {3, true}, {}));                          // secure denial
  input.hosts.push_back(Host("mx2", {0, false}, {{3, 1, 1, kSha256}}));       // insecure records
  input.hosts.push_back(Host("mx3", {std::nullopt, false}, {}));              // no answer
  input.hosts.push_back(Host("mx4", {2, false}, {}, /*name_signed=*/false));  // unsigned
  const DaneVerdict v = JudgeDane(input);
  EXPECT_EQ(v.state, DaneState::kNone);
  EXPECT_FALSE(v.hosts[1].secure);
  EXPECT_FALSE(v.hosts[1].usable);
  EXPECT_EQ(v.hosts[2].tlsa, DnssecStatus::kIndeterminate);
  EXPECT_EQ(v.hosts[3].tlsa, DnssecStatus::kInsecure);
  EXPECT_FALSE(v.hosts[3].bogus);
  EXPECT_EQ(JudgeDane(DaneInput{DnssecStatus::kSecure, {}}).state, DaneState::kNone);
}

TEST(DaneStateTest, BogusOnServfailOfASignedName) {
  DaneInput input;
  input.mx_rrset = DnssecStatus::kSecure;
  input.hosts.push_back(Host("mx1", {0, true}, {{3, 1, 1, kSha256}}));
  input.hosts.push_back(Host("mx2", {2, false}, {}, /*name_signed=*/true));
  const DaneVerdict v = JudgeDane(input);
  EXPECT_EQ(v.state, DaneState::kBogus);  // above usable: the sender defers for mx2
  EXPECT_TRUE(v.hosts[1].bogus);
  EXPECT_FALSE(v.hosts[1].secure);
  EXPECT_EQ(DaneStateName(v.state), "bogus");
}

}  // namespace
}  // namespace starttls
