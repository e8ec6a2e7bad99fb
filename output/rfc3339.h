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

namespace starttls {

// Appends the 24-character timestamp to *out (no allocation beyond the append).
void AppendRfc3339UnixMillis(int64_t unix_ms, std::string* out);

std::string FormatRfc3339UnixMillis(int64_t unix_ms);

// Milliseconds since 1970 of an RFC 3339 time ("2026-11-27T18:09:14.123Z", any offset, any
// number of fraction digits, which are cut to milliseconds); nullopt when malformed. Reads
// our own timestamps and those of other tools (ZGrab2's Go times).
std::optional<int64_t> ParseRfc3339UnixMillis(std::string_view text);

}  // namespace starttls
