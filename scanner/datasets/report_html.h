// `report` as one self-contained HTML page: inline CSS and SVG, no script, no font, no image,
// nothing fetched (a Content-Security-Policy of default-src 'none' says so to the browser).
// Every number on it comes from the same ScanFigures as `report --format json` and names its
// JSON Pointer there (scanner/datasets/html_text.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scanner/datasets/scan_figures.h"

namespace starttls {

// `scans` in start-date order; the newest is shown in full, all of them as trends.
std::string RenderReportHtml(const std::vector<ScanFigures>& scans,
                             const std::optional<DiffSummary>& diff);

// Parts shared by the page's files (report_html_sections.cc).
namespace report_html {

// A table of name -> count with each count's share of `den`; rows by count, largest first.
std::string CountsTable(const Counts& counts, const std::string& base_pointer,
                        const std::string& den_pointer, uint64_t den,
                        const std::string& name_header, size_t max_rows = 0);
// Bars for the same counts, largest first.
std::string CountsBars(const Counts& counts, const std::string& base_pointer,
                       const std::string& title, size_t max_rows = 0);
// "c-<name>" with anything but [a-z0-9_-] dropped.
std::string CategoryClass(const std::string& name);

std::string TrendSection(const std::vector<ScanFigures>& scans);
std::string TransitionSection(const DiffSummary& diff);

}  // namespace report_html
}  // namespace starttls
