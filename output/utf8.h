// UTF-8 helpers shared by the JSON writer and reader.
//
// Validation follows RFC 3629 exactly: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF. Inline because both the writer's hot path and the reader use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

// Decodes the UTF-8 sequence at p (avail bytes readable). Returns its length 1..4 and
// stores the code point, or returns 0 when the bytes there are not one valid sequence.
inline int DecodeUtf8(const unsigned char* p, size_t avail, uint32_t* code_point) {
  if (avail == 0) return 0;
  const unsigned char b0 = p[0];
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < avail && p[i] >= lo && p[i] <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    *code_point = (uint32_t{b0} & 0x1F) << 6 | (p[1] & 0x3F);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    // E0 needs A0..BF (no overlongs); ED needs 80..9F (no surrogates).
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2)) return 0;
    *code_point = (uint32_t{b0} & 0x0F) << 12 | uint32_t{p[1] & 0x3Fu} << 6 | (p[2] & 0x3F);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    // F0 needs 90..BF (no overlongs); F4 needs 80..8F (max U+10FFFF).
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return 0;
    *code_point = (uint32_t{b0} & 0x07) << 18 | uint32_t{p[1] & 0x3Fu} << 12 |
                  uint32_t{p[2] & 0x3Fu} << 6 | (p[3] & 0x3F);
    return 4;
  }
  return 0;
}

inline bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    uint32_t ignored;
    int n = DecodeUtf8(p + i, text.size() - i, &ignored);
    if (n == 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

// Appends the UTF-8 form of a Unicode scalar value (caller guarantees <= U+10FFFF and
// not a surrogate).
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char buf[2] = {static_cast<char>(0xC0 | (cp >> 6)),
                         static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(buf, 2);
  } else if (cp < 0x10000) {
    const char buf[3] = {static_cast<char>(0xE0 | (cp >> 12)),
                         static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                         static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(buf, 3);
  } else {
    const char buf[4] = {
        static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
        static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(buf, 4);
  }
}

}  // namespace starttls
