// Rendering of a DiffSummary (scanner/datasets/scan_diff.h) for people and as JSON.
#include <set>

#include "output/json_writer.h"
#include "scanner/datasets/scan_diff.h"

namespace starttls {
namespace {

void WriteCounts(const Counts& counts, JsonWriter* w) {
  w->BeginObject();
  for (const auto& [name, count] : counts) w->UintField(name, count);
  w->EndObject();
}

void WriteTransitions(const Transitions& transitions, JsonWriter* w) {
  w->BeginObject();
  for (const auto& [from, row] : transitions) {
    w->Key(from);
    WriteCounts(Counts(row.begin(), row.end()), w);
  }
  w->EndObject();
}

std::string Matrix(const std::string& title, const Transitions& transitions) {
  std::set<std::string> columns;
  for (const auto& [from, row] : transitions) {
    for (const auto& [to, count] : row) columns.insert(to);
  }
  size_t width = 8;
  for (const auto& [from, row] : transitions) width = std::max(width, from.size());
  for (const std::string& column : columns) width = std::max(width, column.size());
  auto pad = [&](std::string text) {
    if (text.size() < width + 2) text.insert(0, width + 2 - text.size(), ' ');
    return text;
  };
  std::string out = title + " (rows: old, columns: new)\n" + pad("");
  for (const std::string& column : columns) out += pad(column);
  out += "\n";
  for (const auto& [from, row] : transitions) {
    out += pad(from);
    for (const std::string& column : columns) {
      auto it = row.find(column);
      out += pad(it == row.end() ? "0" : std::to_string(it->second));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

std::string FormatDiffSummary(const DiffSummary& s) {
  std::string out = "diff " + s.old_label + " -> " + s.new_label + "\n";
  out += "  hosts " + std::to_string(s.hosts_old) + " -> " + std::to_string(s.hosts_new) +
         ", domains " + std::to_string(s.domains_old) + " -> " + std::to_string(s.domains_new) +
         "\n";
  out += "  changed: " + std::to_string(s.host_changes) + " hosts, " +
         std::to_string(s.domain_changes) + " domains";
  for (const auto& [what, count] : s.changes_by_what)
    out += "; " + what + " " + std::to_string(count);
  out += "\n";
  if (s.duplicate_keys_old + s.duplicate_keys_new > 0) {
    out += "  targets named twice (first kept): old " + std::to_string(s.duplicate_keys_old) +
           ", new " + std::to_string(s.duplicate_keys_new) + "\n";
  }
  if (!s.host_class.empty()) out += Matrix("host class", s.host_class);
  if (!s.domain_verdict.empty()) out += Matrix("domain verdict", s.domain_verdict);
  return out;
}

void WriteDiffSummaryJson(const DiffSummary& s, JsonWriter* w) {
  w->BeginObject();
  w->StringField("old", s.old_label);
  w->StringField("new", s.new_label);
  w->Key("hosts");
  w->BeginObject();
  w->UintField("old", s.hosts_old);
  w->UintField("new", s.hosts_new);
  w->UintField("changed", s.host_changes);
  w->EndObject();
  w->Key("domains");
  w->BeginObject();
  w->UintField("old", s.domains_old);
  w->UintField("new", s.domains_new);
  w->UintField("changed", s.domain_changes);
  w->EndObject();
  w->Key("changes_by_what");
  WriteCounts(s.changes_by_what, w);
  w->Key("duplicate_keys");
  w->BeginObject();
  w->UintField("old", s.duplicate_keys_old);
  w->UintField("new", s.duplicate_keys_new);
  w->EndObject();
  w->Key("transitions");
  w->BeginObject();
  w->Key("class");
  WriteTransitions(s.host_class, w);
  w->Key("verdict");
  WriteTransitions(s.domain_verdict, w);
  w->EndObject();
  w->EndObject();
}

}  // namespace starttls
