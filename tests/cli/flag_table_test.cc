// The flag library as users type flags: long and ZMap short forms, bundled switches, values
// attached or separate, unknown dashes refused, durations with units.
#include "scanner/flags/flag_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace starttls {
namespace {

struct Parsed {
  std::string port = "25";
  std::string output;
  bool quiet = false;
  bool dryrun = false;
  absl::StatusOr<std::vector<std::string>> positional;
};

Parsed Parse(std::vector<std::string> args) {
  Parsed p;
  std::vector<FlagSpec> flags = {
      {"port", "N", "",
       [&](std::string_view v) {
         p.port = std::string(v);
         return std::string();
       },
       'p'},
      {"output-file", "FILE", "",
       [&](std::string_view v) {
         p.output = std::string(v);
         return std::string();
       },
       'o'},
      {"quiet", "", "",
       [&](std::string_view) {
         p.quiet = true;
         return std::string();
       },
       'q'},
      {"dryrun", "", "",
       [&](std::string_view) {
         p.dryrun = true;
         return std::string();
       },
       'd'},
      {"rate", "N", "",
       [](std::string_view v) { return v == "bad" ? std::string("not a number") : std::string(); }},
  };
  std::vector<char*> argv = {const_cast<char*>("prog")};
  for (std::string& a : args) argv.push_back(a.data());
  p.positional = ParseFlags(flags, static_cast<int>(argv.size()), argv.data(), 1);
  return p;
}

TEST(FlagTableTest, ShortAndLongFormsSetTheSameFlag) {
  EXPECT_EQ(Parse({"-p", "587"}).port, "587");
  EXPECT_EQ(Parse({"-p587"}).port, "587");
  EXPECT_EQ(Parse({"--port", "587"}).port, "587");
  EXPECT_EQ(Parse({"--port=587"}).port, "587");
  Parsed p = Parse({"-q", "-o", "x.ndjson", "127.0.0.1"});
  EXPECT_TRUE(p.quiet);
  EXPECT_EQ(p.output, "x.ndjson");
  ASSERT_TRUE(p.positional.ok());
  EXPECT_EQ(*p.positional, std::vector<std::string>({"127.0.0.1"}));
}

TEST(FlagTableTest, BundledSwitchesAndAValueLast) {
  Parsed p = Parse({"-qd"});
  EXPECT_TRUE(p.quiet);
  EXPECT_TRUE(p.dryrun);
  p = Parse({"-qo", "out"});
  EXPECT_TRUE(p.quiet);
  EXPECT_EQ(p.output, "out");
}

TEST(FlagTableTest, AnyUnknownDashArgumentIsAnErrorNamingIt) {
  for (const char* bad : {"-x", "-Z", "--bogus", "-qx", "-5"}) {
    Parsed p = Parse({bad, "127.0.0.1"});
    ASSERT_FALSE(p.positional.ok()) << bad;
    EXPECT_NE(std::string(p.positional.status().message()).find("unknown flag"), std::string::npos);
  }
  Parsed p = Parse({"-qx"});
  EXPECT_NE(std::string(p.positional.status().message()).find("-x"), std::string::npos);
}

TEST(FlagTableTest, ValueErrorsNameTheFlagInBothForms) {
  Parsed p = Parse({"--rate", "bad"});
  ASSERT_FALSE(p.positional.ok());
  EXPECT_NE(std::string(p.positional.status().message()).find("--rate"), std::string::npos);
  p = Parse({"-p"});
  ASSERT_FALSE(p.positional.ok());
  EXPECT_NE(std::string(p.positional.status().message()).find("needs a value"), std::string::npos);
  EXPECT_NE(std::string(p.positional.status().message()).find("--port"), std::string::npos);
  EXPECT_FALSE(Parse({"--quiet=yes"}).positional.ok());
}

TEST(FlagTableTest, LoneDashAndDoubleDashArePositional) {
  Parsed p = Parse({"-", "--", "-q"});
  ASSERT_TRUE(p.positional.ok());
  EXPECT_EQ(*p.positional, std::vector<std::string>({"-", "-q"}));
  EXPECT_FALSE(p.quiet);
}

TEST(FlagTableTest, HelpShowsShortForms) {
  std::vector<FlagSpec> flags = {
      {"port", "N", "the port", [](std::string_view) { return std::string(); }, 'p'},
      {"ehlo-name", "NAME", "the name", [](std::string_view) { return std::string(); }}};
  std::string help = FlagHelp(flags);
  EXPECT_NE(help.find("-p, --port N"), std::string::npos) << help;
  EXPECT_NE(help.find("    --ehlo-name NAME"), std::string::npos) << help;
}

TEST(FlagTableTest, DurationsTakeUnits) {
  double s = 0;
  EXPECT_EQ(ParseDuration("500ms", 0, 1e6, &s), "");
  EXPECT_DOUBLE_EQ(s, 0.5);
  EXPECT_EQ(ParseDuration("10s", 0, 1e6, &s), "");
  EXPECT_DOUBLE_EQ(s, 10);
  EXPECT_EQ(ParseDuration("2m", 0, 1e6, &s), "");
  EXPECT_DOUBLE_EQ(s, 120);
  EXPECT_EQ(ParseDuration("1h", 0, 1e6, &s), "");
  EXPECT_DOUBLE_EQ(s, 3600);
  EXPECT_EQ(ParseDuration("2.5", 0, 1e6, &s), "");
  EXPECT_DOUBLE_EQ(s, 2.5);
  EXPECT_EQ(ParseDuration(".25m", 0, 1e6, &s), "");
  EXPECT_DOUBLE_EQ(s, 15);
  for (const char* bad : {"", "ms", "10x", "-1s", "1 s", "nan", "inf", "10sm", "s10"}) {
    EXPECT_NE(ParseDuration(bad, 0, 1e6, &s), "") << bad;
  }
  EXPECT_NE(ParseDuration("2h", 0, 3600, &s), "");   // over the maximum
  EXPECT_NE(ParseDuration("0", 0.001, 10, &s), "");  // under the minimum
}

}  // namespace
}  // namespace starttls
