// What changed between two scans (`starttls-scan diff`, and `report OLD NEW`): targets are
// joined by domain (domain records) and by (ip, port) (host records; classify records without
// a port by ip alone). One `change` record per target whose status, class, verdict, TLS
// version, trust or leaf certificate fingerprint changed, or that appeared or disappeared,
// with both sides' values; transition matrices of host classes and domain verdicts.
//
// Memory: the old scan is kept as compact per-key summaries only (an endpoint or the domain
// name, a byte per judged value, 32 bytes per distinct leaf fingerprint); the new scan is
// streamed against them. Changes come in the new scan's order, then the disappeared targets
// in the old scan's order.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "scanner/datasets/scan_figures.h"

namespace starttls {

class ScanDiff {
 public:
  ScanDiff();
  ~ScanDiff();
  ScanDiff(const ScanDiff&) = delete;
  ScanDiff& operator=(const ScanDiff&) = delete;

  // Pass 1: remember the old scan. Bad lines are reported on stderr under `command`.
  absl::Status LoadOld(const std::vector<std::string>& files, const std::string& command);
  // Pass 2: stream the new scan; `on_change` receives each change record (one NDJSON line
  // without its newline). nullptr: only the summary is computed.
  absl::Status CompareNew(const std::vector<std::string>& files, const std::string& command,
                          const std::function<void(std::string_view)>& on_change);

  const DiffSummary& summary() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The summary for people (stderr): counts of changes and both transition matrices.
std::string FormatDiffSummary(const DiffSummary& summary);
// The summary as one JSON object (`diff --format json`, and inside `report --format json`).
class JsonWriter;
void WriteDiffSummaryJson(const DiffSummary& summary, JsonWriter* writer);

}  // namespace starttls
