// Inline SVG charts for the report page: horizontal bars, a histogram and a line chart over
// dates. Plain markup styled by the page's CSS classes; nothing is fetched and nothing runs.
// A bar's number is an element with data-key/data-value like every number of the page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace starttls::svg {

struct Bar {
  std::string label;
  uint64_t value = 0;
  std::string pointer;  // JSON Pointer of the value in the report's JSON ("" = none)
  std::string css;      // CSS class of the bar ("" = the default colour)
};

// One row per bar, scaled to the largest value.
std::string HorizontalBars(const std::vector<Bar>& bars, const std::string& title);

// Columns left to right (latency buckets), scaled to the largest.
std::string Histogram(const std::vector<Bar>& columns, const std::string& title);

struct Series {
  std::string name;
  std::string css;
  std::vector<double> values;  // one per x position; NaN = no value
};

// Lines over `x_ms` (milliseconds since 1970, ascending; equal spacing when all equal), the
// y axis from 0 to the largest value (or 100 when `percent`), dates under the axis.
std::string LineChart(const std::vector<int64_t>& x_ms, const std::vector<std::string>& x_labels,
                      const std::vector<Series>& series, bool percent, const std::string& title);

}  // namespace starttls::svg
