#include "scanner/cli/subcommands.h"

#include <array>

#include "scanner/classify/classify_command.h"
#include "scanner/datasets/convert_command.h"
#include "scanner/datasets/diff_command.h"
#include "scanner/datasets/merge_command.h"
#include "scanner/datasets/report_command.h"
#include "scanner/scan/scan_command.h"

namespace starttls {
namespace {

const std::array<Subcommand, 6> kSubcommands = {{
    {"scan", "scan targets' SMTP servers and classify them (the default)", RunScanCommand},
    {"classify", "judge SMTP transcripts (JSON lines, or --raw one EHLO reply); no network",
     RunClassifyCommand},
    {"convert", "NDJSON records (plain, .gz, .zst) to CSV, columns from the field table",
     RunConvertCommand},
    {"diff", "what changed between two scans: change records, class and verdict transitions",
     RunDiffCommand},
    {"report", "figures of one or more scans: a self-contained HTML page, or JSON",
     RunReportCommand},
    {"merge", "the parts of a sharded scan into one output and metadata, checked complete",
     RunMergeCommand},
}};

}  // namespace

std::span<const Subcommand> Subcommands() { return kSubcommands; }

const Subcommand* DefaultSubcommand() { return &kSubcommands[0]; }

}  // namespace starttls
