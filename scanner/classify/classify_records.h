// The records `classify` writes for one input object: a transcript judged, or a ZGrab2 SMTP
// line re-judged (docs/rules.md §3-4), or the error record when the object is unusable.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

struct ClassifyRecordResult {
  std::string json;  // one record, without its newline
  bool is_error = false;
};

ClassifyRecordResult ClassifyTranscriptObject(simdjson::ondemand::object object, uint64_t line,
                                              std::string_view text);
ClassifyRecordResult ClassifyZgrab2Object(simdjson::ondemand::object object, uint64_t line,
                                          std::string_view text);
// An "error" record; `error` already names the line.
ClassifyRecordResult ClassifyErrorRecord(uint64_t line, std::string_view text,
                                         std::string_view error);

}  // namespace starttls
