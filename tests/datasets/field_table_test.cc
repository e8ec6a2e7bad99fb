// The field table (output/field_table.h) and the JSON Schema files (output/schema/) describe
// the same records: every schema property is in the table with the same JSON types, shape,
// string format (raw, timestamp, ip) and requiredness, and every table field is a schema
// property. The schema is walked here independently of the table ($ref, anyOf, enum, const,
// items, additionalProperties resolved by this test).
#include <simdjson.h>

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "output/field_table.h"

namespace starttls {
namespace {

// The member key of a field (the last segment of its name) and its parent's dotted name.
std::string_view FieldKey(const FieldSpec& field) {
  size_t dot = field.name.rfind('.');
  return dot == std::string_view::npos ? field.name : field.name.substr(dot + 1);
}

std::string_view FieldParent(const FieldSpec& field) {
  size_t dot = field.name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : field.name.substr(0, dot);
}

namespace dom = simdjson::dom;

struct SchemaField {
  JsonTypes types = 0;
  FieldShape shape = FieldShape::kScalar;
  FieldFormat format = FieldFormat::kNone;
  JsonTypes items = 0;
  bool required = false;
};

class SchemaWalker {
 public:
  explicit SchemaWalker(dom::element root) : root_(root) {}

  // Collects the properties of `object_schema` (already resolved) under `prefix`.
  void CollectObject(dom::element object_schema, const std::string& prefix,
                     std::map<std::string, SchemaField>* out) {
    std::set<std::string> required;
    dom::array required_list;
    if (!object_schema["required"].get(required_list)) {
      for (dom::element name : required_list) required.insert(std::string(std::string_view(name)));
    }
    dom::object properties;
    if (object_schema["properties"].get(properties)) return;
    for (auto [key, property] : properties) {
      const std::string name = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
      SchemaField field;
      Describe(property, name, &field, out);
      field.required = required.count(std::string(key)) > 0;
      (*out)[name] = field;
    }
  }

 private:
  static FieldFormat FormatOfRef(std::string_view ref) {
    if (ref == "#/$defs/raw") return FieldFormat::kRaw;
    if (ref == "#/$defs/rfc3339") return FieldFormat::kTimestamp;
    if (ref == "#/$defs/ip") return FieldFormat::kIp;
    return FieldFormat::kNone;
  }

  dom::element Resolve(std::string_view ref) {
    EXPECT_TRUE(ref.starts_with("#/$defs/")) << ref;
    return root_["$defs"][ref.substr(8)];
  }

  static JsonTypes TypeOfName(std::string_view name) {
    if (name == "string") return kJsonString;
    if (name == "integer") return kJsonInteger;
    if (name == "number") return kJsonNumber;
    if (name == "boolean") return kJsonBoolean;
    if (name == "array") return kJsonArray;
    if (name == "object") return kJsonObject;
    if (name == "null") return kJsonNull;
    ADD_FAILURE() << "unknown schema type " << name;
    return 0;
  }

  static JsonTypes TypeOfValue(dom::element value) {
    switch (value.type()) {
      case dom::element_type::STRING:
        return kJsonString;
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
        return kJsonInteger;
      case dom::element_type::DOUBLE:
        return kJsonNumber;
      case dom::element_type::BOOL:
        return kJsonBoolean;
      case dom::element_type::NULL_VALUE:
        return kJsonNull;
      case dom::element_type::ARRAY:
        return kJsonArray;
      case dom::element_type::OBJECT:
        return kJsonObject;
    }
    return 0;
  }

  // Fills types/format/shape of one property schema; nested properties go to `out`.
  void Describe(dom::element schema, const std::string& name, SchemaField* field,
                std::map<std::string, SchemaField>* out) {
    std::string_view ref;
    if (!schema["$ref"].get(ref)) {
      if (FormatOfRef(ref) != FieldFormat::kNone) field->format = FormatOfRef(ref);
      Describe(Resolve(ref), name, field, out);
    }
    dom::element type;
    if (!schema["type"].get(type)) {
      if (type.is_string()) {
        field->types |= TypeOfName(std::string_view(type));
      } else {
        for (dom::element t : dom::array(type)) field->types |= TypeOfName(std::string_view(t));
      }
    }
    dom::array values;
    if (!schema["enum"].get(values)) {
      for (dom::element v : values) field->types |= TypeOfValue(v);
    }
    dom::element constant;
    if (!schema["const"].get(constant)) field->types |= TypeOfValue(constant);
    for (const char* combinator : {"anyOf", "oneOf"}) {
      dom::array branches;
      if (schema[combinator].get(branches)) continue;
      for (dom::element branch : branches) Describe(branch, name, field, out);
    }
    dom::object properties;
    if (!schema["properties"].get(properties)) {
      field->shape = FieldShape::kObject;
      CollectObject(schema, name, out);
    } else if ((field->types & kJsonObject) && field->shape == FieldShape::kScalar) {
      dom::element values_schema;
      if (!schema["additionalProperties"].get(values_schema) && values_schema.is_object()) {
        SchemaField values_field;
        Describe(values_schema, name + ".*", &values_field, out);
        field->shape = FieldShape::kMap;
        field->items = values_field.types;
      }
    }
    dom::element items;
    if (!schema["items"].get(items)) {
      SchemaField item;
      std::map<std::string, SchemaField> item_members;
      Describe(items, name, &item, &item_members);
      if (item.shape == FieldShape::kObject) {
        field->shape = FieldShape::kObjectList;
        out->insert(item_members.begin(), item_members.end());
      } else {
        field->shape = FieldShape::kList;
        field->items = item.types;
        field->format = item.format;
      }
    }
  }

  dom::element root_;
};

std::map<std::string, SchemaField> SchemaFieldsOf(const RecordTable& table, dom::parser& parser) {
  dom::element root =
      parser.load(std::string(STARTTLS_SCHEMA_DIR) + "/" + std::string(table.schema_file));
  SchemaWalker walker(root);
  std::map<std::string, SchemaField> fields;
  walker.CollectObject(root, "", &fields);  // type, schema (metadata: everything)
  if (!table.schema_def.empty()) walker.CollectObject(root["$defs"][table.schema_def], "", &fields);
  return fields;
}

FieldFormat Comparable(const FieldSpec& field) {
  return field.format == FieldFormat::kText ? FieldFormat::kNone : field.format;
}

TEST(FieldTable, AgreesWithTheSchemaBothWays) {
  dom::parser parser;
  for (const RecordTable& table : RecordTables()) {
    SCOPED_TRACE(std::string(table.type));
    std::map<std::string, SchemaField> schema = SchemaFieldsOf(table, parser);
    ASSERT_GT(schema.size(), 2u);
    for (const auto& [name, expected] : schema) {
      if (name.find(".*") != std::string::npos) continue;  // a map's value schema
      const FieldSpec* field = FindField(table, name);
      if (field == nullptr) {
        ADD_FAILURE() << "schema property " << name << " is not in the field table";
        continue;
      }
      JsonTypes table_types = field->types;
      // The schema's "number" admits integers; so does the table's kJsonNumber.
      EXPECT_EQ(table_types, expected.types) << name << ": table " << DescribeTypes(*field);
      EXPECT_EQ(static_cast<int>(field->shape), static_cast<int>(expected.shape)) << name;
      EXPECT_EQ(static_cast<int>(Comparable(*field)), static_cast<int>(expected.format)) << name;
      EXPECT_EQ(field->items, expected.items) << name;
      // "type" is required at the top of the record schema for every record.
      EXPECT_EQ(field->required, expected.required) << name;
    }
    for (const FieldSpec& field : table.fields) {
      EXPECT_TRUE(schema.count(std::string(field.name)) > 0)
          << "field table entry " << field.name << " is not in " << table.schema_file;
    }
  }
}

TEST(FieldTable, ParentsComeBeforeTheirMembersAndNamesAreUnique) {
  for (const RecordTable& table : RecordTables()) {
    std::set<std::string_view> seen;
    for (const FieldSpec& field : table.fields) {
      EXPECT_TRUE(seen.insert(field.name).second) << table.type << ": " << field.name << " twice";
      std::string_view parent = FieldParent(field);
      if (parent.empty()) continue;
      const FieldSpec* up = FindField(table, parent);
      ASSERT_NE(up, nullptr) << field.name << " has no parent entry";
      EXPECT_TRUE(seen.count(parent) > 0) << field.name << " precedes its parent";
      EXPECT_TRUE(up->shape == FieldShape::kObject || up->shape == FieldShape::kObjectList)
          << parent << " holds members but is not an object";
    }
    EXPECT_EQ(table.fields.front().name, "type");
  }
}

TEST(FieldTable, LookupsAndDescriptions) {
  const RecordTable* host = FindRecordTable("host");
  ASSERT_NE(host, nullptr);
  const FieldSpec* trusted = FindField(*host, "tls.validation.trusted");
  ASSERT_NE(trusted, nullptr);
  EXPECT_EQ(FieldKey(*trusted), "trusted");
  EXPECT_EQ(FieldParent(*trusted), "tls.validation");
  EXPECT_EQ(DescribeTypes(*FindField(*host, "class")), "string|null");
  EXPECT_EQ(DescribeTypes(*FindField(*host, "names")), "array of string");
  EXPECT_EQ(FindField(*host, "ehlo.raw")->format, FieldFormat::kRaw);
  EXPECT_FALSE(IsCsvLeaf(*FindField(*host, "tls.chain")));
  EXPECT_TRUE(IsCsvLeaf(*FindField(*host, "tls.chain.sha256")));
  EXPECT_EQ(FindRecordTable("nonsense"), nullptr);
  EXPECT_NE(FindRecordTable("change"), nullptr);
}

}  // namespace
}  // namespace starttls
