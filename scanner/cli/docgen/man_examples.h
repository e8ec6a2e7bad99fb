// The EXAMPLES of the man page: command lines an operator types, each with what it does.
// scanner/cli/docgen/man_page.cc prints them; tests/cli/docgen_test.cc checks that every
// flag they use is in the flag table of the subcommand they run, so they cannot go stale.
#pragma once

#include <span>
#include <string_view>

namespace starttls {

struct ManExample {
  std::string_view what;
  std::string_view command;  // a shell line; the starttls-scan part is checked
};

std::span<const ManExample> ManExamples();

}  // namespace starttls
