// `report --format json`: every figure of the report (scanner/datasets/scan_figures.h) as one
// JSON object. The HTML page names each number it shows by its JSON Pointer (RFC 6901) in
// this object, so the two are checked against each other (tests/datasets/report_page_test.py).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scanner/datasets/scan_figures.h"

namespace starttls {

class JsonWriter;

// The members of one scan's figures (into an open object).
void WriteScanFiguresMembers(const ScanFigures& figures, JsonWriter* writer);

// The whole report: the newest scan's figures at the top level; with several scans, `scans`
// holds each one's figures in start-date order; with exactly two, `diff` the transitions.
std::string RenderReportJson(const std::vector<ScanFigures>& scans,
                             const std::optional<DiffSummary>& diff);

// Client names in the order of docs/rules.md §4 (the `clients` object's keys).
std::vector<std::string> ClientNames();

}  // namespace starttls
