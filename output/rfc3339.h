// RFC 3339 timestamps in UTC with millisecond precision: "2026-11-27T18:09:14.123Z".
//
// Every timestamp in our NDJSON and metadata uses this one fixed-width form so records
// sort lexically by time. Times are rounded down to the millisecond (toward the past,
// also before 1970). Years outside 0000..9999 have no RFC 3339 form: they are clamped to
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace starttls {

// Appends the 24-character timestamp to *out (no allocation beyond the append).
void AppendRfc3339UnixMillis(int64_t unix_ms, std::string* out);

std::string FormatRfc3339UnixMillis(int64_t unix_ms);
std::string FormatRfc3339(absl::Time time);

// The instant an RFC 3339 timestamp names, in ms since the epoch; nullopt if it is none.
std::optional<int64_t> ParseRfc3339UnixMillis(std::string_view text);

}  // namespace starttls
