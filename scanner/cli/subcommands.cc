#include "scanner/cli/subcommands.h"

#include <array>

#include "scanner/classify/classify_command.h"
#include "scanner/datasets/convert_command.h"
#include "scanner/datasets/diff_command.h"
#include "scanner/datasets/merge_command.h"
#include "scanner/datasets/report_command.h"
#include "scanner/scan/scan_command.h"
#include "scanner/scan/scan_options.h"

namespace starttls {
namespace {

// A subcommand's flag table bound to options that live as long as the program, so the
// setters of a table handed out for documentation never dangle.
template <typename Options, std::vector<FlagSpec> (*kTable)(Options*)>
std::vector<FlagSpec> DocumentedFlags() {
  static Options unused;
  return kTable(&unused);
}

const std::array<Subcommand, 6> kSubcommands = {{
    {"scan", "scan targets' SMTP servers and classify them (the default)", RunScanCommand,
     ScanHelpText, DocumentedFlags<ScanOptions, ScanFlagTable>},
    {"classify", "judge SMTP transcripts (JSON lines, or --raw one EHLO reply); no network",
     RunClassifyCommand, ClassifyHelpText, DocumentedFlags<ClassifyOptions, ClassifyFlagTable>},
    {"convert", "NDJSON records (plain, .gz, .zst) to CSV, columns from the field table",
     RunConvertCommand, ConvertHelpText, DocumentedFlags<ConvertOptions, ConvertFlagTable>},
    {"diff", "what changed between two scans: change records, class and verdict transitions",
     RunDiffCommand, DiffHelpText, DocumentedFlags<DiffOptions, DiffFlagTable>},
    {"report", "figures of one or more scans: a self-contained HTML page, or JSON",
     RunReportCommand, ReportHelpText, DocumentedFlags<ReportOptions, ReportFlagTable>},
    {"merge", "the parts of a sharded scan into one output and metadata, checked complete",
     RunMergeCommand, MergeHelpText, DocumentedFlags<MergeOptions, MergeFlagTable>},
}};

}  // namespace

std::span<const Subcommand> Subcommands() { return kSubcommands; }

const Subcommand* DefaultSubcommand() { return &kSubcommands[0]; }

}  // namespace starttls
