// The man page and bash completion written by starttls-scan-docgen, read back: every flag of
// every subcommand's table is documented (heading and help) and completed, nothing else is;
// the table documented is the one the subcommand parses (its --help output); the page's field
// list is the field table; the examples use only flags their subcommand has.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "output/field_table.h"
#include "scanner/cli/docgen/bash_completion.h"
#include "scanner/cli/docgen/man_examples.h"
#include "scanner/cli/docgen/man_page.h"
#include "scanner/cli/docgen/roff.h"
#include "scanner/cli/subcommands.h"
#include "scanner/flags/exit_codes.h"

namespace starttls {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The man page cut at its .SH and .SS headings: "SH SUBCOMMANDS", "SS scan", ... -> the lines
// below it up to the next heading.
std::map<std::string, std::vector<std::string>> Sections(const std::string& page) {
  std::map<std::string, std::vector<std::string>> sections;
  std::string current = "head";
  std::string chapter;
  for (const std::string& line : Lines(page)) {
    if (line.starts_with(".SH ")) {
      chapter = RoffPlain(line.substr(4));
      current = chapter;
    } else if (line.starts_with(".SS ")) {
      current = chapter + "/" + RoffPlain(line.substr(4));
    } else {
      sections[current].push_back(line);
    }
    sections.try_emplace(current);
  }
  return sections;
}

// The (heading, body) pairs of a section's .TP entries, roff stripped.
std::vector<std::pair<std::string, std::string>> TaggedEntries(
    const std::vector<std::string>& lines) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t i = 0; i + 2 < lines.size(); ++i) {
    if (lines[i] != ".TP") continue;
    entries.emplace_back(RoffPlain(lines[i + 1]), RoffPlain(lines[i + 2]));
  }
  return entries;
}

std::string Heading(const FlagSpec& flag) {
  std::string heading;
  if (flag.short_name != 0) heading += std::string("-") + flag.short_name + ", ";
  heading += "--" + std::string(flag.name);
  if (!flag.value_name.empty()) heading += " " + std::string(flag.value_name);
  return heading;
}

TEST(RoffTest, EscapesWhatRoffWouldReadAndReadsItBack) {
  EXPECT_EQ(RoffEscape("--port"), "\\-\\-port");
  EXPECT_EQ(RoffEscape(".starts a request"), "\\&.starts a request");
  EXPECT_EQ(RoffEscape("'also"), "\\&'also");
  EXPECT_EQ(RoffEscape("a\\b"), "a\\eb");
  EXPECT_EQ(RoffEscape("RFC 3207 \xC2\xA7"
                       "4"),
            "RFC 3207 \\[u00A7]4");
  EXPECT_EQ(RoffEscape("x \xE2\x86\x92 y"), "x \\[u2192] y");
  for (std::string text : {"--port N[,N...]", "a\\b-c", "plain text", "\xC2\xA7 \xE2\x86\x92"}) {
    EXPECT_EQ(RoffPlain(RoffEscape(text)), text);
  }
  EXPECT_EQ(RoffPlain("\\fB\\-\\-quiet\\fR \\fIN\\fR"), "--quiet N");
}

TEST(ManPageTest, EverySubcommandHasItsSynopsisDescriptionAndEveryFlag) {
  auto sections = Sections(RenderManPage("9.9.9"));
  std::string synopsis;
  for (const std::string& line : sections["SYNOPSIS"]) synopsis += RoffPlain(line) + "\n";
  auto listed = TaggedEntries(sections["DESCRIPTION"]);
  ASSERT_EQ(listed.size(), Subcommands().size());
  for (size_t i = 0; i < Subcommands().size(); ++i) {
    const Subcommand& command = Subcommands()[i];
    SCOPED_TRACE(std::string(command.name));
    EXPECT_EQ(listed[i].first, command.name);
    EXPECT_EQ(listed[i].second, command.summary);
    // The default subcommand's name is optional: "starttls-scan [scan] ...".
    bool shown =
        synopsis.find("starttls-scan " + std::string(command.name) + " ") != std::string::npos ||
        synopsis.find("starttls-scan [" + std::string(command.name) + "]") != std::string::npos;
    EXPECT_TRUE(shown) << synopsis;
    ASSERT_TRUE(sections.count("SUBCOMMANDS/" + std::string(command.name)));
    const auto& section = sections["SUBCOMMANDS/" + std::string(command.name)];
    auto entries = TaggedEntries(section);
    std::vector<FlagSpec> flags = command.documented_flags();
    ASSERT_EQ(entries.size(), flags.size()) << "a flag missing from, or stale in, the page";
    for (size_t f = 0; f < flags.size(); ++f) {
      EXPECT_EQ(entries[f].first, Heading(flags[f]));
      EXPECT_EQ(entries[f].second, flags[f].help);
    }
  }
  EXPECT_NE(sections["head"].size(), 0u);
  EXPECT_NE(sections["head"].back().find("STARTTLS\\-SCAN 1 \"\" \"starttls\\-scan 9.9.9\""),
            std::string::npos);
}

// The table the page documents is the table the subcommand parses: its --help prints the
// help text and exactly that table's lines.
TEST(ManPageTest, DocumentedTableIsTheOneHelpPrints) {
  for (const Subcommand& command : Subcommands()) {
    SCOPED_TRACE(std::string(command.name));
    std::ostringstream captured;
    std::streambuf* saved = std::cout.rdbuf(captured.rdbuf());
    std::string program = "starttls-scan", name(command.name), help = "--help";
    char* argv[] = {program.data(), name.data(), help.data()};
    int code = command.run(3, argv, 2);
    std::cout.rdbuf(saved);
    EXPECT_EQ(code, kExitOk);
    EXPECT_EQ(captured.str(),
              std::string(command.help_text()) + FlagHelp(command.documented_flags()));
  }
}

TEST(ManPageTest, FieldListIsTheFieldTable) {
  auto sections = Sections(RenderManPage("1"));
  size_t documented_types = 0;
  for (const auto& [name, lines] : sections) documented_types += name.starts_with("OUTPUT FIELDS/");
  EXPECT_EQ(documented_types, RecordTables().size());
  for (const RecordTable& table : RecordTables()) {
    SCOPED_TRACE(std::string(table.type));
    std::string key = "OUTPUT FIELDS/" + std::string(table.type) + " records";
    ASSERT_TRUE(sections.count(key));
    auto entries = TaggedEntries(sections[key]);
    ASSERT_EQ(entries.size(), table.fields.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const FieldSpec& field = table.fields[i];
      const std::string& heading = entries[i].first;
      EXPECT_EQ(heading.substr(0, heading.find(' ')), field.name);
      EXPECT_NE(heading.find(DescribeTypes(field)), std::string::npos) << heading;
      EXPECT_EQ(heading.find("required") != std::string::npos, field.required) << heading;
      EXPECT_EQ(entries[i].second, field.doc);
    }
  }
}

TEST(ManPageTest, ExitStatusIsTheExitCodeTable) {
  auto entries = TaggedEntries(Sections(RenderManPage("1"))["EXIT STATUS"]);
  ASSERT_EQ(entries.size(), std::size(kExitCodeDocs));
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].first, std::to_string(kExitCodeDocs[i].code));
    EXPECT_EQ(entries[i].second, kExitCodeDocs[i].meaning);
  }
}

const Subcommand* FindSubcommand(std::string_view name) {
  for (const Subcommand& command : Subcommands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

TEST(ManPageTest, ExamplesUseOnlyFlagsTheirSubcommandHas) {
  std::string page = RoffPlain(RenderManPage("1"));
  ASSERT_GE(ManExamples().size(), Subcommands().size());
  std::set<std::string_view> shown;
  for (const ManExample& example : ManExamples()) {
    SCOPED_TRACE(std::string(example.command));
    EXPECT_NE(page.find(std::string(example.command)), std::string::npos);
    std::string_view command = example.command;
    size_t at = command.find("starttls-scan ");
    ASSERT_NE(at, std::string_view::npos);
    std::istringstream words(std::string(command.substr(at + 14)));
    std::vector<std::string> args;
    for (std::string word; words >> word && word != "|" && word != ">";) args.push_back(word);
    ASSERT_FALSE(args.empty());
    const Subcommand* sub = FindSubcommand(args[0]);
    if (sub == nullptr) sub = DefaultSubcommand();
    shown.insert(sub->name);
    std::vector<FlagSpec> flags = sub->documented_flags();
    for (const std::string& arg : args) {
      if (arg.starts_with("--")) {
        std::string name = arg.substr(2, arg.find('=') - 2);
        bool known = false;
        for (const FlagSpec& flag : flags) known = known || flag.name == name;
        EXPECT_TRUE(known) << arg << " is not a flag of " << sub->name;
      } else if (arg.size() >= 2 && arg[0] == '-') {
        bool known = false;
        for (const FlagSpec& flag : flags) known = known || flag.short_name == arg[1];
        EXPECT_TRUE(known) << arg << " is not a flag of " << sub->name;
      }
    }
  }
  EXPECT_EQ(shown.size(), Subcommands().size()) << "a subcommand without an example";
}

TEST(BashCompletionTest, OffersExactlyEachSubcommandsFlags) {
  std::vector<std::string> lines = Lines(RenderBashCompletion());
  for (const Subcommand& command : Subcommands()) {
    SCOPED_TRACE(std::string(command.name));
    std::set<std::string> expected;
    for (const FlagSpec& flag : command.documented_flags()) {
      expected.insert("--" + std::string(flag.name));
      if (flag.short_name != 0) expected.insert(std::string("-") + flag.short_name);
    }
    std::set<std::string> offered;
    bool found = false;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      if (lines[i] != "    " + std::string(command.name) + ")") continue;
      const std::string& words = lines[i + 1];
      ASSERT_TRUE(words.starts_with("      flags='") && words.ends_with("'")) << words;
      std::istringstream in(words.substr(13, words.size() - 14));
      for (std::string word; in >> word;) offered.insert(word);
      found = true;
    }
    ASSERT_TRUE(found);
    EXPECT_EQ(offered, expected);
  }
  EXPECT_EQ(lines.back(), "complete -o filenames -F _starttls_scan starttls-scan");
}

}  // namespace
}  // namespace starttls
