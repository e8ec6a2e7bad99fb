// Minimal JSON text helpers for the lab's own files (truth, stats, ready). Values are the
// lab's own text, valid UTF-8 (notes may hold '§'): bytes from 0x80 up pass through as they
// are (JSON text is UTF-8, RFC 8259 §8.1); quotes, backslashes and control bytes are escaped.
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace starttls::lab {

inline void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

}  // namespace starttls::lab
