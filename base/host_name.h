// What the scanner accepts as a host name where it builds protocol text from one (an MTA-STS
// request's Host, SNI): dot-separated, non-empty labels of letters, digits, '-' and '_' (seen
// in real MX names), at most 63 octets each and 253 in all. No byte of such a name can break
// a request line or a header.
#pragma once

#include <string_view>

namespace starttls {

inline bool IsHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_';
    if (!ldh || ++label > 63) return false;
  }
  return label > 0;
}

}  // namespace starttls
