// CSV rows from our records, columns from the field table (output/field_table.h).
//
// One cell per column, RFC 4180: cells holding a comma, a quote, CR or LF are quoted, quotes
// doubled, rows end with CRLF, the header row comes first. Cell values:
//   - text: as it is (UTF-8); raw bytes (docs/rules.md §6): escaped exactly as in NDJSON, the
//     inside of the JSON string (`220 mx\r\n` with a backslash-r), so bytes round-trip;
//   - numbers: their JSON text as written; booleans: true / false; null or absent: empty;
//   - a list: its items joined with ';', each item written as the inside of its JSON string
//     (text and raw alike, so a ';' inside an item is `\u003b`), numbers as their JSON text;
//   - a member of a list of objects ("tls.chain.sha256"): one item per object, joined with
//     ';' in the objects' order (an object without that member gives an empty item), so the
//     columns of one list line up item by item;
//   - a map or an object named as a column ("flags", "clients"): its JSON text.
// Splitting a list cell on ';' and JSON-unescaping each item gives the values back.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "output/field_table.h"

namespace starttls {

class CsvLayout {
 public:
  // The default columns of these record types (all types when empty): their CSV leaves in
  // table order, the union when several types share a file ("type" first).
  static CsvLayout Default(const std::vector<std::string>& types);
  // Exactly these dotted names, each of which must be in the table of one of `types`
  // (all types when empty); the error names the first unknown one.
  static absl::StatusOr<CsvLayout> FromNames(const std::vector<std::string>& names,
                                             const std::vector<std::string>& types);

  CsvLayout(CsvLayout&&) noexcept;
  CsvLayout& operator=(CsvLayout&&) noexcept;
  ~CsvLayout();

  const std::vector<std::string>& columns() const;
  // The header row, CRLF-terminated.
  std::string Header() const;

  // Appends one row for a record (an object); returns "" or why it could not.
  std::string AppendRow(simdjson::ondemand::object record, std::string* out) const;
  // The same from one NDJSON line (as the scan writes them: for `--output-format csv`).
  std::string AppendRowFromJson(std::string_view json, std::string* out) const;

 private:
  struct Tree;
  explicit CsvLayout(std::unique_ptr<Tree> tree);
  std::unique_ptr<Tree> tree_;
};

// Appends `cell` with RFC 4180 quoting when needed.
void AppendCsvCell(std::string_view cell, std::string* out);

// The names of a comma-separated list as --output-fields and --type take them ("a, b.c,,d":
// a, b.c, d): spaces around a name and empty items dropped.
std::vector<std::string> SplitNameList(std::string_view text);

}  // namespace starttls
