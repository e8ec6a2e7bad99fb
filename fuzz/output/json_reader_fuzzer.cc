// libFuzzer target for the bounded JSON reader (output/json_reader.h).
//
// Oracles beyond "no crash, no leak, no unbounded growth":
//   1. A document the reader accepts, written back with JsonWriter, is valid UTF-8 and
//      parses again to an equal document; it stays within the depth and element caps.
//   2. The input's bytes written in raw mode come back exactly through ParseJson and
//      DecodeRawBytes (the docs/rules.md §6 lossless-bytes promise).
//   3. Allowing duplicate keys (as --resume reads our NDJSON) changes only that: whatever
//      parses strictly parses the same leniently, and what parses only leniently was
//      refused strictly for a duplicate key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "output/json_reader.h"
#include "output/json_writer.h"
#include "output/utf8.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Nesting depth (a scalar is 0) and the number of values, as JsonParseLimits counts them.
void Measure(const starttls::JsonValue& value, int depth, int* max_depth, size_t* elements) {
  ++*elements;
  if (depth > *max_depth) *max_depth = depth;
  if (value.is_array()) {
    for (const auto& item : value.array()) Measure(item, depth + 1, max_depth, elements);
  } else if (value.is_object()) {
    for (const auto& member : value.object()) {
      Measure(member.second, depth + 1, max_depth, elements);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace starttls;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  JsonParseLimits limits;
  limits.max_input_bytes = 1 << 16;
  limits.max_depth = 64;
  limits.max_elements = 10000;
  auto parsed = ParseJson(input, limits);
  JsonParseLimits lenient_limits = limits;
  lenient_limits.allow_duplicate_keys = true;
  auto lenient = ParseJson(input, lenient_limits);
  if (parsed.ok()) {
    Check(lenient.ok() && *lenient == *parsed);
    int depth = 0;
    size_t elements = 0;
    Measure(*parsed, 0, &depth, &elements);
    // A value inside n containers was read at nesting n.
    Check(depth <= limits.max_depth && elements <= limits.max_elements);
  } else if (lenient.ok()) {
    Check(std::string(parsed.status().message()).find("duplicate object key") !=
          std::string::npos);
  }
  if (parsed.ok()) {
    std::string written;
    JsonWriter writer(&written);
    WriteJsonValue(*parsed, &writer);
    writer.EndLine();
    Check(writer.ok());
    Check(IsValidUtf8(written));
    // Writing never adds nesting or values, and escapes at most grow bytes 6x.
    JsonParseLimits relaxed = limits;
    relaxed.max_input_bytes = written.size();
    auto reparsed = ParseJson(written, relaxed);
    Check(reparsed.ok());
    Check(*reparsed == *parsed);
  } else {
    Check(!parsed.status().message().empty());
  }

  std::string raw_line;
  JsonWriter raw_writer(&raw_line);
  raw_writer.RawBytes(input);
  raw_writer.EndLine();
  Check(raw_writer.ok());
  Check(IsValidUtf8(raw_line));
  JsonParseLimits raw_limits;
  raw_limits.max_input_bytes = raw_line.size();
  auto raw_parsed = ParseJson(raw_line, raw_limits);
  Check(raw_parsed.ok() && raw_parsed->is_string());
  auto bytes = DecodeRawBytes(raw_parsed->string());
  Check(bytes.ok() && *bytes == input);
  return 0;
}
