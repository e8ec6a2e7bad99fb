#include "scanner/datasets/part_metadata.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include <simdjson.h>

#include "output/rfc3339.h"

namespace starttls {
namespace {

// A complete part's metadata is a few kB; a stopped one lists its unstarted targets.
constexpr size_t kMaxMetadataBytes = 64 << 20;

// Per-machine and per-run flags (see ScanDefiningFlags).
constexpr std::array<std::string_view, 22> kPerRunFlags = {
    "input-file",
    "output-file",
    "metadata-file",
    "status-updates-file",
    "log-file",
    "shard",
    "resume",
    "quiet",
    "threads",
    "concurrency",
    "senders",
    "rate",
    "dns-rate",
    "max-domains-in-flight",
    "dns-queries-in-flight",
    "max-targets",
    "max-runtime",
    "source-ip",
    "resolver",
    "ehlo-name",
    "dryrun",
    "version",
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

// Reads the fields of one object (simdjson's DOM: a metadata file is small and read by key);
// remembers the first missing or mistyped one.
class FieldReader {
 public:
  explicit FieldReader(std::optional<simdjson::dom::object> object) : object_(object) {}

  std::optional<simdjson::dom::element> Find(std::string_view key) const {
    simdjson::dom::element value;
    if (!object_ || object_->at_key(key).get(value)) return std::nullopt;
    return value;
  }
  std::optional<simdjson::dom::element> Get(std::string_view key) {
    auto value = Find(key);
    if (!value) Fail(key, "missing");
    return value;
  }
  uint64_t Uint(std::string_view key) {
    auto value = Get(key);
    uint64_t number = 0;
    if (value && value->get_uint64().get(number)) Fail(key, "not a count");
    return number;
  }
  uint64_t OptionalUint(std::string_view key) const {
    auto value = Find(key);
    uint64_t number = 0;
    if (!value || value->get_uint64().get(number)) return 0;
    return number;
  }
  std::string String(std::string_view key) {
    auto value = Get(key);
    std::string_view text;
    if (value && value->get_string().get(text)) Fail(key, "not a string");
    return std::string(text);
  }
  std::string OptionalString(std::string_view key) const {
    auto value = Find(key);
    std::string_view text;
    if (!value || value->get_string().get(text)) return {};
    return std::string(text);
  }
  bool Bool(std::string_view key) {
    auto value = Get(key);
    bool flag = false;
    if (value && value->get_bool().get(flag)) Fail(key, "not true or false");
    return flag;
  }
  bool OptionalBool(std::string_view key) const {
    auto value = Find(key);
    bool flag = false;
    if (!value || value->get_bool().get(flag)) return false;
    return flag;
  }
  std::optional<simdjson::dom::object> Object(std::string_view key) {
    auto value = Get(key);
    simdjson::dom::object object;
    if (value && value->get_object().get(object)) {
      Fail(key, "not an object");
      return std::nullopt;
    }
    if (!value) return std::nullopt;
    return object;
  }
  std::optional<simdjson::dom::object> OptionalObject(std::string_view key) const {
    auto value = Find(key);
    simdjson::dom::object object;
    if (!value || value->get_object().get(object)) return std::nullopt;
    return object;
  }
  void Fail(std::string_view key, std::string_view why) {
    if (error_.empty()) error_ = "field " + std::string(key) + ": " + std::string(why);
  }
  const std::string& error() const { return error_; }

 private:
  std::optional<simdjson::dom::object> object_;
  std::string error_;
};

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
  if (text.size() > kMaxMetadataBytes) {
    return absl::InvalidArgumentError("larger than a metadata file can be");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element parsed;
  if (auto error = parser.parse(text.data(), text.size()).get(parsed)) {
    return absl::InvalidArgumentError(std::string("not JSON: ") + simdjson::error_message(error));
  }
  simdjson::dom::object root_object;
  std::string_view type;
  if (parsed.get_object().get(root_object) || root_object["type"].get_string().get(type) ||
      type != "metadata") {
    return absl::InvalidArgumentError("not a starttls-scan metadata file");
  }
  FieldReader top(root_object);
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
  meta.start_unix_ms = ParseRfc3339UnixMillis(top.OptionalString("start")).value_or(0);
  meta.end_unix_ms = ParseRfc3339UnixMillis(top.OptionalString("end")).value_or(0);
  meta.parts = static_cast<uint32_t>(std::min<uint64_t>(top.Uint("parts"), UINT32_MAX));
  meta.running = top.OptionalBool("running");
  meta.completed = top.Bool("completed");
  meta.stop_reason = top.OptionalString("stop_reason");
  meta.input_lines_read = top.OptionalUint("input_lines_read");
  if (auto flags = top.Object("flags")) {
    for (auto [name, value] : *flags) {
      std::string_view text_value;
      if (value.get_string().get(text_value)) top.Fail("flags", "a value is not a string");
      meta.flags.emplace_back(std::string(name), std::string(text_value));
    }
  }
  FieldReader input(top.Object("input"));
  meta.input_sha256 = input.OptionalString("sha256");
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
  FieldReader dns(top.OptionalObject("dns"));
  meta.domain_work.queries = dns.OptionalUint("queries");
  meta.domain_work.query_timeouts = dns.OptionalUint("query_timeouts");
  meta.domain_work.policy_fetches = dns.OptionalUint("policy_fetches");
  meta.domain_work.ad_seen = FieldReader(top.OptionalObject("dnssec")).OptionalUint("ad_seen");
  if (auto unstarted = top.Find("not_started")) {
    simdjson::dom::array items;
    if (!unstarted->get_array().get(items)) {
      for (simdjson::dom::element target : items) {
        std::string_view name;
        if (!target.get_string().get(name)) meta.not_started.emplace_back(name);
      }
    }
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
