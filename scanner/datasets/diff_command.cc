#include "scanner/datasets/diff_command.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "output/json_writer.h"
#include "scanner/flags/flag_table.h"
#include "scanner/datasets/output_sink.h"
#include "scanner/datasets/scan_diff.h"

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

int RunDiffCommand(int argc, char** argv, int first) {
  std::string format = "ndjson";
  std::string output = "-";
  bool quiet = false;
  bool help = false;
  const FlagSpec flags[] = {
      {"format", "FORMAT", "ndjson (change records, the default) or json (the summary)",
       [&](std::string_view v) { return ParseChoice(v, {"ndjson", "json"}, &format); }},
      {"output", "FILE", "write here instead of standard output",
       [&](std::string_view v) { output = std::string(v); return std::string(); }, 'o'},
      {"quiet", "", "no summary on stderr", [&](std::string_view) { quiet = true; return std::string(); }},
      {"help", "", "show this help", [&](std::string_view) { help = true; return std::string(); }},
  };
  auto positional = ParseFlags(flags, argc, argv, first);
  if (!positional.ok()) {
    std::cerr << "starttls-scan diff: " << positional.status().message() << "\n";
    return 2;
  }
  if (help) {
    std::cout << kHelp << FlagHelp(flags);
    return 0;
  }
  if (positional->size() != 2) {
    std::cerr << "starttls-scan diff: name two scans, OLD and NEW (see --help)\n";
    return 2;
  }
  OutputSink sink;
  if (std::string error = sink.Open(output); !error.empty()) {
    std::cerr << "starttls-scan diff: " << error << "\n";
    return 2;
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
    return 1;
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
    return 1;
  }
  if (!quiet) std::cerr << FormatDiffSummary(diff.summary());
  return 0;
}

}  // namespace starttls
