// The table of starttls-scan's subcommands: one row each, so adding one is one line.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "scanner/flags/flag_table.h"

namespace starttls {

// What the program is for, after its name: usage text and the man page's NAME line.
inline constexpr std::string_view kProgramPurpose =
    "measures whether mail servers offer STARTTLS in a way real clients can use";

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  // Runs with argv[first..] as the subcommand's own arguments; returns the exit code.
  int (*run)(int argc, char** argv, int first);
  // What its --help prints above the flags (usage lines, then a description).
  std::string_view (*help_text)();
  // Its flag table, for documentation only (the man page and the bash completion are
  // written from it at build time by scanner/cli/docgen): the setters are bound to options
  // nobody reads.
  std::vector<FlagSpec> (*documented_flags)();
};

std::span<const Subcommand> Subcommands();
// What runs when the first argument is not a subcommand name (a flag or a target).
const Subcommand* DefaultSubcommand();

}  // namespace starttls
