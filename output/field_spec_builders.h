// Short constexpr constructors for the field tables (output/field_table_*.cc), so each row of
// a table reads as one line: Required(Text("domain", "the input domain")).
#pragma once

#include "output/field_table.h"

namespace starttls::field_spec {

constexpr FieldSpec Scalar(std::string_view name, JsonTypes types, FieldFormat format,
                           std::string_view doc) {
  FieldSpec f{};
  f.name = name;
  f.types = types;
  f.format = format;
  f.doc = doc;
  return f;
}
constexpr FieldSpec Text(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonString, FieldFormat::kText, doc);
}
constexpr FieldSpec Raw(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonString, FieldFormat::kRaw, doc);
}
constexpr FieldSpec Time(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonString, FieldFormat::kTimestamp, doc);
}
constexpr FieldSpec Ip(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonString, FieldFormat::kIp, doc);
}
constexpr FieldSpec Int(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonInteger, FieldFormat::kNone, doc);
}
constexpr FieldSpec Number(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonNumber, FieldFormat::kNone, doc);
}
constexpr FieldSpec Bool(std::string_view name, std::string_view doc) {
  return Scalar(name, kJsonBoolean, FieldFormat::kNone, doc);
}
constexpr FieldSpec Object(std::string_view name, std::string_view doc) {
  FieldSpec f = Scalar(name, kJsonObject, FieldFormat::kNone, doc);
  f.shape = FieldShape::kObject;
  return f;
}
constexpr FieldSpec ObjectList(std::string_view name, std::string_view doc) {
  FieldSpec f = Scalar(name, kJsonArray, FieldFormat::kNone, doc);
  f.shape = FieldShape::kObjectList;
  return f;
}
// A list of scalars of `items` types (strings in `format`).
constexpr FieldSpec List(std::string_view name, JsonTypes items, FieldFormat format,
                         std::string_view doc) {
  FieldSpec f = Scalar(name, kJsonArray, format, doc);
  f.shape = FieldShape::kList;
  f.items = items;
  return f;
}
// An object with free member names whose values are of `values` types.
constexpr FieldSpec Map(std::string_view name, JsonTypes values, std::string_view doc) {
  FieldSpec f = Scalar(name, kJsonObject, FieldFormat::kNone, doc);
  f.shape = FieldShape::kMap;
  f.items = values;
  return f;
}

constexpr FieldSpec Required(FieldSpec f) {
  f.required = true;
  return f;
}
constexpr FieldSpec OrNull(FieldSpec f) {
  f.types = static_cast<JsonTypes>(f.types | kJsonNull);
  return f;
}
// Allowed in the record, but no default CSV column (bulky: DER certificates).
constexpr FieldSpec NotInCsv(FieldSpec f) {
  f.csv = false;
  return f;
}

}  // namespace starttls::field_spec
