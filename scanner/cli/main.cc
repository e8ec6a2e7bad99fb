// starttls-scan: subcommands as a small table; `scan` is the default (docs/rules.md §7).
#include <cstdio>
#include <cstring>
#include <string_view>

#include "scanner/classify/classify_command.h"
#include "scanner/cli/subcommands.h"
#include "scanner/flags/exit_codes.h"

namespace starttls {
namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "usage: starttls-scan [SUBCOMMAND] [flags] [targets]\n\n"
               "starttls-scan %s.\n\n"
               "subcommands (each has --help):\n",
               std::string(kProgramPurpose).c_str());
  for (const Subcommand& command : Subcommands()) {
    std::fprintf(out, "  %-10s %s\n", std::string(command.name).c_str(),
                 std::string(command.summary).c_str());
  }
}

}  // namespace
}  // namespace starttls

int main(int argc, char** argv) {
  using starttls::Subcommand;
  std::string_view first = argc > 1 ? argv[1] : "";
  if (first == "--help" || first == "-h" || first == "help") {
    // The subcommands, then the default subcommand's own help: its flags are the ones a
    // user typing `starttls-scan --help` is after (as with ZMap).
    starttls::PrintUsage(stdout);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    char help_flag[] = "--help";
    char* help_argv[] = {argv[0], help_flag};
    return starttls::DefaultSubcommand()->run(2, help_argv, 1);
  }
  for (const Subcommand& command : starttls::Subcommands()) {
    if (first == command.name) return command.run(argc, argv, 2);
  }
  const Subcommand* fallback = starttls::DefaultSubcommand();
  if (fallback == nullptr ||
      (!first.empty() && first[0] != '-' && argc > 1 && std::strchr(argv[1], '.') == nullptr &&
       std::strchr(argv[1], ':') == nullptr)) {
    std::fprintf(stderr, "starttls-scan: unknown subcommand '%s'\n", argv[1]);
    starttls::PrintUsage(stderr);
    return starttls::kExitUsage;
  }
  return fallback->run(argc, argv, 1);
}
