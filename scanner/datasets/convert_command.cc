#include "scanner/datasets/convert_command.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "output/csv_record.h"
#include "output/field_table.h"
#include "output/ndjson_reader.h"
#include "output/ondemand_access.h"
#include "scanner/datasets/bad_line_log.h"
#include "scanner/datasets/output_sink.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/flags/flag_table.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view kHelp =
    "usage: starttls-scan convert --to csv [--type T,...] [--output-fields a,b.c,...] [-o OUT] "
    "FILE...\n"
    "       starttls-scan convert --list-fields [--type T,...]\n"
    "\n"
    "Converts starttls-scan NDJSON (plain, gzip or zstd, told by their first bytes; '-' is\n"
    "standard input) to CSV (RFC 4180): a header row, then one row per record. Columns are\n"
    "dotted field names (tls.validation.trusted); the default columns come from the field\n"
    "table: those of the record types converted (--type), else of the first record's type (a\n"
    "scan file: host, domain and error together, with a 'type' column). Lists are joined with\n"
    "';' (each item written as inside a JSON string), members of lists of objects\n"
    "(tls.chain.sha256) give one item per object, raw server bytes are escaped as in NDJSON,\n"
    "null and absent fields are empty cells. See docs/datasets.md.\n"
    "\n"
    "Exit status: 0, or 1 when lines were not records (each named on stderr), 2 on usage errors.\n"
    "\n"
    "flags:\n";

std::string ListFields(const std::vector<std::string>& types) {
  std::string out;
  for (const RecordTable& table : RecordTables()) {
    bool wanted = types.empty();
    for (const std::string& type : types) wanted = wanted || type == table.type;
    if (!wanted) continue;
    out += "# " + std::string(table.type) + " records\n";
    for (const FieldSpec& field : table.fields) {
      std::string line = "  " + std::string(field.name);
      if (line.size() < 34) line.resize(34, ' ');
      std::string type = DescribeTypes(field);
      if (field.format == FieldFormat::kRaw) type += " (raw)";
      if (field.required) type += ", required";
      if (type.size() < 28) type.resize(28, ' ');
      out += line + " " + type + " " + std::string(field.doc) + "\n";
    }
  }
  return out;
}

// The types a scan file holds, converted together when the first record is one of them.
bool IsScanType(std::string_view type) {
  return type == "host" || type == "domain" || type == "error";
}

}  // namespace

std::vector<FlagSpec> ConvertFlagTable(ConvertOptions* o) {
  return {
      {"to", "FORMAT", "output format: csv",
       [o](std::string_view v) { return ParseChoice(v, {"csv"}, &o->to); }},
      {"output", "FILE", "write here instead of standard output",
       [o](std::string_view v) {
         o->output = std::string(v);
         return std::string();
       },
       'o'},
      {"output-fields", "LIST", "comma-separated dotted field names, in column order",
       [o](std::string_view v) {
         o->fields_text = std::string(v);
         return std::string();
       }},
      {"type", "LIST", "record types to convert (host, domain, error, classify, change, metadata)",
       [o](std::string_view v) {
         o->types = SplitNameList(v);
         for (const std::string& type : o->types) {
           if (FindRecordTable(type) == nullptr) return "unknown record type '" + type + "'";
         }
         return std::string();
       }},
      {"list-fields", "", "print the field table (for --type, else every record type) and exit",
       [o](std::string_view) {
         o->list_fields = true;
         return std::string();
       }},
      {"help", "", "show this help",
       [o](std::string_view) {
         o->help = true;
         return std::string();
       }},
  };
}

std::string_view ConvertHelpText() { return kHelp; }

int RunConvertCommand(int argc, char** argv, int first) {
  ConvertOptions options;
  const std::vector<FlagSpec> flags = ConvertFlagTable(&options);
  const std::vector<std::string>& types = options.types;
  int exit_code = kExitOk;
  auto positional =
      ParseCommandLine("convert", kHelp, flags, options.help, argc, argv, first, &exit_code);
  if (!positional) return exit_code;
  if (options.list_fields) {
    std::cout << ListFields(types);
    return kExitOk;
  }
  if (options.to.empty()) {
    std::cerr << "starttls-scan convert: --to is required (csv)\n";
    return kExitUsage;
  }
  if (positional->empty()) {
    std::cerr
        << "starttls-scan convert: name the NDJSON file(s) to convert ('-' for standard input)\n";
    return kExitUsage;
  }
  std::optional<CsvLayout> layout;
  if (!options.fields_text.empty()) {
    auto named = CsvLayout::FromNames(SplitNameList(options.fields_text), types);
    if (!named.ok()) {
      std::cerr << "starttls-scan convert: flag --output-fields: " << named.status().message()
                << "\n";
      return kExitUsage;
    }
    layout.emplace(std::move(*named));
  } else if (!types.empty()) {
    layout.emplace(CsvLayout::Default(types));
  }

  OutputSink sink;
  if (std::string error = sink.Open(options.output); !error.empty()) {
    std::cerr << "starttls-scan convert: " << error << "\n";
    return kExitUsage;
  }
  bool header_written = false;
  std::vector<std::string> accepted = types;
  uint64_t rows = 0, skipped = 0;
  BadLineLog bad_lines("convert");
  bool failed = false;
  for (const std::string& path : *positional) {
    auto reader = OpenNdjson(path);
    if (!reader.ok()) {
      std::cerr << "starttls-scan convert: " << reader.status().message() << "\n";
      failed = true;
      continue;
    }
    absl::Status status = (*reader)
                              ->Run(
                                  [&](NdjsonRecord& record) -> std::
                                                                string {
                                                                  od::object object;
                                                                  if (record.doc.get_object().get(
                                                                          object))
                                                                    return "line " +
                                                                           std::to_string(
                                                                               record.line) +
                                                                           ": not a JSON object";
                                                                  std::string_view type;
                                                                  od::value type_value;
                                                                  if (object
                                                                          .find_field_unordered(
                                                                              "type")
                                                                          .get(type_value) ||
                                                                      type_value.get_string().get(
                                                                          type)) {
                                                                    return "line " +
                                                                           std::to_string(
                                                                               record.line) +
                                                                           ": no \"type\"";
                                                                  }
                                                                  if (accepted.empty()) {
                                                                    // The first record decides: a
                                                                    // scan's types together, else
                                                                    // its own type.
                                                                    accepted = IsScanType(type) ? std::vector<std::string>{"host", "domain", "error"}
                                        : std::vector<std::string>{std::string(type)};
                                                                  }
                                                                  bool wanted = false;
                                                                  for (const std::string& t :
                                                                       accepted)
                                                                    wanted = wanted || t == type;
                                                                  if (!wanted) {
                                                                    ++skipped;
                                                                    return "";
                                                                  }
                                                                  if (!layout)
                                                                    layout.emplace(
                                                                        CsvLayout::Default(
                                                                            accepted));
                                                                  if (!header_written) {
                                                                    sink.Write(layout->Header());
                                                                    header_written = true;
                                                                  }
                                                                  bool rewound = false;
                                                                  if (object.reset().get(rewound))
                                                                    return "line " +
                                                                           std::to_string(
                                                                               record.line) +
                                                                           ": unreadable";
                                                                  std::string error =
                                                                      layout->AppendRow(
                                                                          object, sink.buffer());
                                                                  if (!error.empty())
                                                                    return "line " +
                                                                           std::to_string(
                                                                               record.line) +
                                                                           ": " + error;
                                                                  ++rows;
                                                                  sink.MaybeFlush();
                                                                  return "";
                                                                },
                                  [&](const NdjsonBadLine& bad) { bad_lines.Add(path, bad); });
    if (!status.ok()) {
      std::cerr << "starttls-scan convert: " << status.message() << "\n";
      failed = true;
    }
  }
  if (!header_written && layout) sink.Write(layout->Header());
  if (std::string error = sink.Close(); !error.empty()) {
    std::cerr << "starttls-scan convert: " << error << "\n";
    return kExitFailed;
  }
  std::fprintf(stderr, "starttls-scan convert: %llu rows", static_cast<unsigned long long>(rows));
  if (skipped > 0)
    std::fprintf(stderr, ", %llu records of other types skipped",
                 static_cast<unsigned long long>(skipped));
  if (bad_lines.count() > 0)
    std::fprintf(stderr, ", %llu bad lines", static_cast<unsigned long long>(bad_lines.count()));
  std::fprintf(stderr, "\n");
  return failed || bad_lines.count() > 0 ? kExitFailed : kExitOk;
}

}  // namespace starttls
