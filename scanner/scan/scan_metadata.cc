#include "scanner/scan/scan_metadata.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "output/json_writer.h"
#include "output/ndjson_reader.h"
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

void WriteInput(const InputCounts& input, const std::string& sha256, JsonWriter* w) {
  w->Key("input");
  w->BeginObject();
  // Empty in the file written at the start (nothing read yet): absent then, not "".
  if (!sha256.empty()) w->StringField("sha256", sha256);
  w->UintField("lines", input.lines);
  w->UintField("skipped", input.skipped);
  w->UintField("invalid", input.invalid);
  w->UintField("duplicates", input.duplicates);
  w->UintField("targets", input.targets);
  w->UintField("other_shards", input.other_shards);
  w->UintField("expanded", input.expanded);
  w->EndObject();
}

}  // namespace

std::optional<EarlierParts> ReadEarlierParts(const std::string& path) {
  if (path.empty() || path == "-") return std::nullopt;
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  std::optional<EarlierParts> earlier;
  ParseOneJsonText(text.str(), [&](simdjson::ondemand::document_reference doc) -> std::string {
    std::string_view type;
    simdjson::ondemand::object object;
    if (doc.get_object().get(object) || object["type"].get_string().get(type) ||
        type != "metadata") {
      return "";
    }
    earlier.emplace();
    earlier->parts = 1;
    uint64_t parts = 0;
    std::string_view start;
    if (!object.find_field_unordered("parts").get_uint64().get(parts)) {
      earlier->parts = static_cast<uint32_t>(parts);
    }
    if (!object.find_field_unordered("start").get_string().get(start)) {
      if (std::optional<int64_t> ms = ParseRfc3339UnixMillis(start)) earlier->start_unix_ms = *ms;
    }
    return "";
  });
  return earlier;
}

std::string RenderMetadata(const ScanRunInfo& info, const TallySnapshot& counts) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", "metadata");
  w.IntField("schema", kMetadataSchemaVersion);
  w.StringField("version", info.version);
  w.Key("flags");
  w.BeginObject();
  for (const auto& [name, value] : info.flags) w.StringField(name, value);
  w.EndObject();
  w.StringField("seed", std::to_string(info.seed));
  w.UintField("shards", info.shards);
  if (info.shard.has_value()) w.UintField("shard", *info.shard);
  w.StringField("start", FormatRfc3339UnixMillis(info.start_unix_ms));
  if (info.part_start_unix_ms != 0) {
    w.StringField("part_start", FormatRfc3339UnixMillis(info.part_start_unix_ms));
  }
  if (info.end_unix_ms != 0) {
    w.StringField("end", FormatRfc3339UnixMillis(info.end_unix_ms));
  } else {
    w.NullField("end");
  }
  w.UintField("parts", info.parts);
  w.BoolField("running", info.running);
  w.BoolField("completed", info.completed);
  if (!info.stop_reason.empty()) w.StringField("stop_reason", info.stop_reason);
  w.UintField("input_lines_read", info.input_lines_read);
  WriteInput(info.input, info.input_sha256, &w);

  // How late deadlines fired and how long a loop turn worked: the error bar of every timeout.
  if (const std::optional<LoopLag>& lag = info.loop_lag; lag.has_value()) {
    w.Key("loop_lag_ms");
    w.BeginObject();
    w.DoubleField("timer_max", lag->timer_lateness.max_ms());
    w.DoubleField("timer_p99", lag->timer_lateness.QuantileMs(0.99));
    w.DoubleField("pass_max", lag->pass_time.max_ms());
    w.DoubleField("pass_p99", lag->pass_time.QuantileMs(0.99));
    w.UintField("timers", lag->timer_lateness.count());
    w.UintField("passes", lag->pass_time.count());
    w.EndObject();
  }

  // A survey run through a resolver that does not validate shows here: no answer had AD.
  w.Key("dnssec");
  w.BeginObject();
  w.UintField("ad_seen", info.domain_work.ad_seen);
  w.EndObject();
  w.Key("dns");
  w.BeginObject();
  w.UintField("queries", info.domain_work.queries);
  w.UintField("query_timeouts", info.domain_work.query_timeouts);
  w.UintField("policy_fetches", info.domain_work.policy_fetches);
  w.EndObject();

  w.Key("records");
  w.BeginObject();
  w.UintField("host", counts.hosts_done);
  w.UintField("host_from_mx", counts.hosts_from_mx);
  w.UintField("domain", counts.domains);
  w.UintField("error", counts.input_errors);
  w.EndObject();

  w.Key("counts");
  w.BeginObject();
  WriteCounts("by_status", kScanStatusNames, counts.by_status, &w);
  WriteCounts("by_class", kEhloClassNames, counts.by_class, &w);
  WriteCounts("by_anomaly", kAnomalyNames, counts.by_anomaly, &w);
  w.Key("targets");
  w.BeginObject();
  w.UintField("total", info.input.targets - info.input.other_shards);
  w.UintField("done", counts.targets_done());
  w.UintField("not_started", info.not_started.size());
  w.UintField("input_errors", counts.input_errors);
  w.UintField("domains", counts.domains);
  w.EndObject();
  w.EndObject();

  w.Key("not_started");
  w.BeginArray();
  for (const std::string& target : info.not_started) w.String(target);
  w.EndArray();
  if (!info.merged_from.empty()) {
    w.Key("merged_from");
    w.BeginArray();
    for (const std::string& part : info.merged_from) w.String(part);
    w.EndArray();
  }
  if (info.missing_shards.has_value()) {
    w.Key("missing_shards");
    w.BeginArray();
    for (uint32_t shard : *info.missing_shards) w.Uint(shard);
    w.EndArray();
  }
  w.EndObject();
  w.EndLine();
  return out;
}

std::string WriteMetadataFile(const std::string& path, const ScanRunInfo& info,
                              const TallySnapshot& counts) {
  std::string text = RenderMetadata(info, counts);
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stderr);
    return std::fflush(stderr) == 0 ? "" : "cannot write to stderr";
  }
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
