// Every record starttls-scan writes or reads, described once: per record type an ordered list
// of fields with their dotted name, JSON type, string format and a one-line doc (ZMap's
// fieldsets are the model). The JSON Schema files in output/schema/ say the same thing for
// validators; tests/datasets/field_table_test.cc keeps the two in agreement both ways.
//
// What drives off it: the CSV columns (output/csv_record.h), `convert --output-fields`,
// `convert --list-fields` (the man page's field list), and — once the writers move onto it —
// the NDJSON member order: a record's members appear in table order, each object's children
// right after it (pre-order), so a writer walks the table and emits what it has.
//
// Nesting is in the dotted names: "tls.validation.trusted" is the member `trusted` of the
// object `validation` of the object `tls`. The items of an array of objects are described by
// the array's name as prefix: "tls.chain.sha256" is `sha256` of each object in `tls.chain`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace starttls {

// JSON value types as a bit set: a field may allow several ("string or null").
enum JsonTypeBit : uint8_t {
  kJsonNull = 1,
  kJsonBoolean = 2,
  kJsonInteger = 4,
  kJsonNumber = 8,  // any number, fractions allowed
  kJsonString = 16,
  kJsonArray = 32,
  kJsonObject = 64,
};
using JsonTypes = uint8_t;

// What a string (or each string item of an array) holds.
enum class FieldFormat : uint8_t {
  kNone,       // not a string
  kText,       // our own UTF-8 text
  kRaw,        // server bytes, one code point U+0000..U+00FF per byte (docs/rules.md §6)
  kTimestamp,  // RFC 3339
  kIp,         // IPv4 or IPv6 text form
};

// How a field nests.
enum class FieldShape : uint8_t {
  kScalar,      // string, number, boolean or null
  kList,        // array of scalars (`items` says of which types)
  kObject,      // object whose members are the fields named "<this>.<member>" below it
  kObjectList,  // array of objects whose members are the fields "<this>.<member>"
  kMap,         // object with free member names (flags, counts.by_status): one value
};

struct FieldSpec {
  std::string_view name;  // dotted path from the record's top
  JsonTypes types;        // types of the value itself
  FieldShape shape = FieldShape::kScalar;
  FieldFormat format = FieldFormat::kNone;  // for strings and lists of strings
  JsonTypes items = 0;                      // kList / kMap: types of each item or member value
  bool required = false;                    // must be present whenever its parent is
  bool csv = true;                          // a default CSV column (leaves only; see IsCsvLeaf)
  std::string_view doc;
};

struct RecordTable {
  std::string_view type;         // the record's "type" value
  std::string_view schema_file;  // output/schema/<file>
  std::string_view schema_def;   // the $defs entry holding its fields ("" = top level)
  std::span<const FieldSpec> fields;
};

// Every record type, in this order: host, domain, error, classify, change, metadata.
std::span<const RecordTable> RecordTables();
const RecordTable* FindRecordTable(std::string_view type);
// The field named `dotted` in `table`, or nullptr.
const FieldSpec* FindField(const RecordTable& table, std::string_view dotted);

// True for fields that hold one CSV cell: scalars, lists and maps (not objects or lists of
// objects, whose members are the cells).
bool IsCsvLeaf(const FieldSpec& field);

// "string|null", "array of string", ... for help texts and the man page.
std::string DescribeTypes(const FieldSpec& field);

}  // namespace starttls
