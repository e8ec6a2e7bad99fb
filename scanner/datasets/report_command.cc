#include "scanner/datasets/report_command.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "scanner/datasets/output_sink.h"
#include "scanner/datasets/report_html.h"
#include "scanner/datasets/report_json.h"
#include "scanner/datasets/scan_accumulator.h"
#include "scanner/datasets/scan_diff.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/flags/flag_table.h"

namespace starttls {
namespace {

constexpr std::string_view kHelp =
    "usage: starttls-scan report [-o report.html] [--format html|json] SCAN.ndjson [MORE.ndjson "
    "...]\n"
    "\n"
    "The figures of a scan (plain, gzip or zstd; records of scan, or classify records such as\n"
    "re-judged ZGrab2 data): domain verdicts, host classes and statuses, anomalies, who loses\n"
    "TLS per modelled client (hosts and domains), TLS versions, ciphers, groups and\n"
    "certificates, where the misordered hosts are, latency, domain policy, and the scan's own\n"
    "figures (from the metadata file beside it: x.ndjson -> x.json, else from the records).\n"
    "Several scans: the newest in full and each figure as a trend over the scans' start dates;\n"
    "two scans: also what changed (diff's transition matrices). A scan split over files (shards)\n"
    "is named as one argument with commas: a.ndjson,b.ndjson.\n"
    "\n"
    "--format html (default): one self-contained page, inline CSS and SVG, no script, nothing\n"
    "fetched. --format json: every number of the page, same computation. See docs/datasets.md.\n"
    "\n"
    "flags:\n";

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

}  // namespace

std::vector<FlagSpec> ReportFlagTable(ReportOptions* o) {
  return {
      {"format", "FORMAT", "html (default) or json",
       [o](std::string_view v) {
         return ParseChoice(v, {"html", "json"}, &o->format);
       }},
      {"output", "FILE", "write here instead of standard output",
       [o](std::string_view v) {
         o->output = std::string(v);
         return std::string();
       },
       'o'},
      {"help", "", "show this help",
       [o](std::string_view) {
         o->help = true;
         return std::string();
       }},
  };
}

std::string_view ReportHelpText() { return kHelp; }

int RunReportCommand(int argc, char** argv, int first) {
  ReportOptions options;
  const std::vector<FlagSpec> flags = ReportFlagTable(&options);
  int exit_code = kExitOk;
  auto positional =
      ParseCommandLine("report", kHelp, flags, options.help, argc, argv, first, &exit_code);
  if (!positional) return exit_code;
  if (positional->empty()) {
    std::cerr << "starttls-scan report: name at least one scan (see --help)\n";
    return kExitUsage;
  }
  std::vector<std::vector<std::string>> inputs;
  for (const std::string& argument : *positional) inputs.push_back(SplitCommas(argument));
  std::vector<ScanFigures> scans(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (absl::Status status = ReadScan(inputs[i], "report", &scans[i]); !status.ok()) {
      std::cerr << "starttls-scan report: " << status.message() << "\n";
      return kExitFailed;
    }
  }
  // Oldest first, when every scan has a date; else as given.
  std::vector<size_t> order(scans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const bool all_timed =
      std::all_of(scans.begin(), scans.end(), [](const ScanFigures& s) { return s.has_times; });
  if (all_timed) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return scans[a].start_ms < scans[b].start_ms; });
  }
  std::vector<ScanFigures> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(scans[i]));

  std::optional<DiffSummary> diff;
  if (inputs.size() == 2) {
    ScanDiff scan_diff;
    absl::Status status = scan_diff.LoadOld(inputs[order[0]], "report");
    if (status.ok()) status = scan_diff.CompareNew(inputs[order[1]], "report", nullptr);
    if (!status.ok()) {
      std::cerr << "starttls-scan report: " << status.message() << "\n";
      return kExitFailed;
    }
    diff = scan_diff.summary();
  }

  OutputSink sink;
  if (std::string error = sink.Open(options.output); !error.empty()) {
    std::cerr << "starttls-scan report: " << error << "\n";
    return kExitUsage;
  }
  sink.Write(options.format == "json" ? RenderReportJson(sorted, diff)
                                      : RenderReportHtml(sorted, diff));
  if (std::string error = sink.Close(); !error.empty()) {
    std::cerr << "starttls-scan report: " << error << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace starttls
