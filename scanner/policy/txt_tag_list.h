// The `v=...; name=value; ...` TXT record syntax shared by MTA-STS (RFC 8461 §3.1) and TLS-RPT
// (RFC 8460 §3): a version field first, then fields separated by *WSP ";" *WSP, an optional
// trailing separator. Field names are (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
// Values are checked by each record's own rules; here a value is what follows the first '='
// up to the next ';', trimmed of spaces and tabs.
#pragma once

#include <cstddef>
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

// RFC 8461 / RFC 8460 ext-value: 1*(%x21-3A / %x3C / %x3E-7E).
bool IsTxtExtensionValue(std::string_view value);

}  // namespace starttls
