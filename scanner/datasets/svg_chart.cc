#include "scanner/datasets/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "scanner/datasets/html_text.h"

namespace starttls::svg {
namespace {

std::string Fixed(double value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", value);
  return buf;
}

std::string ValueText(const Bar& bar, double x, double y, const char* anchor) {
  std::string attributes;
  if (!bar.pointer.empty()) {
    attributes = " data-key=\"" + html::Escape(bar.pointer) + "\" data-value=\"" +
                 std::to_string(bar.value) + "\"";
  }
  return "<text class=\"value\" x=\"" + Fixed(x) + "\" y=\"" + Fixed(y) + "\" text-anchor=\"" +
         anchor + "\"" + attributes + ">" + html::Grouped(bar.value) + "</text>";
}

// The label column's width: about 7 px per character, within limits.
double LabelWidth(const std::vector<Bar>& bars) {
  size_t longest = 4;
  for (const Bar& bar : bars) longest = std::max(longest, bar.label.size());
  return std::clamp(static_cast<double>(longest) * 7.0 + 10.0, 80.0, 280.0);
}

std::string Shorten(const std::string& label) {
  if (label.size() <= 40) return label;
  return label.substr(0, 38) + "\xE2\x80\xA6";  // …
}

}  // namespace

std::string HorizontalBars(const std::vector<Bar>& bars, const std::string& title) {
  const double width = 720, row = 22, label_width = LabelWidth(bars), value_room = 90;
  const double height = std::max(1.0, static_cast<double>(bars.size())) * row + 8;
  uint64_t max = 1;
  for (const Bar& bar : bars) max = std::max(max, bar.value);
  std::string out = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + Fixed(width) + " " +
                    Fixed(height) + "\" width=\"" + Fixed(width) + "\" height=\"" + Fixed(height) +
                    "\"><title>" + html::Escape(title) + "</title>";
  double y = 4;
  for (const Bar& bar : bars) {
    const double span = (width - label_width - value_room) * static_cast<double>(bar.value) /
                        static_cast<double>(max);
    out += "<text class=\"label\" x=\"" + Fixed(label_width - 6) + "\" y=\"" + Fixed(y + 15) +
           "\" text-anchor=\"end\">" + html::Escape(Shorten(bar.label)) + "</text>";
    out += "<rect class=\"bar " + html::Escape(bar.css) + "\" x=\"" + Fixed(label_width) +
           "\" y=\"" + Fixed(y + 3) + "\" width=\"" +
           Fixed(std::max(span, bar.value > 0 ? 1.0 : 0.0)) + "\" height=\"" + Fixed(row - 6) +
           "\"><title>" + html::Escape(bar.label) + ": " + html::Grouped(bar.value) +
           "</title></rect>";
    out += ValueText(bar, label_width + span + 6, y + 15, "start");
    y += row;
  }
  out += "</svg>";
  return out;
}

std::string Histogram(const std::vector<Bar>& columns, const std::string& title) {
  const double width = 720, height = 220, bottom = 40, top = 18;
  const double slot = (width - 20) / std::max<size_t>(1, columns.size());
  uint64_t max = 1;
  for (const Bar& column : columns) max = std::max(max, column.value);
  std::string out = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + Fixed(width) + " " +
                    Fixed(height) + "\" width=\"" + Fixed(width) + "\" height=\"" + Fixed(height) +
                    "\"><title>" + html::Escape(title) + "</title>";
  out += "<line class=\"axis\" x1=\"10\" y1=\"" + Fixed(height - bottom) + "\" x2=\"" +
         Fixed(width - 10) + "\" y2=\"" + Fixed(height - bottom) + "\"/>";
  for (size_t i = 0; i < columns.size(); ++i) {
    const Bar& column = columns[i];
    const double x = 10 + slot * static_cast<double>(i);
    const double h =
        (height - bottom - top) * static_cast<double>(column.value) / static_cast<double>(max);
    out += "<rect class=\"bar " + html::Escape(column.css) + "\" x=\"" + Fixed(x + 2) + "\" y=\"" +
           Fixed(height - bottom - h) + "\" width=\"" + Fixed(slot - 4) + "\" height=\"" +
           Fixed(h) + "\"><title>" + html::Escape(column.label) + ": " +
           html::Grouped(column.value) + "</title></rect>";
    out += ValueText(column, x + slot / 2, height - bottom - h - 4, "middle");
    out += "<text class=\"label small\" x=\"" + Fixed(x + slot / 2) + "\" y=\"" +
           Fixed(height - bottom + 16) + "\" text-anchor=\"middle\">" + html::Escape(column.label) +
           "</text>";
  }
  out += "</svg>";
  return out;
}

std::string LineChart(const std::vector<int64_t>& x_ms, const std::vector<std::string>& x_labels,
                      const std::vector<Series>& series, bool percent, const std::string& title) {
  const double width = 720, height = 260, left = 50, right = 170, top = 14, bottom = 40;
  const size_t n = x_ms.size();
  double max = percent ? 100.0 : 0.0;
  for (const Series& s : series) {
    for (double v : s.values) {
      if (!std::isnan(v)) max = std::max(max, v);
    }
  }
  if (max <= 0) max = 1;
  const int64_t first = n ? x_ms.front() : 0, last = n ? x_ms.back() : 0;
  auto x_of = [&](size_t i) {
    if (n <= 1) return left + (width - left - right) / 2;
    const double f = last > first
                         ? static_cast<double>(x_ms[i] - first) / static_cast<double>(last - first)
                         : static_cast<double>(i) / static_cast<double>(n - 1);
    return left + f * (width - left - right);
  };
  auto y_of = [&](double v) { return top + (1.0 - v / max) * (height - top - bottom); };
  std::string out = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + Fixed(width) + " " +
                    Fixed(height) + "\" width=\"" + Fixed(width) + "\" height=\"" + Fixed(height) +
                    "\"><title>" + html::Escape(title) + "</title>";
  for (int tick = 0; tick <= 4; ++tick) {
    const double v = max * tick / 4.0;
    out += "<line class=\"grid\" x1=\"" + Fixed(left) + "\" y1=\"" + Fixed(y_of(v)) + "\" x2=\"" +
           Fixed(width - right) + "\" y2=\"" + Fixed(y_of(v)) + "\"/>";
    out += "<text class=\"label small\" x=\"" + Fixed(left - 6) + "\" y=\"" + Fixed(y_of(v) + 4) +
           "\" text-anchor=\"end\">" + Fixed(v) + (percent ? "%" : "") + "</text>";
  }
  for (size_t i = 0; i < n; ++i) {
    out += "<text class=\"label small\" x=\"" + Fixed(x_of(i)) + "\" y=\"" +
           Fixed(height - bottom + 16) + "\" text-anchor=\"middle\">" +
           html::Escape(i < x_labels.size() ? x_labels[i] : "") + "</text>";
  }
  double legend_y = top + 10;
  for (const Series& s : series) {
    std::string path;
    for (size_t i = 0; i < n && i < s.values.size(); ++i) {
      if (std::isnan(s.values[i])) continue;
      path += (path.empty() ? "M" : " L") + Fixed(x_of(i)) + " " + Fixed(y_of(s.values[i]));
      out += "<circle class=\"dot " + html::Escape(s.css) + "\" cx=\"" + Fixed(x_of(i)) +
             "\" cy=\"" + Fixed(y_of(s.values[i])) + "\" r=\"3\"><title>" + html::Escape(s.name) +
             ": " + Fixed(s.values[i]) + (percent ? " %" : "") + "</title></circle>";
    }
    if (!path.empty())
      out += "<path class=\"line " + html::Escape(s.css) + "\" d=\"" + path + "\"/>";
    out += "<rect class=\"bar " + html::Escape(s.css) + "\" x=\"" + Fixed(width - right + 10) +
           "\" y=\"" + Fixed(legend_y - 9) + "\" width=\"10\" height=\"10\"/>";
    out += "<text class=\"label small\" x=\"" + Fixed(width - right + 26) + "\" y=\"" +
           Fixed(legend_y) + "\">" + html::Escape(s.name) + "</text>";
    legend_y += 16;
  }
  out += "</svg>";
  return out;
}

}  // namespace starttls::svg
