// One-letter flags of the flag table (scanner/flags/flag_table.h): "-o FILE", "-oFILE", errors
// naming the flag; "-" stays positional, an unknown letter is an error.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/flags/flag_table.h"

namespace starttls {
namespace {

TEST(ShortFlags, ValueFormsAndPositionals) {
  std::string output;
  bool help = false;
  const FlagSpec flags[] = {
      {"output", "FILE", "write here",
       [&](std::string_view v) {
         output = std::string(v);
         return std::string();
       },
       'o'},
      {"help", "", "help",
       [&](std::string_view) {
         help = true;
         return std::string();
       },
       'h'},
  };
  std::vector<std::string> args = {"prog", "-o", "a.csv", "-", "file", "-h"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  auto positional = ParseFlags(flags, static_cast<int>(argv.size()), argv.data(), 1);
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_EQ(output, "a.csv");
  EXPECT_TRUE(help);
  EXPECT_EQ(*positional, (std::vector<std::string>{"-", "file"}));

  std::vector<std::string> unknown = {"prog", "-x"};
  std::vector<char*> unknown_argv = {unknown[0].data(), unknown[1].data()};
  auto refused = ParseFlags(flags, 2, unknown_argv.data(), 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("unknown flag -x"), std::string::npos);

  std::vector<std::string> glued = {"prog", "-ob.csv"};
  std::vector<char*> glued_argv = {glued[0].data(), glued[1].data()};
  ASSERT_TRUE(ParseFlags(flags, 2, glued_argv.data(), 1).ok());
  EXPECT_EQ(output, "b.csv");

  std::vector<std::string> missing = {"prog", "-o"};
  std::vector<char*> missing_argv = {missing[0].data(), missing[1].data()};
  auto error = ParseFlags(flags, 2, missing_argv.data(), 1);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(std::string(error.status().message()).find("flag -o (--output) needs a value"),
            std::string::npos);
  EXPECT_NE(FlagHelp(flags).find("-o, --output FILE"), std::string::npos) << FlagHelp(flags);
}

}  // namespace
}  // namespace starttls
