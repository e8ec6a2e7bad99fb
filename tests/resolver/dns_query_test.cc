// The DNS query builder: exact bytes, names checked and bounded, and the message read back
// by the answer parser's own name reader.
#include "resolver/dns_query.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "resolver/dns_answer.h"

namespace starttls {
namespace {

std::vector<uint8_t> Bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

TEST(DnsQueryTest, TlsaQueryWithAdDoAndOpt) {
  std::vector<uint8_t> q;
  std::string error;
  ASSERT_TRUE(
      BuildDnsQuery(0xBEEF, "_25._tcp.mx.example", kDnsTypeTlsa, DnsQueryOptions{}, &q, &error))
      << error;
  const std::string expected =
      std::string(
          "\xBE\xEF"  // ID
          "\x01\x20"  // RD; AD
          "\x00\x01\x00\x00\x00\x00\x00\x01",
          12) +  // QD 1, AN 0, NS 0, AR 1
      std::string(
          "\x03_25\x04_tcp\x02mx\x07"
          "example\x00",
          21) +
      std::string("\x00\x34\x00\x01", 4) +                              // TLSA, IN
      std::string("\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00", 11);  // OPT 1232, DO
  EXPECT_EQ(q, Bytes(expected));
  // The OPT record is exactly the last 11 octets (what c-ares strips on a FORMERR fallback).
  EXPECT_EQ(q.size() - 11, 12u + 21u + 4u);
}

TEST(DnsQueryTest, TxtQueryWithoutEdnsAndWithoutFlags) {
  DnsQueryOptions options;
  options.edns = false;
  options.recursion_desired = false;
  options.authenticated_data = false;
  std::vector<uint8_t> q;
  std::string error;
  ASSERT_TRUE(BuildDnsQuery(7, "_mta-sts.Example.ORG.", kDnsTypeTxt, options, &q, &error));
  const std::string expected = std::string("\x00\x07\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12) +
                               std::string(
                                   "\x08_mta-sts\x07"
                                   "Example\x03ORG\x00",
                                   22) +
                               std::string("\x00\x10\x00\x01", 4);
  EXPECT_EQ(q, Bytes(expected));
}

TEST(DnsQueryTest, ReadsBackThroughTheAnswerParser) {
  std::vector<uint8_t> q;
  std::string error;
  DnsQueryOptions options;
  options.udp_payload_bytes = 4096;
  options.dnssec_ok = false;
  ASSERT_TRUE(BuildDnsQuery(1, "_smtp._tls.example.org", kDnsTypeTxt, options, &q, &error));
  size_t offset = 12;
  std::string name;
  bool printable = false;
  ASSERT_TRUE(ReadDnsName(q.data(), q.size(), &offset, &name, &printable));
  EXPECT_EQ(name, "_smtp._tls.example.org");
  EXPECT_TRUE(printable);
  ASSERT_EQ(q.size(), offset + 4 + 11);
  EXPECT_EQ(q[offset + 1], kDnsTypeTxt);
  EXPECT_EQ((q[offset + 4 + 3] << 8) | q[offset + 4 + 4], 4096);  // OPT CLASS
  EXPECT_EQ(q[offset + 4 + 7], 0x00);                             // DO clear
  // A query parses as a message with no answers.
  DnsAnswer answer;
  ASSERT_TRUE(ParseDnsAnswer(q.data(), q.size(), name, kDnsTypeTxt, 8, &answer, &error));
  EXPECT_TRUE(answer.txt.empty());
  EXPECT_TRUE(answer.authenticated_data);  // the query's own AD bit
}

TEST(DnsQueryTest, NamesAreCheckedAndBounded) {
  std::vector<uint8_t> q = {1, 2, 3};
  std::string error;
  const std::string label63(63, 'a');
  // 4 labels of 63 + 1 label of 1: 4*64 + 2 + 1 = 259 octets: too long; 3*64+62+... fits.
  EXPECT_TRUE(BuildDnsQuery(1, label63, kDnsTypeA, {}, &q, &error));
  EXPECT_FALSE(BuildDnsQuery(1, label63 + "a", kDnsTypeA, {}, &q, &error));
  EXPECT_EQ(error, "DNS label longer than 63 octets");
  EXPECT_TRUE(q.empty());
  const std::string fits = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  EXPECT_TRUE(BuildDnsQuery(1, fits, kDnsTypeA, {}, &q, &error));  // 3*64 + 62 + 1 = 255
  EXPECT_FALSE(BuildDnsQuery(1, fits + "b", kDnsTypeA, {}, &q, &error));
  EXPECT_EQ(error, "DNS name longer than 255 octets");
  for (const char* bad : {"", ".", "a..b", ".a", "a b", "a\\.b", "mx.exa\xc3\xa9mple", "a*.b"}) {
    EXPECT_FALSE(BuildDnsQuery(1, bad, kDnsTypeA, {}, &q, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
  std::vector<uint8_t> out = {9};
  EXPECT_FALSE(AppendDnsName("a..b", &out, &error));
  EXPECT_EQ(out, std::vector<uint8_t>{9});  // untouched
  EXPECT_TRUE(AppendDnsName("a.b.", &out, &error));
  EXPECT_EQ(out, (std::vector<uint8_t>{9, 1, 'a', 1, 'b', 0}));
}

TEST(DnsQueryTest, PayloadSizeHasAFloorOf512) {
  DnsQueryOptions options;
  options.udp_payload_bytes = 100;
  std::vector<uint8_t> q;
  std::string error;
  ASSERT_TRUE(BuildDnsQuery(1, "a.test", kDnsTypeA, options, &q, &error));
  EXPECT_EQ((q[q.size() - 8] << 8) | q[q.size() - 7], 512);
}

}  // namespace
}  // namespace starttls
