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
    Required(Text("type", "record type: metadata")),
    Required(Int("schema", "metadata schema version (2)")),
    Required(Text("version", "starttls-scan version")),
    Required(
        Map("flags", kJsonString, "effective flags, long name (without --) to value as given")),
    Required(Text("seed", "the order's seed, a decimal string so that no JSON reader rounds it")),
    Required(Int("shards", "number of shards")),
    Int("shard", "this shard (0-based); absent in a merge of several"),
    Required(Time("start", "the first part's start")),
    Time("part_start", "this part's start"),
    OrNull(Time("end", "when it ended")),
    Required(Int("parts", "runs the output took (1 + the --resume runs)")),
    Bool("running", "true in the file written at the start: the run has not ended (or was killed)"),
    Required(Bool("completed", "false when stopped by a signal or an error")),
    Text("stop_reason", "why it did not complete"),
    Int("input_lines_read", "input lines fully handled (--resume skips these)"),
    Required(Object("input", "the accounting of the input")),
    Text("input.sha256", "SHA-256 of the input bytes read: every shard of a scan reads the same"),
    Required(Int("input.lines", "lines read")),
    Required(Int("input.skipped", "blank and comment lines, a ZMap CSV header")),
    Required(Int("input.invalid", "lines that name no target (error records)")),
    Required(Int("input.duplicates", "targets named again after their first line")),
    Required(Int("input.targets", "distinct targets of the whole input (all shards)")),
    Required(Int("input.other_shards", "targets left to other shards")),
    Required(Int("input.expanded",
                 "targets lines name beyond their first (CIDR addresses, extra ports)")),
    Object("loop_lag_ms", "how late deadlines fired and how long a loop turn worked, in ms"),
    Required(Number("loop_lag_ms.timer_max", "latest deadline")),
    Required(Number("loop_lag_ms.timer_p99", "99th percentile of deadline lateness")),
    Required(Number("loop_lag_ms.pass_max", "longest loop turn")),
    Required(Number("loop_lag_ms.pass_p99", "99th percentile of loop turns")),
    Int("loop_lag_ms.timers", "deadlines measured"),
    Int("loop_lag_ms.passes", "loop turns measured"),
    Object("dnssec", "DNS answers that carried the AD bit (docs/rules.md §8)"),
    Int("dnssec.ad_seen", "answers with AD set"),
    Object("dns", "the DNS and policy work of this part"),
    Int("dns.queries", "queries sent to the resolver"),
    Int("dns.query_timeouts", "queries that got no answer"),
    Int("dns.policy_fetches", "MTA-STS policy fetches started"),
    Required(Object("records", "records in the output file (all parts)")),
    Required(Int("records.host", "host records")),
    Required(Int("records.host_from_mx", "host records of MX hosts that are not input targets")),
    Required(Int("records.domain", "domain records")),
    Required(Int("records.error", "error records")),
    Required(Object("counts", "record counts")),
    Required(Map("counts.by_status", kCount, "host records per status")),
    Required(Map("counts.by_class", kCount, "host records per class")),
    Required(Map("counts.by_anomaly", kCount, "host records per anomaly")),
    Required(Object("counts.targets", "targets")),
    Required(Int("counts.targets.total", "this shard's targets")),
    Required(Int("counts.targets.done", "records of this shard's targets")),
    Required(Int("counts.targets.not_started", "targets never started")),
    Int("counts.targets.input_errors", "input lines that name no target"),
    Int("counts.targets.domains", "domain targets"),
    Required(
        List("not_started", kJsonString, FieldFormat::kText,
             "targets taken in but never scanned (ip:port, or a domain): --resume scans them")),
    List("merged_from", kJsonString, FieldFormat::kText,
         "starttls-scan merge: the parts merged (file names as given), in shard order"),
    List("missing_shards", kJsonInteger, FieldFormat::kNone,
         "starttls-scan merge --allow-partial: shards missing or incomplete, left out"),
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

bool IsCsvLeaf(const FieldSpec& field) {
  return field.shape != FieldShape::kObject && field.shape != FieldShape::kObjectList;
}

std::string DescribeTypes(const FieldSpec& field) {
  auto names = [](JsonTypes types) {
    static constexpr std::pair<JsonTypes, std::string_view> kNames[] = {
        {kJsonString, "string"},   {kJsonInteger, "integer"}, {kJsonNumber, "number"},
        {kJsonBoolean, "boolean"}, {kJsonArray, "array"},     {kJsonObject, "object"},
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
