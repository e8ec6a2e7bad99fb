#include "output/csv_record.h"

#include <algorithm>

#include "output/json_writer.h"
#include "output/ondemand_access.h"
#include "output/raw_bytes.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;
using namespace ondemand_access;  // NOLINT

// A column's accumulated cell: list items are counted, not told apart by emptiness.
struct Cell {
  std::string text;
  size_t items = 0;
  size_t item_generation = 0;  // the object-list item that last wrote here
};

std::string_view Unquoted(const std::string& quoted) {
  return std::string_view(quoted).substr(1, quoted.size() - 2);
}

// The inside of the JSON string for a text or raw item, ';' escaped.
void AppendListString(std::string_view decoded, FieldFormat format, std::string* out) {
  std::string quoted;
  std::string bytes;
  if (format == FieldFormat::kRaw && DecodeRawBytesInto(decoded, &bytes).empty()) {
    JsonWriter::AppendQuotedRawBytes(bytes, &quoted);
  } else {
    JsonWriter::AppendQuotedText(decoded, &quoted);
  }
  for (char c : Unquoted(quoted)) {
    if (c == ';') {
      out->append("\\u003b");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

// The columns as a tree of member names, so a record is walked once and only where a column
// lies below.
struct CsvLayout::Tree {
  struct Node {
    std::string key;
    int column = -1;  // >= 0 when this path is a column
    FieldFormat format = FieldFormat::kText;
    bool object_list = false;  // an array of objects: its items are walked
    bool list = false;         // a column that is a list of scalars
    std::vector<int> children;
    std::vector<int> columns_below;  // columns under an object list
  };
  std::vector<Node> nodes{Node{}};  // nodes[0] is the record
  std::vector<std::string> columns;
  mutable std::vector<Cell> cells;
  mutable size_t generation = 0;

  int Child(int node, std::string_view key) const {
    for (int child : nodes[static_cast<size_t>(node)].children) {
      if (nodes[static_cast<size_t>(child)].key == key) return child;
    }
    return -1;
  }

  void Add(const std::string& name, const FieldSpec* spec,
           const std::vector<const RecordTable*>& tables) {
    int node = 0;
    size_t start = 0;
    std::string prefix;
    while (true) {
      const size_t dot = name.find('.', start);
      const std::string key =
          name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      prefix = name.substr(0, dot);
      int child = Child(node, key);
      if (child < 0) {
        child = static_cast<int>(nodes.size());
        Node created;
        created.key = key;
        for (const RecordTable* table : tables) {
          const FieldSpec* along = FindField(*table, prefix);
          if (along != nullptr && along->shape == FieldShape::kObjectList)
            created.object_list = true;
        }
        nodes.push_back(std::move(created));
        nodes[static_cast<size_t>(node)].children.push_back(child);
      }
      node = child;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    const int column = static_cast<int>(columns.size());
    columns.push_back(name);
    Node& leaf = nodes[static_cast<size_t>(node)];
    leaf.column = column;
    leaf.format = spec != nullptr ? spec->format : FieldFormat::kText;
    leaf.list = spec != nullptr && spec->shape == FieldShape::kList;
    if (leaf.object_list && spec != nullptr && spec->shape == FieldShape::kObjectList) {
      leaf.object_list = false;  // named itself: its JSON text is the cell
    }
    // Register the column with every object list above it, for item alignment.
    int walk = 0;
    start = 0;
    while (true) {
      const size_t dot = name.find('.', start);
      walk = Child(walk,
                   name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      if (nodes[static_cast<size_t>(walk)].object_list)
        nodes[static_cast<size_t>(walk)].columns_below.push_back(column);
      start = dot + 1;
    }
  }

  void Append(int column, std::string_view text, bool as_item) const {
    Cell& cell = cells[static_cast<size_t>(column)];
    if (as_item && cell.items > 0) cell.text.push_back(';');
    cell.text.append(text);
    ++cell.items;
    cell.item_generation = generation;
  }

  // A scalar or a whole value as one cell (or one item of a list cell).
  void WriteValue(const Node& node, od::value& value, bool as_item) const {
    std::string text;
    switch (TypeOf(value)) {
      case kJsonString: {
        auto decoded = String(value);
        if (!decoded) return;
        if (as_item) {
          AppendListString(*decoded, node.format, &text);
        } else if (node.format == FieldFormat::kRaw) {
          std::string bytes;
          std::string quoted;
          if (DecodeRawBytesInto(*decoded, &bytes).empty()) {
            JsonWriter::AppendQuotedRawBytes(bytes, &quoted);
          } else {
            JsonWriter::AppendQuotedText(*decoded, &quoted);
          }
          text = Unquoted(quoted);
        } else {
          text = *decoded;
        }
        break;
      }
      case kJsonInteger:
      case kJsonNumber: {
        std::string_view token = value.raw_json_token();
        while (!token.empty() &&
               (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                token.back() == '\t' || token.back() == ',' || token.back() == '}' ||
                token.back() == ']')) {
          token.remove_suffix(1);
        }
        text = token;
        break;
      }
      case kJsonBoolean:
        text = Bool(value).value_or(false) ? "true" : "false";
        break;
      case kJsonNull:
        break;
      case kJsonArray: {
        auto array = Array(value);
        if (!array) return;
        if (node.list) {
          // A list column: its items joined (inside a list of objects, flattened).
          ForEachItem(*array, [&](od::value& item) { WriteValue(node, item, true); });
          return;
        }
        std::string_view json;
        if (array->raw_json().get(json)) return;
        text = json;
        break;
      }
      case kJsonObject: {
        auto object = Object(value);
        std::string_view json;
        if (!object || object->raw_json().get(json)) return;
        text = json;
        break;
      }
      default:
        return;
    }
    Append(node.column, text, as_item);
  }

  void Walk(int node_index, od::value& value, bool in_list) const {
    const Node& node = nodes[static_cast<size_t>(node_index)];
    if (node.column >= 0) {
      WriteValue(node, value, in_list);
      return;
    }
    if (node.children.empty()) return;
    if (node.object_list) {
      auto array = Array(value);
      if (!array) return;
      ForEachItem(*array, [&](od::value& item) {
        const size_t item_generation = ++generation;
        auto object = Object(item);
        if (object) WalkMembers(node, *object, true);
        // Line the columns of this list up: one item each, empty where the member is absent.
        for (int column : node.columns_below) {
          if (cells[static_cast<size_t>(column)].item_generation < item_generation)
            Append(column, "", true);
        }
      });
      return;
    }
    auto object = Object(value);
    if (object) WalkMembers(node, *object, in_list);
  }

  void WalkMembers(const Node& node, od::object object, bool in_list) const {
    ForEachMember(object, [&](std::string_view key, od::value& member) {
      for (int child : node.children) {
        if (nodes[static_cast<size_t>(child)].key == key) {
          Walk(child, member, in_list);
          return;
        }
      }
    });
  }
};

CsvLayout::CsvLayout(std::unique_ptr<Tree> tree) : tree_(std::move(tree)) {}
CsvLayout::CsvLayout(CsvLayout&&) noexcept = default;
CsvLayout& CsvLayout::operator=(CsvLayout&&) noexcept = default;
CsvLayout::~CsvLayout() = default;

namespace {

std::vector<const RecordTable*> TablesFor(const std::vector<std::string>& types) {
  std::vector<const RecordTable*> tables;
  for (const RecordTable& table : RecordTables()) {
    bool wanted = types.empty();
    for (const std::string& type : types) wanted = wanted || type == table.type;
    if (wanted) tables.push_back(&table);
  }
  return tables;
}

const FieldSpec* FindInTables(const std::vector<const RecordTable*>& tables,
                              std::string_view name) {
  for (const RecordTable* table : tables) {
    if (const FieldSpec* spec = FindField(*table, name)) return spec;
  }
  return nullptr;
}

}  // namespace

CsvLayout CsvLayout::Default(const std::vector<std::string>& types) {
  auto tree = std::make_unique<Tree>();
  const std::vector<const RecordTable*> tables = TablesFor(types);
  for (const RecordTable* table : tables) {
    if (table->type == "metadata" && tables.size() > 1) continue;  // not a record of a scan file
    for (const FieldSpec& field : table->fields) {
      if (!field.csv || !IsCsvLeaf(field)) continue;
      bool seen = false;
      for (const std::string& column : tree->columns) seen = seen || column == field.name;
      if (!seen) tree->Add(std::string(field.name), &field, tables);
    }
  }
  tree->cells.resize(tree->columns.size());
  return CsvLayout(std::move(tree));
}

absl::StatusOr<CsvLayout> CsvLayout::FromNames(const std::vector<std::string>& names,
                                               const std::vector<std::string>& types) {
  auto tree = std::make_unique<Tree>();
  const std::vector<const RecordTable*> tables = TablesFor(types);
  for (const std::string& name : names) {
    const FieldSpec* spec = FindInTables(tables, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError("unknown field '" + name +
                                        "' (starttls-scan convert --list-fields lists them)");
    }
    for (const std::string& column : tree->columns) {
      if (column == name) return absl::InvalidArgumentError("field '" + name + "' named twice");
    }
    // A column below another column would never be reached.
    for (const std::string& column : tree->columns) {
      if (name.starts_with(column + ".") || column.starts_with(name + ".")) {
        return absl::InvalidArgumentError("fields '" + column + "' and '" + name + "' overlap");
      }
    }
    tree->Add(name, spec, tables);
  }
  tree->cells.resize(tree->columns.size());
  return CsvLayout(std::move(tree));
}

const std::vector<std::string>& CsvLayout::columns() const { return tree_->columns; }

std::string CsvLayout::Header() const {
  std::string out;
  for (size_t i = 0; i < tree_->columns.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendCsvCell(tree_->columns[i], &out);
  }
  out.append("\r\n");
  return out;
}

std::string CsvLayout::AppendRow(od::object record, std::string* out) const {
  for (Cell& cell : tree_->cells) cell = Cell{};
  tree_->generation = 0;
  auto error = ForEachMember(record, [&](std::string_view key, od::value& value) {
    const int child = tree_->Child(0, key);
    if (child >= 0) tree_->Walk(child, value, false);
  });
  if (error) return std::string("bad record: ") + simdjson::error_message(error);
  for (size_t i = 0; i < tree_->cells.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvCell(tree_->cells[i].text, out);
  }
  out->append("\r\n");
  return "";
}

std::string CsvLayout::AppendRowFromJson(std::string_view json, std::string* out) const {
  thread_local od::parser parser;
  simdjson::padded_string padded(json);
  od::document doc;
  od::object record;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(record)) return "not a JSON object";
  return AppendRow(record, out);
}

void AppendCsvCell(std::string_view cell, std::string* out) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(cell);
    return;
  }
  out->push_back('"');
  for (char c : cell) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::vector<std::string> SplitNameList(std::string_view text) {
  std::vector<std::string> names;
  while (!text.empty()) {
    size_t comma = std::min(text.find(','), text.size());
    std::string_view name = text.substr(0, comma);
    while (name.starts_with(' ')) name.remove_prefix(1);
    while (name.ends_with(' ')) name.remove_suffix(1);
    if (!name.empty()) names.emplace_back(name);
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  return names;
}

}  // namespace starttls
