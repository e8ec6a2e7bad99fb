#include "scanner/targets/line_reader.h"
#include "tests/scan/input_test_util.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/targets/target_line.h"

namespace starttls {
namespace {

std::FILE* TempStream(const std::string& content) {
  std::FILE* f = std::tmpfile();
  std::fwrite(content.data(), 1, content.size(), f);
  std::rewind(f);
  return f;
}

struct Expected {
  std::string text;  // full line
  bool too_long;
};

// Random line lengths around the cap, in inputs large enough to cross many buffer refills,
// compared with a plain split; both the fd and the FILE* paths.
TEST(LineReaderTest, MatchesReferenceSplitOnRandomInput) {
  std::mt19937_64 rng(2024);
  for (size_t cap : {size_t{1}, size_t{100}, size_t{1024}, size_t{70000}}) {
    std::string content;
    std::vector<Expected> expected;
    while (content.size() < 1500000) {
      size_t len = rng() % 4 == 0 ? rng() % (3 * cap + 2) : rng() % (cap + 2);
      std::string line(len, 'a' + static_cast<char>(rng() % 26));
      content += line;
      content += '\n';
      expected.push_back({line, len > cap});
    }
    bool final_lf = rng() % 2 == 0;
    if (!final_lf) {
      content += "tail";
      expected.push_back({"tail", 4 > cap});
    }
    for (bool use_fd : {false, true}) {
      std::FILE* f = TempStream(content);
      LineReader by_stream(f, cap);
      LineReader by_fd(fileno(f), cap);
      LineReader& reader = use_fd ? by_fd : by_stream;
      LineRecord rec;
      size_t i = 0;
      while (reader.Next(&rec)) {
        ASSERT_LT(i, expected.size()) << "cap=" << cap;
        const Expected& e = expected[i];
        ASSERT_EQ(rec.line_number, i + 1);
        ASSERT_EQ(rec.too_long, e.too_long) << "cap=" << cap << " line " << i + 1;
        ASSERT_EQ(rec.length, e.text.size());
        if (e.too_long) {
          ASSERT_EQ(rec.text, e.text.substr(0, LineReader::kTooLongPrefix));
        } else {
          ASSERT_EQ(rec.text, e.text);
        }
        ++i;
      }
      EXPECT_EQ(i, expected.size()) << "cap=" << cap << " use_fd=" << use_fd;
      EXPECT_TRUE(reader.status().ok());
      std::fclose(f);
    }
  }
}

TEST(LineReaderTest, EmptyInputAndLoneNewline) {
  std::FILE* empty = TempStream("");
  LineReader a(empty);
  LineRecord rec;
  EXPECT_FALSE(a.Next(&rec));
  std::fclose(empty);
  std::FILE* lf = TempStream("\n");
  LineReader b(lf);
  ASSERT_TRUE(b.Next(&rec));
  EXPECT_EQ(rec.text, "");
  EXPECT_FALSE(b.Next(&rec));
  std::fclose(lf);
}

// Arbitrary bytes never crash the parser, and every outcome is self-consistent.
TEST(TargetLineRobustnessTest, RandomBytesYieldTargetsOrNamedErrors) {
  std::mt19937_64 rng(7);
  const std::string alphabet =
      "0123456789abcdefABCDEF.:/,-_# \t\r\x01\xff"
      "xn--";
  ParsedTargetLine out;
  for (int i = 0; i < 200000; ++i) {
    std::string line(rng() % 40, '\0');
    for (char& c : line) {
      c = rng() % 8 == 0 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    }
    ParseTargetLine(line, 42, &out);
    switch (out.outcome) {
      case LineOutcome::kError:
        ASSERT_EQ(out.error.rfind("line 42: ", 0), 0u) << out.error;
        break;
      case LineOutcome::kTarget:
        if (out.target.kind == TargetKind::kDomain) {
          ASSERT_LE(out.target.name.size(), 253u);
          for (char c : out.target.name) ASSERT_TRUE(c == '.' || c == '-' || isalnum(c)) << line;
        }
        break;
      case LineOutcome::kSkip:
        break;
    }
  }
}

// A source that answers "not yet" between pieces (a slow pipe): lines, a too-long line and a
// last line without LF come out whole, and Poll never waits.
TEST(LineReaderTest, PollResumesAcrossPausesAndTooLongLines) {
  auto pipe = std::make_unique<starttls::testing::PipeSource>();
  starttls::testing::PipeSource* writer = pipe.get();
  LineReader reader(std::move(pipe), 16);
  LineRecord rec;
  EXPECT_EQ(reader.Poll(&rec), LinePoll::kNotYet);
  writer->Write("first\nsec");
  ASSERT_EQ(reader.Poll(&rec), LinePoll::kLine);
  EXPECT_EQ(rec.text, "first");
  EXPECT_EQ(reader.Poll(&rec), LinePoll::kNotYet);
  writer->Write("ond\n0123456789");
  ASSERT_EQ(reader.Poll(&rec), LinePoll::kLine);
  EXPECT_EQ(rec.text, "second");
  EXPECT_EQ(reader.Poll(&rec), LinePoll::kNotYet);
  writer->Write("0123456789");  // now over the cap of 16, its end not yet seen
  EXPECT_EQ(reader.Poll(&rec), LinePoll::kNotYet);
  writer->Write("abc\nlast");
  ASSERT_EQ(reader.Poll(&rec), LinePoll::kLine);
  EXPECT_TRUE(rec.too_long);
  EXPECT_EQ(rec.length, 23u);
  EXPECT_EQ(rec.line_number, 3u);
  EXPECT_EQ(reader.Poll(&rec), LinePoll::kNotYet);
  writer->Close();
  ASSERT_EQ(reader.Poll(&rec), LinePoll::kLine);
  EXPECT_EQ(rec.text, "last");
  EXPECT_EQ(reader.Poll(&rec), LinePoll::kEnd);
}

}  // namespace
}  // namespace starttls
