#include "scanner/cli/docgen/roff.h"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace starttls {
namespace {

// Decodes one UTF-8 sequence at text[*at]; an invalid byte stands for itself (U+0080..U+00FF).
char32_t NextCodePoint(std::string_view text, size_t* at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(*at);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (length == 1 || *at + length > text.size()) {
    ++*at;
    return lead;
  }
  char32_t code = lead & (0x3F >> (length - 1));
  for (size_t i = 1; i < length; ++i) {
    if ((byte(*at + i) & 0xC0) != 0x80) {
      ++*at;
      return lead;
    }
    code = (code << 6) | (byte(*at + i) & 0x3F);
  }
  *at += length;
  return code;
}

// "00A7]..." -> 0xA7: hex digits up to a ']'.
bool ParseHex(std::string_view text, char32_t* code) {
  size_t close = text.find(']');
  if (close == std::string_view::npos || close == 0) return false;
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + close, value, 16);
  if (error != std::errc() || end != text.data() + close || value > 0x10FFFF) return false;
  *code = value;
  return true;
}

void AppendUtf8(char32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

}  // namespace

std::string RoffEscape(std::string_view text) {
  std::string out;
  if (!text.empty() && (text[0] == '.' || text[0] == '\'')) out += "\\&";
  for (size_t at = 0; at < text.size();) {
    char c = text[at];
    if (static_cast<unsigned char>(c) >= 0x80) {
      char code[16];
      std::snprintf(code, sizeof(code), "\\[u%04X]",
                    static_cast<unsigned>(NextCodePoint(text, &at)));
      out += code;
      continue;
    }
    ++at;
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string RoffPlain(std::string_view roff) {
  std::string out;
  for (size_t at = 0; at < roff.size(); ++at) {
    if (roff[at] != '\\' || at + 1 == roff.size()) {
      out.push_back(roff[at]);
      continue;
    }
    char next = roff[at + 1];
    if (next == 'f' && at + 2 < roff.size()) {
      at += 2;
    } else if (next == '&') {
      ++at;
    } else if (next == '-') {
      out.push_back('-');
      ++at;
    } else if (next == 'e') {
      out.push_back('\\');
      ++at;
    } else if (char32_t code = 0;
               roff.substr(at + 1).starts_with("[u") && ParseHex(roff.substr(at + 3), &code)) {
      AppendUtf8(code, &out);
      at = roff.find(']', at);
    } else {
      out.push_back('\\');
    }
  }
  return out;
}

}  // namespace starttls
