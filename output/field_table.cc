#include "output/field_table.h"

#include <array>

#include "output/field_spec_builders.h"
#include "output/field_tables.h"

namespace starttls {
namespace {

using namespace field_spec;  // NOLINT: table rows read better unqualified

constexpr FieldSpec kError[] = {
    Required(Text("type", "record type: error")),
    Required(Int("schema", "record schema version (1)")),
    Int("line", "the input line (1-based)"),
    Raw("input", "the line's bytes (a prefix of a long line)"),
    Required(Text("error", "what is wrong with it, naming the line")),
};

// One per target whose judgement changed between two scans (`starttls-scan diff`).
constexpr FieldSpec kChange[] = {
    Required(Text("type", "record type: change")),
    Required(Int("schema", "record schema version (1)")),
    Required(Text("kind", "host or domain")),
    Required(Text("key", "the domain, or ip:port ([ipv6]:port)")),
    Required(List("what", kJsonString, FieldFormat::kText,
                  "what changed: appeared, disappeared, status, class, verdict, tls_version, "
                  "trusted, fingerprint")),
    Required(OrNull(Object("old", "the old scan's values; null when the target appeared"))),
    OrNull(Text("old.status", "host status")),
    OrNull(Text("old.class", "host class")),
    OrNull(Text("old.verdict", "domain verdict")),
    OrNull(Text("old.tls_version", "negotiated TLS version")),
    OrNull(Bool("old.trusted", "chain trusted")),
    OrNull(Text("old.fingerprint", "leaf certificate SHA-256, hex")),
    Required(OrNull(Object("new", "the new scan's values; null when the target disappeared"))),
    OrNull(Text("new.status", "host status")),
    OrNull(Text("new.class", "host class")),
    OrNull(Text("new.verdict", "domain verdict")),
    OrNull(Text("new.tls_version", "negotiated TLS version")),
    OrNull(Bool("new.trusted", "chain trusted")),
    OrNull(Text("new.fingerprint", "leaf certificate SHA-256, hex")),
};

constexpr JsonTypes kCount = kJsonInteger;

// The --metadata-file (docs/rules.md §6), written by scanner/scan/scan_metadata.cc.
constexpr FieldSpec kMetadata[] = {
    Text("type", "record type: metadata"),
    Int("schema", "metadata schema version (1)"),
    Required(Text("version", "starttls-scan version")),
    Required(Map("flags", kJsonString | kJsonNumber | kJsonBoolean | kJsonNull | kJsonArray,
                 "effective flags, name (without --) to value")),
    Required(Scalar("seed", kJsonString | kJsonInteger, FieldFormat::kText,
                    "the order's seed: a decimal string (older files: an integer)")),
    Required(Int("shards", "number of shards")),
    Required(Int("shard", "this shard (0-based)")),
    Required(Time("start", "when the scan started")),
    OrNull(Time("end", "when it ended")),
    Bool("completed", "false when stopped by a signal or an error"),
    Text("stop_reason", "why it did not complete"),
    Int("input_lines_read", "input lines fully handled (--resume skips these)"),
    Object("input", "the accounting of the input"),
    Int("input.lines", "lines read"),
    Int("input.skipped", "blank and comment lines"),
    Int("input.invalid", "lines that name no target (error records)"),
    Int("input.duplicates", "lines naming a target already named"),
    Int("input.targets", "distinct targets"),
    Int("input.other_shards", "targets left to other shards"),
    Required(Object("counts", "record counts")),
    Required(Map("counts.by_status", kCount, "host records per status")),
    Required(Map("counts.by_class", kCount, "host records per class")),
    Required(Map("counts.by_anomaly", kCount, "host records per anomaly")),
    Required(Object("counts.targets", "targets")),
    Required(Int("counts.targets.total", "targets seen")),
    Required(Int("counts.targets.done", "targets with a record")),
    Required(Int("counts.targets.not_started", "targets never started")),
    Int("counts.targets.input_errors", "input lines that name no target"),
    Int("counts.targets.domains", "domain targets"),
    List("not_started", kJsonString, FieldFormat::kText, "endpoints read but never scanned (ip:port)"),
};

const std::array<RecordTable, 6> kTables = {{
    {"host", "starttls-scan.schema.json", "host", {}},
    {"domain", "starttls-scan.schema.json", "domain", {}},
    {"error", "starttls-scan.schema.json", "error", kError},
    {"classify", "starttls-scan.schema.json", "classify", {}},
    {"change", "starttls-scan.schema.json", "change", kChange},
    {"metadata", "metadata.schema.json", "", kMetadata},
}};

// The tables defined in other files are filled in on first use (their spans are not
// constant expressions here).
const std::array<RecordTable, 6>& Tables() {
  static const std::array<RecordTable, 6> tables = [] {
    std::array<RecordTable, 6> t = kTables;
    t[0].fields = HostFields();
    t[1].fields = DomainFields();
    t[3].fields = ClassifyFields();
    return t;
  }();
  return tables;
}

}  // namespace

std::span<const RecordTable> RecordTables() { return Tables(); }

const RecordTable* FindRecordTable(std::string_view type) {
  for (const RecordTable& table : Tables()) {
    if (table.type == type) return &table;
  }
  return nullptr;
}

const FieldSpec* FindField(const RecordTable& table, std::string_view dotted) {
  for (const FieldSpec& field : table.fields) {
    if (field.name == dotted) return &field;
  }
  return nullptr;
}

std::string_view FieldKey(const FieldSpec& field) {
  size_t dot = field.name.rfind('.');
  return dot == std::string_view::npos ? field.name : field.name.substr(dot + 1);
}

std::string_view FieldParent(const FieldSpec& field) {
  size_t dot = field.name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : field.name.substr(0, dot);
}

bool IsCsvLeaf(const FieldSpec& field) {
  return field.shape != FieldShape::kObject && field.shape != FieldShape::kObjectList;
}

std::string DescribeTypes(const FieldSpec& field) {
  auto names = [](JsonTypes types) {
    static constexpr std::pair<JsonTypes, std::string_view> kNames[] = {
        {kJsonString, "string"}, {kJsonInteger, "integer"}, {kJsonNumber, "number"},
        {kJsonBoolean, "boolean"}, {kJsonArray, "array"},   {kJsonObject, "object"},
        {kJsonNull, "null"}};
    std::string out;
    for (const auto& [bit, name] : kNames) {
      if ((types & bit) == 0) continue;
      if (!out.empty()) out += "|";
      out += name;
    }
    return out;
  };
  switch (field.shape) {
    case FieldShape::kList:
      return "array of " + names(field.items) + ((field.types & kJsonNull) ? "|null" : "");
    case FieldShape::kObjectList:
      return "array of object";
    case FieldShape::kMap:
      return "object of " + names(field.items);
    default:
      return names(field.types);
  }
}

}  // namespace starttls
