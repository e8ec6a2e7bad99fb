// The MTA-STS policy text (RFC 8461 §3.2).
#include "scanner/policy/mta_sts_policy.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

using Strings = std::vector<std::string>;

TEST(MtaStsPolicyTest, TheRfcExample) {
  const MtaStsPolicy p = ParseMtaStsPolicy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.mode, MtaStsMode::kEnforce);
  EXPECT_EQ(p.max_age, 604800u);
  EXPECT_EQ(p.mx, (Strings{"mail.example.com", "*.example.net", "backupmx.example.com"}));
  EXPECT_TRUE(p.errors.empty()) << p.errors[0];
}

TEST(MtaStsPolicyTest, LfLinesNoFinalNewlineSpacesAndUnknownKeys) {
  const MtaStsPolicy p = ParseMtaStsPolicy(
      "version:STSv1\nmode:\t testing  \nx-extension: anything at all\nmx: MX.Example.org.\n"
      "max_age: 0");
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.mode, MtaStsMode::kTesting);
  EXPECT_EQ(p.max_age, 0u);
  EXPECT_EQ(p.mx, Strings{"MX.Example.org."});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(MtaStsModeName(*p.mode), "testing");
}

TEST(MtaStsPolicyTest, ModeNoneNeedsNoMx) {
  const MtaStsPolicy p = ParseMtaStsPolicy("version: STSv1\nmode: none\nmax_age: 86400\n");
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.mode, MtaStsMode::kNone);
  EXPECT_TRUE(p.errors.empty());
}

TEST(MtaStsPolicyTest, FirstOccurrenceCounts) {
  const MtaStsPolicy p = ParseMtaStsPolicy(
      "version: STSv1\nmode: testing\nmode: enforce\nmax_age: 5\nmax_age: 6\nmx: a.example\n");
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.mode, MtaStsMode::kTesting);
  EXPECT_EQ(p.max_age, 5u);
}

TEST(MtaStsPolicyTest, MissingFieldsMakeItUnusable) {
  MtaStsPolicy p = ParseMtaStsPolicy("mode: enforce\nmx: a.example\nmax_age: 1\n");
  EXPECT_FALSE(p.usable);
  EXPECT_EQ(p.errors, Strings{"no version"});
  p = ParseMtaStsPolicy("version: STSv1\nmode: enforce\nmax_age: 1\n");
  EXPECT_FALSE(p.usable);
  EXPECT_EQ(p.errors, Strings{"no valid mx"});
  p = ParseMtaStsPolicy("version: STSv1\nmx: a.example\n");
  EXPECT_FALSE(p.usable);
  EXPECT_EQ(p.errors, (Strings{"no mode", "no max_age"}));
  p = ParseMtaStsPolicy("");
  EXPECT_FALSE(p.usable);
  EXPECT_EQ(p.errors.size(), 3u);
}

TEST(MtaStsPolicyTest, SyntaxProblemsAreRecordedWithTheirLine) {
  const MtaStsPolicy p = ParseMtaStsPolicy(
      "version: STSv1\n"    // 1
      "mode: enforce\n"     // 2
      "\n"                  // 3 empty
      "mx a.example\n"      // 4 no colon
      " mx: b.example\n"    // 5 bad key (leading space)
      "mx: -bad.example\n"  // 6 bad pattern
      "mx: a..example\n"    // 7 bad pattern
      "mx: good.example\n"  // 8
      "mx: x.*.example\n"   // 9 bad pattern
      "Mode: none\n"        // 10 unknown key (case-sensitive): ignored
      "max_age: 1\x01\n"    // 11 control byte
      "max_age: 1\n");      // 12
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.mx, Strings{"good.example"});
  EXPECT_EQ(p.errors, (Strings{"line 3: empty line", "line 4: no ':'", "line 5: bad key",
                               "line 6: bad mx pattern", "line 7: bad mx pattern",
                               "line 9: bad mx pattern", "line 11: control character"}));
}

TEST(MtaStsPolicyTest, BadValues) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n", "line 1: version is not STSv1"},
      {"version: STSv1\nmode: Enforce\nmx: a.b\nmax_age: 1\n", "line 2: unknown mode"},
      {"version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557601\n",
       "line 4: max_age above 31557600"},
      {"version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 12345678901\n",
       "line 4: max_age is not 1-10 digits"},
      {"version: STSv1\nmode: enforce\nmx: a.b\nmax_age: -1\n",
       "line 4: max_age is not 1-10 digits"},
      {"version: STSv1\nmode: enforce\nmx: a.b\nmax_age:\n", "line 4: max_age is not 1-10 digits"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const MtaStsPolicy p = ParseMtaStsPolicy(c.text);
    EXPECT_FALSE(p.usable);
    ASSERT_FALSE(p.errors.empty());
    EXPECT_EQ(p.errors[0], c.error);
  }
  EXPECT_EQ(
      ParseMtaStsPolicy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 31557600\n").max_age,
      31557600u);
}

TEST(MtaStsPolicyTest, Bounds) {
  std::string text = "version: STSv1\nmode: enforce\nmax_age: 1\n";
  for (int i = 0; i < 100; ++i) text += "mx: m" + std::to_string(i) + ".example\n";
  MtaStsPolicy p = ParseMtaStsPolicy(text);
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.mx.size(), kMaxMtaStsMxPatterns);
  EXPECT_EQ(p.errors, Strings{"line 68: too many mx patterns"});

  std::string bad = "version: STSv1\nmode: none\nmax_age: 1\n";
  for (int i = 0; i < 100; ++i) bad += "junk\n";
  p = ParseMtaStsPolicy(bad);
  EXPECT_TRUE(p.usable);
  ASSERT_EQ(p.errors.size(), kMaxMtaStsErrors);
  EXPECT_EQ(p.errors.back(), "more errors");

  std::string huge = "version: STSv1\nmode: none\nmax_age: 1\n";
  huge += std::string(kMaxMtaStsPolicyBytes, '#');
  p = ParseMtaStsPolicy(huge);
  EXPECT_FALSE(p.usable);
  EXPECT_EQ(p.errors, Strings{"policy larger than 64 KiB"});
}

}  // namespace
}  // namespace starttls
