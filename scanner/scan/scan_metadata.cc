#include "scanner/scan/scan_metadata.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "output/json_writer.h"
#include "output/rfc3339.h"

namespace starttls {
namespace {

template <typename Names, typename Counts>
void WriteCounts(std::string_view key, const Names& names, const Counts& counts, JsonWriter* w) {
  w->Key(key);
  w->BeginObject();
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) w->UintField(names[i], counts[i]);
  }
  w->EndObject();
}

std::string Render(const ScanRunInfo& info, const TallySnapshot& counts) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", "metadata");
  w.IntField("schema", 1);
  w.StringField("version", info.version);
  w.Key("flags");
  w.BeginObject();
  for (const auto& [name, value] : info.flags) w.StringField(name, value);
  w.EndObject();
  w.UintField("seed", info.seed);
  w.UintField("shards", info.shards);
  w.UintField("shard", info.shard);
  w.StringField("start", FormatRfc3339UnixMillis(info.start_unix_ms));
  w.StringField("end", FormatRfc3339UnixMillis(info.end_unix_ms));
  w.BoolField("completed", info.completed);
  if (!info.stop_reason.empty()) w.StringField("stop_reason", info.stop_reason);
  w.UintField("input_lines_read", info.input_lines_read);

  w.Key("counts");
  w.BeginObject();
  WriteCounts("by_status", kScanStatusNames, counts.by_status, &w);
  WriteCounts("by_class", kEhloClassNames, counts.by_class, &w);
  WriteCounts("by_anomaly", kAnomalyNames, counts.by_anomaly, &w);
  w.Key("targets");
  w.BeginObject();
  w.UintField("total", counts.targets_seen);
  w.UintField("done", counts.hosts_done);
  w.UintField("not_started", info.not_started.size());
  w.UintField("input_errors", counts.input_errors);
  w.UintField("domains", counts.domains);
  w.EndObject();
  w.EndObject();

  w.Key("not_started");
  w.BeginArray();
  for (const std::string& endpoint : info.not_started) w.String(endpoint);
  w.EndArray();
  w.EndObject();
  w.EndLine();
  return out;
}

}  // namespace

std::string WriteMetadataFile(const std::string& path, const ScanRunInfo& info,
                              const TallySnapshot& counts) {
  std::string text = Render(info, counts);
  std::string temporary = path + ".tmp";
  FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr) return "cannot write " + temporary + ": " + std::strerror(errno);
  bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return "cannot write " + path + ": " + std::strerror(errno);
  }
  return "";
}

}  // namespace starttls
