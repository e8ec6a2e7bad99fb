#include "scanner/targets/target_line.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

struct AcceptCase {
  const char* line;
  TargetKind kind;
  const char* canonical;  // address, CIDR or name as normalised
  const char* name;       // for kAddressWithName
};

TEST(TargetLineTest, AcceptsTable) {
  const AcceptCase cases[] = {
      {"192.0.2.1", TargetKind::kAddress, "192.0.2.1", ""},
      {"  192.0.2.1  # lab host", TargetKind::kAddress, "192.0.2.1", ""},
      {"2001:DB8::1\r", TargetKind::kAddress, "2001:db8::1", ""},
      {"10.0.0.0/8", TargetKind::kCidr, "10.0.0.0/8", ""},
      {"10.1.2.3/24", TargetKind::kCidr, "10.1.2.0/24", ""},
      {"2001:db8::/48", TargetKind::kCidr, "2001:db8::/48", ""},
      {"1.2.3.4/32", TargetKind::kCidr, "1.2.3.4/32", ""},
      {"192.0.2.1,mx1.Example.COM", TargetKind::kAddressWithName, "192.0.2.1", "mx1.example.com"},
      {"2001:db8::25 , mx.example.org.", TargetKind::kAddressWithName, "2001:db8::25",
       "mx.example.org"},
      {"Example.COM", TargetKind::kDomain, "example.com", ""},
      {"example.com.", TargetKind::kDomain, "example.com", ""},
      {"xn--bcher-kva.example", TargetKind::kDomain, "xn--bcher-kva.example", ""},
      {"a-b.c0.xn--p1ai", TargetKind::kDomain, "a-b.c0.xn--p1ai", ""},
      {"123.example", TargetKind::kDomain, "123.example", ""},
      {"mail.example.com\t", TargetKind::kDomain, "mail.example.com", ""},
  };
  for (const AcceptCase& c : cases) {
    ParsedTargetLine p = ParseTargetLine(c.line, 7);
    ASSERT_EQ(p.outcome, LineOutcome::kTarget) << c.line << " -> " << p.error;
    EXPECT_EQ(p.target.kind, c.kind) << c.line;
    switch (c.kind) {
      case TargetKind::kAddress:
        EXPECT_EQ(p.target.address.ToString(), c.canonical) << c.line;
        break;
      case TargetKind::kCidr:
        EXPECT_EQ(p.target.cidr.ToString(), c.canonical) << c.line;
        break;
      case TargetKind::kDomain:
        EXPECT_EQ(p.target.name, c.canonical) << c.line;
        break;
      case TargetKind::kAddressWithName:
        EXPECT_EQ(p.target.address.ToString(), c.canonical) << c.line;
        EXPECT_EQ(p.target.name, c.name) << c.line;
        break;
    }
  }
}

TEST(TargetLineTest, SkipsBlankAndComment) {
  for (const char* line : {"", "   ", "\t\r", "# comment", "   # indented comment"}) {
    EXPECT_EQ(ParseTargetLine(line, 1).outcome, LineOutcome::kSkip) << line;
  }
}

struct RejectCase {
  std::string line;
  std::string error;  // exact expected text for line number 17
};

TEST(TargetLineTest, RejectsTableWithLineNumber) {
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  // 253 characters: 3 labels of 63 + "." separators + a 61-character label = 253.
  const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  const std::string name254 = name253 + "c";
  ASSERT_EQ(name253.size(), 253u);
  EXPECT_EQ(ParseTargetLine(name253, 1).outcome, LineOutcome::kTarget);
  EXPECT_EQ(ParseTargetLine(name253 + ".", 1).outcome, LineOutcome::kTarget);
  EXPECT_EQ(ParseTargetLine(label63 + ".com", 1).outcome, LineOutcome::kTarget);

  const std::string p = "line 17: not an IP, CIDR or domain name: ";
  const RejectCase cases[] = {
      {"1.2.3.4/33", p + "1.2.3.4/33 (bad CIDR: address or prefix length invalid)"},
      {"::/129", p + "::/129 (bad CIDR: address or prefix length invalid)"},
      {"garbage!", p + "garbage! (character not allowed in a host name)"},
      {"hello world", p + "hello world (character not allowed in a host name)"},
      {label64 + ".com", p + label64 + "... (label longer than 63 characters)"},
      {name254, p + name254.substr(0, 64) + "... (name longer than 253 characters)"},
      {"localhost", p + "localhost (a single label is no mail domain)"},
      {"1.2.3.999", p + "1.2.3.999 (all-numeric top-level label)"},
      {"-bad.example", p + "-bad.example (label starts or ends with '-')"},
      {"bad-.example", p + "bad-.example (label starts or ends with '-')"},
      {"a..example", p + "a..example (empty label)"},
      {".example", p + ".example (empty label)"},
      {"example.com..", p + "example.com.. (empty label)"},
      {"_dmarc.example.com", p + "_dmarc.example.com ('_' is not allowed in a host name)"},
      {"b\xc3\xbc"
       "cher.example",
       p + "b\\xc3\\xbccher.example (non-ASCII character: give IDNA A-labels (xn--...))"},
      {"01.2.3.4", p + "01.2.3.4 (all-numeric top-level label)"},
      {"1.2.3.4,", "line 17: not an address,name pair: 1.2.3.4, (bad name: empty name)"},
      {"example.com,mx.example.com",
       "line 17: not an address,name pair: example.com,mx.example.com (the part before ',' is "
       "not an IP address)"},
      {"1.2.3.4,mx_1.example",
       "line 17: not an address,name pair: 1.2.3.4,mx_1.example (bad name: '_' is not allowed "
       "in a host name)"},
      {std::string("a\0b.example", 11),
       p + "a\\x00b.example (character not allowed in a host name)"},
  };
  for (const RejectCase& c : cases) {
    ParsedTargetLine parsed = ParseTargetLine(c.line, 17);
    EXPECT_EQ(parsed.outcome, LineOutcome::kError) << c.line;
    EXPECT_EQ(parsed.error, c.error);
  }
}

TEST(TargetLineTest, OverlongLineIsAnError) {
  ParsedTargetLine parsed = ParseTargetLine(std::string(kMaxTargetLineBytes + 1, 'a'), 3);
  EXPECT_EQ(parsed.outcome, LineOutcome::kError);
  EXPECT_EQ(parsed.error, "line 3: line longer than 1024 bytes");
}

TEST(TargetLineTest, ReusedOutputIsReset) {
  ParsedTargetLine out;
  ParseTargetLine("bad line!", 1, &out);
  ASSERT_EQ(out.outcome, LineOutcome::kError);
  ParseTargetLine("example.net", 2, &out);
  EXPECT_EQ(out.outcome, LineOutcome::kTarget);
  EXPECT_TRUE(out.error.empty());
  ParseTargetLine("192.0.2.1", 3, &out);
  EXPECT_EQ(out.target.kind, TargetKind::kAddress);
  EXPECT_TRUE(out.target.name.empty());
}

// Writes content to an unlinked temporary file and returns it rewound.
std::FILE* TempStream(const std::string& content) {
  std::FILE* f = std::tmpfile();
  std::fwrite(content.data(), 1, content.size(), f);
  std::rewind(f);
  return f;
}

TEST(TargetReaderTest, StreamsTargetsAndErrorsSkippingComments) {
  std::FILE* f = TempStream("# header\nexample.com\n\n192.0.2.1\nnot valid!\n10.0.0.0/30");
  TargetReader reader(f);
  TargetRecord rec;
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.line_number, 2u);
  EXPECT_EQ(rec.raw_line, "example.com");
  EXPECT_EQ(rec.parsed.target.kind, TargetKind::kDomain);
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.line_number, 4u);
  EXPECT_EQ(rec.parsed.target.kind, TargetKind::kAddress);
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.line_number, 5u);
  EXPECT_EQ(rec.parsed.outcome, LineOutcome::kError);
  EXPECT_EQ(rec.parsed.error,
            "line 5: not an IP, CIDR or domain name: not valid! (character not allowed in a "
            "host name)");
  ASSERT_TRUE(reader.Next(&rec));  // last line without LF
  EXPECT_EQ(rec.line_number, 6u);
  EXPECT_EQ(rec.parsed.target.kind, TargetKind::kCidr);
  EXPECT_FALSE(reader.Next(&rec));
  EXPECT_TRUE(reader.status().ok());
  EXPECT_EQ(reader.lines_read(), 6u);
  std::fclose(f);
}

// A 2 MB line becomes one error record for its line number; the lines after it still come.
TEST(TargetReaderTest, TwoMegabyteLineIsErrorRecordAndReadingContinues) {
  std::string huge(2 * 1024 * 1024, 'x');
  std::string content = "a.example\n" + huge + "\nb.example\n" + huge + "\n" + "192.0.2.9\n";
  for (bool use_fd : {false, true}) {
    std::FILE* f = TempStream(content);
    TargetReader reader_stream(f);
    TargetReader reader_fd(fileno(f));
    TargetReader& reader = use_fd ? reader_fd : reader_stream;
    std::vector<TargetRecord> got;
    TargetRecord rec;
    while (reader.Next(&rec)) {
      got.push_back(rec);
      got.back().raw_line = {};  // views die at the next call
    }
    ASSERT_TRUE(reader.status().ok());
    ASSERT_EQ(got.size(), 5u) << "use_fd=" << use_fd;
    EXPECT_EQ(got[0].parsed.target.name, "a.example");
    EXPECT_EQ(got[1].line_number, 2u);
    EXPECT_EQ(got[1].parsed.outcome, LineOutcome::kError);
    EXPECT_EQ(got[1].parsed.error, "line 2: line longer than 1024 bytes (2097152 bytes): " +
                                       std::string(64, 'x') + "...");
    EXPECT_EQ(got[2].line_number, 3u);
    EXPECT_EQ(got[2].parsed.target.name, "b.example");
    EXPECT_EQ(got[3].line_number, 4u);
    EXPECT_EQ(got[3].parsed.outcome, LineOutcome::kError);
    EXPECT_EQ(got[4].line_number, 5u);
    EXPECT_EQ(got[4].parsed.target.address.ToString(), "192.0.2.9");
    std::fclose(f);
  }
}

TEST(TargetReaderTest, LineExactlyAtCapIsParsedOneOverIsNot) {
  std::string at_cap = std::string(kMaxTargetLineBytes - 4, 'a') + ".com";
  std::string over = "b" + at_cap;
  std::FILE* f = TempStream(at_cap + "\n" + over + "\n");
  TargetReader reader(f);
  TargetRecord rec;
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_EQ(rec.parsed.outcome, LineOutcome::kError);  // within the line cap, but no name
  EXPECT_NE(rec.parsed.error.find("name longer than 253"), std::string::npos) << rec.parsed.error;
  ASSERT_TRUE(reader.Next(&rec));
  EXPECT_NE(rec.parsed.error.find("line longer than 1024 bytes (1025 bytes)"), std::string::npos)
      << rec.parsed.error;
  EXPECT_FALSE(reader.Next(&rec));
  std::fclose(f);
}

TEST(TargetReaderTest, ManyLinesStreamInBoundedBuffer) {
  // 200k short lines through a pipe-like fd: proves streaming across buffer refills.
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "h" + std::to_string(i) + ".example\n";
  std::FILE* f = TempStream(content);
  TargetReader reader(fileno(f));
  TargetRecord rec;
  uint64_t n = 0;
  while (reader.Next(&rec)) {
    ASSERT_EQ(rec.parsed.outcome, LineOutcome::kTarget);
    ASSERT_EQ(rec.parsed.target.name, "h" + std::to_string(n) + ".example");
    ++n;
  }
  EXPECT_EQ(n, 200000u);
  std::fclose(f);
}

TEST(TargetReaderTest, ReadErrorIsReported) {
  TargetReader reader(-1);
  TargetRecord rec;
  EXPECT_FALSE(reader.Next(&rec));
  EXPECT_FALSE(reader.status().ok());
}

}  // namespace
}  // namespace starttls
