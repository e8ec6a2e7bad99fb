#include "scanner/datasets/part_metadata.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "output/json_reader.h"
#include "output/rfc3339.h"

namespace starttls {
namespace {

// A complete part's metadata is a few kB; a stopped one lists its unstarted targets.
constexpr size_t kMaxMetadataBytes = 64 << 20;

// Per-machine and per-run flags (see ScanDefiningFlags).
constexpr std::array<std::string_view, 22> kPerRunFlags = {
    "input-file",  "output-file",   "metadata-file", "status-updates-file",
    "log-file",    "shard",         "resume",        "quiet",
    "threads",     "concurrency",   "senders",       "rate",
    "dns-rate",    "max-domains-in-flight",          "dns-queries-in-flight",
    "max-targets", "max-runtime",   "source-ip",     "resolver",
    "ehlo-name",   "dryrun",        "version",
};

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) return absl::NotFoundError(std::string(std::strerror(errno)));
  std::string text;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    text.append(buffer, n);
    if (text.size() > kMaxMetadataBytes) {
      return absl::ResourceExhaustedError("larger than " + std::to_string(kMaxMetadataBytes) +
                                          " bytes: not a metadata file");
    }
  }
  if (std::ferror(file.get())) return absl::DataLossError(std::string(std::strerror(errno)));
  return text;
}

// Reads the fields of one object; remembers the first missing or mistyped one.
class FieldReader {
 public:
  explicit FieldReader(const JsonValue* object) : object_(object) {}

  const JsonValue* Get(std::string_view key) {
    const JsonValue* value = object_ != nullptr ? object_->Find(key) : nullptr;
    if (value == nullptr) Fail(key, "missing");
    return value;
  }
  uint64_t Uint(std::string_view key) {
    const JsonValue* value = Get(key);
    std::optional<uint64_t> number = value != nullptr ? value->AsUint64() : std::nullopt;
    if (value != nullptr && !number.has_value()) Fail(key, "not a count");
    return number.value_or(0);
  }
  uint64_t OptionalUint(std::string_view key) {
    const JsonValue* value = object_ != nullptr ? object_->Find(key) : nullptr;
    return value != nullptr ? value->AsUint64().value_or(0) : 0;
  }
  std::string String(std::string_view key) {
    const JsonValue* value = Get(key);
    if (value != nullptr && !value->is_string()) Fail(key, "not a string");
    return value != nullptr && value->is_string() ? value->string() : std::string();
  }
  bool Bool(std::string_view key) {
    const JsonValue* value = Get(key);
    if (value != nullptr && !value->is_bool()) Fail(key, "not true or false");
    return value != nullptr && value->bool_value();
  }
  const JsonValue* Object(std::string_view key) {
    const JsonValue* value = Get(key);
    if (value != nullptr && !value->is_object()) Fail(key, "not an object");
    return value != nullptr && value->is_object() ? value : nullptr;
  }
  void Fail(std::string_view key, std::string_view why) {
    if (error_.empty()) error_ = "field " + std::string(key) + ": " + std::string(why);
  }
  const std::string& error() const { return error_; }

 private:
  const JsonValue* object_;
  std::string error_;
};

int64_t TimeField(const JsonValue& root, std::string_view key) {
  const JsonValue* value = root.Find(key);
  if (value == nullptr || !value->is_string()) return 0;
  return ParseRfc3339UnixMillis(value->string()).value_or(0);
}

}  // namespace

std::string MetadataPathFor(std::string_view part_path) {
  for (std::string_view suffix : {".ndjson.gz", ".ndjson.zst", ".ndjson"}) {
    if (part_path.ends_with(suffix)) {
      return std::string(part_path.substr(0, part_path.size() - suffix.size())) + ".json";
    }
  }
  size_t slash = part_path.rfind('/');
  size_t dot = part_path.rfind('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash + 1)) {
    part_path = part_path.substr(0, dot);
  }
  return std::string(part_path) + ".json";
}

absl::StatusOr<PartMetadata> ReadPartMetadata(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParsePartMetadata(*text);
}

absl::StatusOr<PartMetadata> ParsePartMetadata(std::string_view text) {
  absl::StatusOr<JsonValue> parsed =
      ParseJson(text, {.max_input_bytes = kMaxMetadataBytes,
                        .max_depth = 8,
                        .max_elements = 4'000'000,
                        .allow_duplicate_keys = true});  // a flag given twice
  if (!parsed.ok()) return absl::InvalidArgumentError(parsed.status().message());
  const JsonValue& root = *parsed;
  if (!root.is_object() || root.Find("type") == nullptr ||
      root.Find("type")->string() != "metadata") {
    return absl::InvalidArgumentError("not a starttls-scan metadata file");
  }
  FieldReader top(&root);
  PartMetadata meta;
  if (top.Uint("schema") != 2) top.Fail("schema", "not version 2");
  meta.version = top.String("version");
  std::string seed = top.String("seed");
  if (std::from_chars(seed.data(), seed.data() + seed.size(), meta.seed).ec != std::errc() ||
      seed.empty()) {
    top.Fail("seed", "not a decimal number");
  }
  uint64_t shards = top.Uint("shards");
  uint64_t shard = top.Uint("shard");
  // --shards is at most 65536 (scan_options.cc): more is not ours.
  if (shards == 0 || shards > 65536) top.Fail("shards", "out of range");
  if (shard >= shards) top.Fail("shard", "not below shards");
  meta.shards = static_cast<uint32_t>(shards);
  meta.shard = static_cast<uint32_t>(shard);
  meta.start_unix_ms = TimeField(root, "start");
  meta.end_unix_ms = TimeField(root, "end");
  meta.parts = static_cast<uint32_t>(std::min<uint64_t>(top.Uint("parts"), UINT32_MAX));
  meta.running = root.Find("running") != nullptr && root.Find("running")->bool_value();
  meta.completed = top.Bool("completed");
  if (const JsonValue* reason = root.Find("stop_reason"); reason != nullptr) {
    meta.stop_reason = reason->string();
  }
  meta.input_lines_read = top.OptionalUint("input_lines_read");
  if (const JsonValue* flags = top.Object("flags")) {
    for (const auto& [name, value] : flags->object()) {
      if (!value.is_string()) top.Fail("flags", "a value is not a string");
      meta.flags.emplace_back(name, value.string());
    }
  }
  FieldReader input(top.Object("input"));
  if (const JsonValue* sha = root.Find("input") ? root.Find("input")->Find("sha256") : nullptr) {
    meta.input_sha256 = sha->string();
  }
  meta.input.lines = input.Uint("lines");
  meta.input.skipped = input.Uint("skipped");
  meta.input.invalid = input.Uint("invalid");
  meta.input.duplicates = input.Uint("duplicates");
  meta.input.targets = input.Uint("targets");
  meta.input.other_shards = input.Uint("other_shards");
  meta.input.expanded = input.Uint("expanded");
  FieldReader records(top.Object("records"));
  meta.records.host = records.Uint("host");
  meta.records.host_from_mx = records.Uint("host_from_mx");
  meta.records.domain = records.Uint("domain");
  meta.records.error = records.Uint("error");
  FieldReader dns(root.Find("dns"));
  meta.domain_work.queries = dns.OptionalUint("queries");
  meta.domain_work.query_timeouts = dns.OptionalUint("query_timeouts");
  meta.domain_work.policy_fetches = dns.OptionalUint("policy_fetches");
  meta.domain_work.ad_seen = FieldReader(root.Find("dnssec")).OptionalUint("ad_seen");
  if (const JsonValue* unstarted = root.Find("not_started");
      unstarted != nullptr && unstarted->is_array()) {
    for (const JsonValue& target : unstarted->array()) meta.not_started.push_back(target.string());
  }
  for (const FieldReader* reader : {&top, &input, &records}) {
    if (!reader->error().empty()) return absl::InvalidArgumentError(reader->error());
  }
  return meta;
}

FlagList ScanDefiningFlags(const FlagList& flags) {
  FlagList kept;
  for (const auto& flag : flags) {
    if (std::find(kPerRunFlags.begin(), kPerRunFlags.end(), flag.first) == kPerRunFlags.end()) {
      kept.push_back(flag);
    }
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace starttls
