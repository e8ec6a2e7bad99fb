// The bounded DNS answer parser on hand-built messages, hostile ones included.
#include "resolver/dns_answer.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"

namespace starttls {
namespace {

// Builds a DNS message: header, one question, answer records.
class MessageBuilder {
 public:
  explicit MessageBuilder(int rcode = 0, uint16_t ancount = 0) {
    bytes_ = std::string("\xab\xcd\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    bytes_[3] = static_cast<char>(0x80 | rcode);
    SetAncount(ancount);
  }
  void SetAncount(uint16_t n) {
    bytes_[6] = static_cast<char>(n >> 8);
    bytes_[7] = static_cast<char>(n & 0xff);
  }
  void Name(const std::string& dotted) {
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      bytes_.push_back(static_cast<char>(dot - start));
      bytes_.append(dotted, start, dot - start);
      start = dot + 1;
    }
    bytes_.push_back('\0');
  }
  void U16(uint16_t v) {
    bytes_.push_back(static_cast<char>(v >> 8));
    bytes_.push_back(static_cast<char>(v & 0xff));
  }
  void Question(const std::string& name, uint16_t type) {
    Name(name);
    U16(type);
    U16(1);
  }
  // Record header up to RDLENGTH; the caller appends RDATA of that length.
  void Record(const std::string& owner, uint16_t type, uint16_t rdlength) {
    Name(owner);
    U16(type);
    U16(1);
    bytes_.append("\x00\x00\x01\x2c", 4);
    U16(rdlength);
  }
  void Raw(const std::string& b) { bytes_ += b; }
  size_t size() const { return bytes_.size(); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(bytes_.data()); }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

bool Parse(MessageBuilder& m, const std::string& qname, uint16_t qtype, DnsAnswer* out,
           std::string* error, size_t max_records = 32) {
  return ParseDnsAnswer(m.data(), m.size(), qname, qtype, max_records, out, error);
}

TEST(DnsAnswerTest, MxRecordsWithCompressedNames) {
  MessageBuilder m(0, 2);
  m.Question("example.test", kDnsTypeMx);
  // Owner as a pointer to the question name at offset 12.
  m.Raw("\xc0\x0c");
  m.U16(kDnsTypeMx);
  m.U16(1);
  m.Raw(std::string("\x00\x00\x01\x2c", 4));
  m.U16(2 + 5 + 2);
  m.U16(10);
  m.Raw("\x04mail\xc0\x0c");  // mail.example.test
  m.Raw("\xc0\x0c");
  m.U16(kDnsTypeMx);
  m.U16(1);
  m.Raw(std::string("\x00\x00\x01\x2c", 4));
  m.U16(2 + 1);
  m.U16(0);
  m.Raw(std::string("\x00", 1));  // "." (null MX)
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "example.test", kDnsTypeMx, &a, &error)) << error;
  EXPECT_EQ(a.rcode, 0);
  ASSERT_EQ(a.mx.size(), 2u);
  EXPECT_EQ(a.mx[0].preference, 10);
  EXPECT_EQ(a.mx[0].exchange, "mail.example.test");
  EXPECT_EQ(a.mx[1].exchange, "");
  EXPECT_FALSE(a.cname_unresolved);
  EXPECT_EQ(a.final_name, "example.test");
}

// An RRset over the cap keeps the MOST PREFERRED records, wherever they sit in the message
// (a hostile or sloppy server may put its best exchanges last), and says how many it saw.
TEST(DnsAnswerTest, MxOverTheCapKeepsTheMostPreferred) {
  constexpr int kRecords = 40;
  MessageBuilder m(0, kRecords);
  m.Question("big.test", kDnsTypeMx);
  for (int i = 0; i < kRecords; ++i) {
    uint16_t preference = static_cast<uint16_t>(kRecords - i);  // best last
    std::string label = "mx" + std::to_string(i);
    m.Raw("\xc0\x0c");
    m.U16(kDnsTypeMx);
    m.U16(1);
    m.Raw(std::string("\x00\x00\x01\x2c", 4));
    m.U16(static_cast<uint16_t>(2 + 1 + label.size() + 2));
    m.U16(preference);
    m.Raw(std::string(1, static_cast<char>(label.size())) + label + "\xc0\x0c");
  }
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "big.test", kDnsTypeMx, &a, &error, 8)) << error;
  EXPECT_EQ(a.mx_seen, 40u);
  ASSERT_EQ(a.mx.size(), 8u);
  std::vector<uint16_t> kept;
  for (const MxRecord& mx : a.mx) kept.push_back(mx.preference);
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<uint16_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  for (const MxRecord& mx : a.mx) {
    EXPECT_EQ(mx.exchange, "mx" + std::to_string(kRecords - mx.preference) + ".big.test");
  }
}

TEST(DnsAnswerTest, CnameChainIsFollowedAndUnresolvedEndReported) {
  MessageBuilder m(0, 2);
  m.Question("a.test", kDnsTypeA);
  m.Record("A.TEST", kDnsTypeCname, 8);
  m.Name("b.test");
  m.Record("b.test", kDnsTypeA, 4);
  m.Raw(std::string("\xc0\x00\x02\x07", 4));
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeA, &a, &error)) << error;
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0].ToString(), "192.0.2.7");
  EXPECT_EQ(a.final_name, "b.test");
  EXPECT_FALSE(a.cname_unresolved);

  MessageBuilder only(0, 1);
  only.Question("a.test", kDnsTypeAaaa);
  only.Record("a.test", kDnsTypeCname, 8);
  only.Name("c.test");
  ASSERT_TRUE(Parse(only, "a.test", kDnsTypeAaaa, &a, &error)) << error;
  EXPECT_TRUE(a.addresses.empty());
  EXPECT_TRUE(a.cname_unresolved);
  EXPECT_EQ(a.final_name, "c.test");
}

// Owner names are compared where they sit in the message (labels, case, compression):
// names that are a prefix, an extension or a label-split of the qname are not it.
TEST(DnsAnswerTest, OwnerNamesMustMatchExactly) {
  MessageBuilder m(0, 6);
  m.Question("mx.a.test", kDnsTypeA);
  const char* owners[] = {"mx.a.tes", "mx.a.test.x", "xmx.a.test", "mxa.test", "mx.a"};
  for (uint8_t i = 0; i < 5; ++i) {
    m.Record(owners[i], kDnsTypeA, 4);
    m.Raw(std::string("\x0a\x00\x00", 3) + static_cast<char>(i + 1));
  }
  // The real one, as a pointer to the question, in upper case there.
  m.bytes()[13] = 'M';
  m.Raw("\xc0\x0c");
  m.U16(kDnsTypeA);
  m.U16(1);
  m.Raw(std::string("\x00\x00\x01\x2c", 4));
  m.U16(4);
  m.Raw(std::string("\x0a\x00\x00\x09", 4));
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "mx.a.test", kDnsTypeA, &a, &error)) << error;
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0].ToString(), "10.0.0.9");
}

// One DnsAnswer reused for several messages carries nothing over.
TEST(DnsAnswerTest, ReusedAnswerStartsEmpty) {
  MessageBuilder cname(0, 1);
  cname.Question("a.test", kDnsTypeMx);
  cname.Record("a.test", kDnsTypeCname, 8);
  cname.Name("c.test");
  MessageBuilder mx(0, 1);
  mx.Question("b.test", kDnsTypeMx);
  mx.Record("b.test", kDnsTypeMx, 2 + 8);
  mx.U16(5);
  mx.Name("m.test");
  MessageBuilder empty(3, 0);
  empty.Question("c.test", kDnsTypeMx);
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(cname, "a.test", kDnsTypeMx, &a, &error)) << error;
  EXPECT_TRUE(a.cname_unresolved);
  ASSERT_TRUE(Parse(mx, "b.test", kDnsTypeMx, &a, &error)) << error;
  EXPECT_FALSE(a.cname_unresolved);
  EXPECT_EQ(a.final_name, "b.test");
  ASSERT_EQ(a.mx.size(), 1u);
  EXPECT_EQ(a.mx[0].exchange, "m.test");
  ASSERT_TRUE(Parse(empty, "c.test", kDnsTypeMx, &a, &error)) << error;
  EXPECT_EQ(a.rcode, 3);
  EXPECT_TRUE(a.mx.empty());
  EXPECT_FALSE(a.cname_unresolved);
  EXPECT_EQ(a.final_name, "c.test");
  // Two records, then one: the second message's record alone, nothing of the first's.
  MessageBuilder two(0, 2);
  two.Question("d.test", kDnsTypeMx);
  two.Record("d.test", kDnsTypeMx, 2 + 14);
  two.U16(1);
  two.Name("first.d.test");
  two.Record("d.test", kDnsTypeMx, 2 + 15);
  two.U16(2);
  two.Name("second.d.test");
  ASSERT_TRUE(Parse(two, "d.test", kDnsTypeMx, &a, &error)) << error;
  ASSERT_EQ(a.mx.size(), 2u);
  EXPECT_EQ(a.mx[1].exchange, "second.d.test");
  ASSERT_TRUE(Parse(mx, "b.test", kDnsTypeMx, &a, &error)) << error;
  ASSERT_EQ(a.mx.size(), 1u);
  EXPECT_EQ(a.mx[0].exchange, "m.test");
  EXPECT_EQ(a.mx[0].preference, 5);
  EXPECT_TRUE(a.mx[0].exchange_printable);
  // A malformed message leaves no record behind either.
  MessageBuilder bad(0, 1);
  bad.Question("e.test", kDnsTypeMx);
  bad.Record("e.test", kDnsTypeMx, 2);
  bad.U16(1);
  EXPECT_FALSE(Parse(bad, "e.test", kDnsTypeMx, &a, &error));
  EXPECT_TRUE(a.mx.empty());
}

TEST(DnsAnswerTest, RecordsOfOtherOwnersAreIgnored) {
  MessageBuilder m(0, 1);
  m.Question("a.test", kDnsTypeA);
  m.Record("evil.test", kDnsTypeA, 4);
  m.Raw("\x01\x02\x03\x04");
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  EXPECT_TRUE(a.addresses.empty());
  EXPECT_FALSE(a.cname_unresolved);
}

TEST(DnsAnswerTest, CnameLoopEnds) {
  MessageBuilder m(0, 2);
  m.Question("a.test", kDnsTypeA);
  m.Record("a.test", kDnsTypeCname, 8);
  m.Name("b.test");
  m.Record("b.test", kDnsTypeCname, 8);
  m.Name("a.test");
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  EXPECT_TRUE(a.addresses.empty());
}

TEST(DnsAnswerTest, RecordCapApplies) {
  MessageBuilder m(0, 5);
  m.Question("a.test", kDnsTypeAaaa);
  for (int i = 0; i < 5; ++i) {
    m.Record("a.test", kDnsTypeAaaa, 16);
    m.Raw(std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') +
          std::string(1, static_cast<char>(i)));
  }
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeAaaa, &a, &error, 3));
  ASSERT_EQ(a.addresses.size(), 3u);
  EXPECT_EQ(a.addresses[2].ToString(), "2001:db8::2");
}

TEST(DnsAnswerTest, RcodeAndTruncationBits) {
  MessageBuilder m(3, 0);
  m.bytes()[2] |= 0x02;
  m.Question("a.test", kDnsTypeMx);
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeMx, &a, &error));
  EXPECT_EQ(a.rcode, 3);
  EXPECT_TRUE(a.truncated);
}

TEST(DnsAnswerTest, MalformedMessagesAreRejected) {
  DnsAnswer a;
  std::string error;
  {
    MessageBuilder m(0, 0);
    m.bytes().resize(11);
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  }
  {  // Pointer to itself: a loop.
    MessageBuilder m(0, 1);
    m.Question("a.test", kDnsTypeA);
    const size_t at = m.size();
    m.Raw(std::string(1, static_cast<char>(0xc0)) + std::string(1, static_cast<char>(at)));
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  }
  {  // Forward pointer.
    MessageBuilder m(0, 1);
    m.Question("a.test", kDnsTypeA);
    m.Raw("\xc0\x7f");
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  }
  {  // RDATA past the end.
    MessageBuilder m(0, 1);
    m.Question("a.test", kDnsTypeA);
    m.Record("a.test", kDnsTypeA, 40);
    m.Raw("\x01\x02\x03\x04");
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeA, &a, &error));
    EXPECT_EQ(error, "DNS record data runs past the message");
  }
  {  // More answers claimed than present.
    MessageBuilder m(0, 65535);
    m.Question("a.test", kDnsTypeA);
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  }
  {  // MX exchange name overrunning its RDATA.
    MessageBuilder m(0, 1);
    m.Question("a.test", kDnsTypeMx);
    m.Record("a.test", kDnsTypeMx, 3);
    m.U16(1);
    m.Raw("\x04mail\x00");
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeMx, &a, &error));
  }
  {  // Name longer than 255 octets.
    MessageBuilder m(0, 0);
    std::string name;
    for (int i = 0; i < 5; ++i) name += std::string(63, 'a') + ".";
    name.pop_back();
    m.Question(name, kDnsTypeA);
    EXPECT_FALSE(Parse(m, "a.test", kDnsTypeA, &a, &error));
  }
}

TEST(DnsAnswerTest, UnprintableLabelsAreFlagged) {
  MessageBuilder m(0, 1);
  m.Question("a.test", kDnsTypeMx);
  m.Record("a.test", kDnsTypeMx, 2 + 10);
  m.U16(5);
  m.Raw(
      std::string("\x03"
                  "a.b"
                  "\x04"
                  "test\x00",
                  10));
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeMx, &a, &error)) << error;
  ASSERT_EQ(a.mx.size(), 1u);
  EXPECT_EQ(a.mx[0].exchange, "a.b.test");
  EXPECT_FALSE(a.mx[0].exchange_printable);
}

TEST(DnsAnswerTest, AuthenticatedDataBit) {
  MessageBuilder m(0, 0);
  m.Question("a.test", kDnsTypeTlsa);
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeTlsa, &a, &error));
  EXPECT_FALSE(a.authenticated_data);
  m.bytes()[3] |= 0x20;
  ASSERT_TRUE(Parse(m, "a.test", kDnsTypeTlsa, &a, &error));
  EXPECT_TRUE(a.authenticated_data);
  EXPECT_EQ(a.rcode, 0);
  // AD with SERVFAIL: both reported as they are.
  MessageBuilder servfail(2, 0);
  servfail.bytes()[3] |= 0x20;
  servfail.Question("a.test", kDnsTypeTlsa);
  ASSERT_TRUE(Parse(servfail, "a.test", kDnsTypeTlsa, &a, &error));
  EXPECT_EQ(a.rcode, 2);
  EXPECT_TRUE(a.authenticated_data);
}

// RFC 7672 §2.2.3: TLSA records are looked up through CNAMEs; the records of the chain's end
// are the answer, those of other owners are not.
TEST(DnsAnswerTest, TlsaRecordsThroughACname) {
  MessageBuilder m(0, 4);
  m.bytes()[3] |= 0x20;
  m.Question("_25._tcp.mx.a.test", kDnsTypeTlsa);
  m.Record("_25._tcp.MX.a.test", kDnsTypeCname, 22);
  m.Name("_25._tcp.tlsa.b.test");
  m.Record("_25._tcp.other.test", kDnsTypeTlsa, 3 + 2);
  m.Raw(std::string("\x03\x01\x01\xee\xee", 5));
  m.Record("_25._tcp.tlsa.b.test", kDnsTypeTlsa, 3 + 32);
  m.Raw(std::string("\x03\x01\x01", 3) + std::string(32, '\x5a'));
  m.Record("_25._tcp.tlsa.b.test", kDnsTypeTlsa, 3);  // no data at all: kept, unusable
  m.Raw(std::string("\x02\x00\x00", 3));
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "_25._tcp.mx.a.test", kDnsTypeTlsa, &a, &error)) << error;
  EXPECT_TRUE(a.authenticated_data);
  EXPECT_EQ(a.final_name, "_25._tcp.tlsa.b.test");
  EXPECT_FALSE(a.cname_unresolved);
  ASSERT_EQ(a.tlsa.size(), 2u);
  EXPECT_EQ(a.tlsa[0], (TlsaRecord{3, 1, 1, std::string(32, '\x5a')}));
  EXPECT_EQ(a.tlsa[1], (TlsaRecord{2, 0, 0, ""}));
  EXPECT_TRUE(a.mx.empty());
  EXPECT_TRUE(a.txt.empty());
  EXPECT_TRUE(a.addresses.empty());

  // Cap: at most max_records TLSA records are kept.
  ASSERT_TRUE(Parse(m, "_25._tcp.mx.a.test", kDnsTypeTlsa, &a, &error, 1)) << error;
  ASSERT_EQ(a.tlsa.size(), 1u);

  MessageBuilder cname_only(0, 1);
  cname_only.Question("_25._tcp.mx.a.test", kDnsTypeTlsa);
  cname_only.Record("_25._tcp.mx.a.test", kDnsTypeCname, 22);
  cname_only.Name("_25._tcp.tlsa.b.test");
  ASSERT_TRUE(Parse(cname_only, "_25._tcp.mx.a.test", kDnsTypeTlsa, &a, &error)) << error;
  EXPECT_TRUE(a.tlsa.empty());
  EXPECT_TRUE(a.cname_unresolved);
}

TEST(DnsAnswerTest, TlsaRecordShorterThanItsFixedFieldsIsMalformed) {
  MessageBuilder m(0, 1);
  m.Question("t.test", kDnsTypeTlsa);
  m.Record("t.test", kDnsTypeTlsa, 2);
  m.Raw(std::string("\x03\x01", 2));
  DnsAnswer a;
  std::string error;
  EXPECT_FALSE(Parse(m, "t.test", kDnsTypeTlsa, &a, &error));
  EXPECT_EQ(error, "TLSA record too short");
  EXPECT_TRUE(a.tlsa.empty());
}

TEST(DnsAnswerTest, TxtStringsAreJoinedPerRecord) {
  MessageBuilder m(0, 4);
  m.Question("_mta-sts.a.test", kDnsTypeTxt);
  // One record split in two character-strings, as long TXT values are.
  m.Record("_mta-sts.a.test", kDnsTypeTxt, 1 + 8 + 1 + 12);
  m.Raw("\x08v=STSv1;\x0c id=20240101");
  m.Record("_mta-sts.a.test", kDnsTypeTxt, 1 + 5);
  m.Raw("\x05other");
  m.Record("_mta-sts.a.test", kDnsTypeTxt, 1);  // one empty string
  m.Raw(std::string("\x00", 1));
  m.Record("x.a.test", kDnsTypeTxt, 1 + 3);  // another owner
  m.Raw("\x03no!");
  DnsAnswer a;
  std::string error;
  ASSERT_TRUE(Parse(m, "_mta-sts.a.test", kDnsTypeTxt, &a, &error)) << error;
  ASSERT_EQ(a.txt.size(), 3u);
  EXPECT_EQ(a.txt[0], "v=STSv1; id=20240101");
  EXPECT_EQ(a.txt[1], "other");
  EXPECT_EQ(a.txt[2], "");
  ASSERT_TRUE(Parse(m, "_mta-sts.a.test", kDnsTypeTxt, &a, &error, 2)) << error;
  EXPECT_EQ(a.txt.size(), 2u);
}

TEST(DnsAnswerTest, TxtStringRunningPastItsRecordIsMalformed) {
  MessageBuilder m(0, 2);
  m.Question("t.test", kDnsTypeTxt);
  m.Record("t.test", kDnsTypeTxt, 4);
  m.Raw(
      "\x03"
      "abc");
  // Claims 9 octets in a 4-octet RDATA, although the message goes on past it.
  m.Record("t.test", kDnsTypeTxt, 4);
  m.Raw(
      "\x09"
      "abcdefghijklmn");
  DnsAnswer a;
  std::string error;
  EXPECT_FALSE(Parse(m, "t.test", kDnsTypeTxt, &a, &error));
  EXPECT_EQ(error, "TXT character-string runs past its record");
  EXPECT_TRUE(a.txt.empty());
}

}  // namespace
}  // namespace starttls
