// The `v=...; name=value; ...` TXT record syntax shared by MTA-STS (RFC 8461 §3.1) and TLS-RPT
// (RFC 8460 §3): a version field first, then fields separated by *WSP ";" *WSP, an optional
// trailing separator. Field names are (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
// Values are checked by each record's own rules; here a value is what follows the first '='
// up to the next ';', trimmed of spaces and tabs.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace starttls {

struct TxtTag {
  std::string_view name;
  std::string_view value;
};

// At most this many fields are read from one record; a record with more is an error.
inline constexpr size_t kMaxTxtTags = 32;

// True when `record` begins with the version field `version` (e.g. "v=STSv1") as a whole
// field: followed by its end, a space, a tab or ';'.
bool TxtRecordHasVersion(std::string_view record, std::string_view version);

// Splits `record` into its fields, version first, into *tags (views into `record`). Returns
// false with a short *error for an empty field, a field without '=', a bad field name, or
// more than kMaxTxtTags fields.
bool SplitTxtTags(std::string_view record, std::vector<TxtTag>* tags, std::string* error);

// How a domain's TXT records answer for one versioned record (RFC 8461 §3.1, RFC 8460 §3).
enum class VersionedTxt {
  kNone,   // no record starts with the version field
  kFound,  // exactly one; *tags holds its fields, the version first
  kError,  // several, or the one does not split into fields or its version is not exact
};

// Finds the one record of `records` that starts with `version` (e.g. "v=STSv1") and splits
// it into *tags (views into that record). kError comes with a short *error: "more than one
// v=STSv1 TXT record", or "TXT record: " and what is wrong with its fields or version.
VersionedTxt FindVersionedTxt(std::span<const std::string> records, std::string_view version,
                              std::vector<TxtTag>* tags, std::string* error);

// RFC 8461 / RFC 8460 ext-value: 1*(%x21-3A / %x3C / %x3E-7E).
bool IsTxtExtensionValue(std::string_view value);

// For a tag the record type does not name itself: the error when it is a second version field
// or an extension with a bad value; empty when it may be ignored.
std::string_view OtherTxtTagError(const TxtTag& tag);

}  // namespace starttls
