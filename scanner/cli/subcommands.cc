#include "scanner/cli/subcommands.h"

#include <array>

#include "scanner/classify/classify_command.h"

namespace starttls {
namespace {

const std::array<Subcommand, 1> kSubcommands = {{
    {"classify", "judge SMTP transcripts (JSON lines, or --raw one EHLO reply); no network",
     RunClassifyCommand},
}};

}  // namespace

std::span<const Subcommand> Subcommands() { return kSubcommands; }

const Subcommand* DefaultSubcommand() { return nullptr; }

}  // namespace starttls
