#include "output/error_record.h"

#include "output/json_writer.h"

namespace starttls {
namespace {

// Enough of a bad line to recognise it; the rest would only bloat the output.
constexpr size_t kMaxEchoedInput = 256;

}  // namespace

void AppendInputErrorRecord(uint64_t line_number, std::string_view raw_line, std::string_view error,
                            std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  w.StringField("type", "error");
  w.IntField("schema", kRecordSchemaVersion);
  w.UintField("line", line_number);
  w.RawBytesField("input", raw_line.substr(0, kMaxEchoedInput));
  w.StringField("error", error);
  w.EndObject();
  w.EndLine();
}

}  // namespace starttls
