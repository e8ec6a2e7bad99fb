#include "output/raw_bytes.h"

#include <cstdint>
#include <cstdio>

#include "output/utf8.h"

namespace starttls {

std::string DecodeRawBytesInto(std::string_view utf8, std::string* out) {
  out->clear();
  out->reserve(utf8.size());
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  size_t i = 0;
  while (i < utf8.size()) {
    if (p[i] < 0x80) {
      out->push_back(static_cast<char>(p[i]));
      ++i;
      continue;
    }
    uint32_t code_point;
    const int len = DecodeUtf8(p + i, utf8.size() - i, &code_point);
    if (len == 0) return "raw-bytes string offset " + std::to_string(i) + ": invalid UTF-8";
    if (code_point > 0xFF) {
      char text[128];
      std::snprintf(text, sizeof(text),
                    "raw-bytes string offset %zu: code point U+%04X is above U+00FF, so it stands "
                    "for no single byte",
                    i, static_cast<unsigned>(code_point));
      return text;
    }
    out->push_back(static_cast<char>(code_point));
    i += static_cast<size_t>(len);
  }
  return "";
}

absl::StatusOr<std::string> DecodeRawBytes(std::string_view utf8) {
  std::string bytes;
  std::string error = DecodeRawBytesInto(utf8, &bytes);
  if (!error.empty()) return absl::InvalidArgumentError(error);
  return bytes;
}

}  // namespace starttls
