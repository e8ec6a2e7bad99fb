#include "scanner/datasets/html_text.h"

#include <charconv>
#include <cstdio>

#include "output/utf8.h"

namespace starttls::html {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      uint32_t code_point;
      const int len = DecodeUtf8(p + i, text.size() - i, &code_point);
      if (len == 0 || code_point < 0xA0) {
        out.append("\xEF\xBF\xBD");  // not text, or a C1 control: U+FFFD
        i += len == 0 ? 1 : static_cast<size_t>(len);
      } else {
        out.append(text.substr(i, static_cast<size_t>(len)));
        i += static_cast<size_t>(len);
      }
      continue;
    }
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out.append(buf);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  return out;
}

std::string PointerJoin(const std::string& base, std::string_view part) {
  std::string out = base;
  out.push_back('/');
  for (char c : part) {
    if (c == '~') {
      out.append("~0");
    } else if (c == '/') {
      out.append("~1");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Pointer(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out = PointerJoin(out, part);
  return out;
}

std::string Grouped(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string DoubleText(double value) {
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, static_cast<size_t>(result.ptr - buf));
}

std::string ShareText(uint64_t num, uint64_t den) {
  if (den == 0) return "\xE2\x80\x93";  // en dash
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %%",
                100.0 * static_cast<double>(num) / static_cast<double>(den));
  return buf;
}

std::string Count(std::string_view tag, const std::string& pointer, uint64_t value) {
  return "<" + std::string(tag) + " class=\"n\" data-key=\"" + Escape(pointer) +
         "\" data-value=\"" + std::to_string(value) + "\">" + Grouped(value) + "</" +
         std::string(tag) + ">";
}

std::string Measure(std::string_view tag, const std::string& pointer, double value, int decimals,
                    std::string_view unit) {
  char shown[64];
  std::snprintf(shown, sizeof(shown), "%.*f", decimals, value);
  return "<" + std::string(tag) + " class=\"n\" data-key=\"" + Escape(pointer) +
         "\" data-value=\"" + DoubleText(value) + "\">" + shown +
         (unit.empty() ? "" : " " + std::string(unit)) + "</" + std::string(tag) + ">";
}

std::string Share(const std::string& num_pointer, const std::string& den_pointer, uint64_t num,
                  uint64_t den) {
  return "<span class=\"share\" data-num=\"" + Escape(num_pointer) + "\" data-den=\"" +
         Escape(den_pointer) + "\">" + ShareText(num, den) + "</span>";
}

}  // namespace starttls::html
