// A bounded, checked JSON parser (RFC 8259) for one JSON text, e.g. one NDJSON line.
//
// Used on untrusted input (`starttls-scan classify` reads lines someone else wrote) and by
// tests reading our NDJSON back. Every resource is capped by JsonParseLimits; every error
// names the byte offset where the input went wrong and what was expected there.
// Strict: no comments, no trailing commas, no NaN, no leading zeros, no raw control
// characters in strings, input must be valid UTF-8, duplicate keys rejected by default.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "output/json_value.h"
#include "output/raw_bytes.h"  // DecodeRawBytes, for the readers of raw fields

namespace starttls {

struct JsonParseLimits {
  size_t max_input_bytes = 1 << 20;
  // Nesting of arrays/objects; a document of only a scalar has depth 0.
  int max_depth = 64;
  // Values in the whole document (every scalar, array and object counts one).
  size_t max_elements = 100000;
  bool allow_duplicate_keys = false;
};

// Parses exactly one JSON value, optionally surrounded by JSON whitespace.
// Errors: InvalidArgument for bad syntax/encoding, ResourceExhausted for a cap.
// Messages look like "JSON offset 17: expected ':' after object key".
absl::StatusOr<JsonValue> ParseJson(std::string_view text, const JsonParseLimits& limits = {});

}  // namespace starttls
