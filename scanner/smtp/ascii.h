// ASCII helpers for protocol bytes: locale-free, so a server's bytes always compare the same.
#pragma once

#include <string_view>

namespace starttls {

inline char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiUpper(a[i]) != AsciiUpper(b[i])) return false;
  }
  return true;
}

// A strict weak order in which EqualsIgnoreCase strings are equivalent (for sorting).
inline bool LessIgnoreCase(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    char x = AsciiUpper(a[i]);
    char y = AsciiUpper(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  return a.size() < b.size();
}

inline bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

inline bool ContainsIgnoreCase(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  const char first = AsciiUpper(needle.front());
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (AsciiUpper(text[i]) == first && EqualsIgnoreCase(text.substr(i, needle.size()), needle))
      return true;
  }
  return false;
}

// The prefix of `text` before the first byte found in `stops`.
inline std::string_view UpToAny(std::string_view text, std::string_view stops) {
  size_t at = text.find_first_of(stops);
  return at == std::string_view::npos ? text : text.substr(0, at);
}

}  // namespace starttls
