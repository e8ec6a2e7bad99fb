#include "scanner/datasets/diff_command.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "output/json_writer.h"
#include "scanner/datasets/output_sink.h"
#include "scanner/datasets/scan_diff.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/flags/flag_table.h"

namespace starttls {
namespace {

constexpr std::string_view kHelp =
    "usage: starttls-scan diff [--format ndjson|json] [-o OUT] OLD.ndjson NEW.ndjson\n"
    "\n"
    "Compares two scans (plain, gzip or zstd). Targets are joined by domain (domain records)\n"
    "and by ip:port (host records; classify records without a port by ip). One 'change'\n"
    "record per target whose status, class, verdict, TLS version, trust or leaf certificate\n"
    "fingerprint changed, or that appeared or disappeared, with both sides' values:\n"
    "  {\"type\":\"change\",\"schema\":1,\"kind\":\"host\",\"key\":\"192.0.2.1:25\",\n"
    "   \"what\":[\"class\"],\"old\":{...},\"new\":{...}}\n"
    "Changes come in NEW's order, then the disappeared targets in OLD's order. A summary with\n"
    "the transition matrices (host class -> class, domain verdict -> verdict) goes to stderr.\n"
    "--format json writes that summary as one JSON object instead of the change records.\n"
    "Memory holds compact per-target summaries of OLD only; NEW is streamed.\n"
    "\n"
    "flags:\n";

}  // namespace

std::vector<FlagSpec> DiffFlagTable(DiffOptions* o) {
  return {
      {"format", "FORMAT", "ndjson (change records, the default) or json (the summary)",
       [o](std::string_view v) {
         return ParseChoice(v, {"ndjson", "json"}, &o->format);
       }},
      {"output", "FILE", "write here instead of standard output",
       [o](std::string_view v) {
         o->output = std::string(v);
         return std::string();
       },
       'o'},
      {"quiet", "", "no summary on stderr",
       [o](std::string_view) {
         o->quiet = true;
         return std::string();
       }},
      {"help", "", "show this help",
       [o](std::string_view) {
         o->help = true;
         return std::string();
       }},
  };
}

std::string_view DiffHelpText() { return kHelp; }

int RunDiffCommand(int argc, char** argv, int first) {
  DiffOptions options;
  const std::vector<FlagSpec> flags = DiffFlagTable(&options);
  const std::string& format = options.format;
  int exit_code = kExitOk;
  auto positional =
      ParseCommandLine("diff", kHelp, flags, options.help, argc, argv, first, &exit_code);
  if (!positional) return exit_code;
  if (positional->size() != 2) {
    std::cerr << "starttls-scan diff: name two scans, OLD and NEW (see --help)\n";
    return kExitUsage;
  }
  OutputSink sink;
  if (std::string error = sink.Open(options.output); !error.empty()) {
    std::cerr << "starttls-scan diff: " << error << "\n";
    return kExitUsage;
  }
  ScanDiff diff;
  absl::Status status = diff.LoadOld({(*positional)[0]}, "diff");
  if (status.ok()) {
    std::function<void(std::string_view)> on_change;
    if (format == "ndjson") {
      on_change = [&](std::string_view line) {
        sink.Write(line);
        sink.Write("\n");
      };
    }
    status = diff.CompareNew({(*positional)[1]}, "diff", on_change);
  }
  if (!status.ok()) {
    std::cerr << "starttls-scan diff: " << status.message() << "\n";
    return kExitFailed;
  }
  if (format == "json") {
    std::string json;
    JsonWriter writer(&json);
    WriteDiffSummaryJson(diff.summary(), &writer);
    writer.EndLine();
    sink.Write(json);
  }
  if (std::string error = sink.Close(); !error.empty()) {
    std::cerr << "starttls-scan diff: " << error << "\n";
    return kExitFailed;
  }
  if (!options.quiet) std::cerr << FormatDiffSummary(diff.summary());
  return kExitOk;
}

}  // namespace starttls
