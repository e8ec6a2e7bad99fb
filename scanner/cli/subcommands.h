// The table of starttls-scan's subcommands: one row each, so adding one is one line.
#pragma once

#include <span>
#include <string_view>

namespace starttls {

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  // Runs with argv[first..] as the subcommand's own arguments; returns the exit code.
  int (*run)(int argc, char** argv, int first);
};

std::span<const Subcommand> Subcommands();
// What runs when the first argument is not a subcommand name (a flag or a target).
const Subcommand* DefaultSubcommand();

}  // namespace starttls
