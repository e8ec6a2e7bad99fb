// Raw server bytes in JSON text (docs/rules.md §6): JsonWriter::RawBytes writes byte 0x80..0xFF
// as the code point U+0080..U+00FF and escapes control bytes; a reader maps each code point of
// the decoded string back to the one byte it stands for. Shared by every reader of our NDJSON
// (all of them read with simdjson: output/ndjson_reader.h).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace starttls {

// The inverse of JsonWriter::RawBytes: maps each code point U+0000..U+00FF of a decoded
// (UTF-8) string back to the one byte it stands for. Fails on a code point above U+00FF
// or on invalid UTF-8, naming the offset.
absl::StatusOr<std::string> DecodeRawBytes(std::string_view utf8);

// The same, appending to *out (cleared first); returns "" or the error text.
std::string DecodeRawBytesInto(std::string_view utf8, std::string* out);

}  // namespace starttls
