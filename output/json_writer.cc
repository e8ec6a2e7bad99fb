#include "output/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "output/utf8.h"

namespace starttls {
namespace {

// Per-byte action for the escapers. Built once at compile time so the inner loops are a
// table lookup per byte and a bulk append per run of plain bytes.
enum ByteAction : uint8_t {
  kPlain = 0,    // printable ASCII, copied as is
  kShort = 1,    // \" \\ \n \r \t
  kUnicode = 2,  // other control bytes and DEL: \u00XX
  kHigh = 3,     // 0x80..0xFF: raw mode maps to U+0080..U+00FF; text mode decodes UTF-8
};

constexpr std::array<uint8_t, 256> MakeActionTable() {
  std::array<uint8_t, 256> table{};
  for (int b = 0; b < 256; ++b) {
    if (b >= 0x80) {
      table[b] = kHigh;
    } else if (b < 0x20 || b == 0x7F) {
      table[b] = kUnicode;
    } else {
      table[b] = kPlain;
    }
  }
  table['"'] = kShort;
  table['\\'] = kShort;
  table['\n'] = kShort;
  table['\r'] = kShort;
  table['\t'] = kShort;
  return table;
}
constexpr std::array<uint8_t, 256> kAction = MakeActionTable();

constexpr char kHex[] = "0123456789abcdef";

// Appends the escape for an ASCII byte whose action is kShort or kUnicode.
inline void AppendEscape(unsigned char b, std::string* out) {
  switch (b) {
    case '"':
      out->append("\\\"", 2);
      return;
    case '\\':
      out->append("\\\\", 2);
      return;
    case '\n':
      out->append("\\n", 2);
      return;
    case '\r':
      out->append("\\r", 2);
      return;
    case '\t':
      out->append("\\t", 2);
      return;
    default: {
      const char buf[6] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 0xF]};
      out->append(buf, 6);
    }
  }
}

// Length of the run of kPlain bytes starting at p[i].
inline size_t PlainRunEnd(const unsigned char* p, size_t i, size_t n) {
  while (i < n && kAction[p[i]] == kPlain) ++i;
  return i;
}

}  // namespace

void JsonWriter::AppendQuotedRawBytes(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  // Worst case is 6 output bytes per input byte; typical banners are nearly all plain.
  out->reserve(out->size() + n + n / 8 + 2);
  out->push_back('"');
  size_t i = 0;
  while (i < n) {
    size_t run_end = PlainRunEnd(p, i, n);
    if (run_end > i) {
      out->append(bytes.data() + i, run_end - i);
      i = run_end;
      if (i == n) break;
    }
    const unsigned char b = p[i++];
    if (kAction[b] == kHigh) {
      // U+0080..U+00FF in UTF-8: C2 80..C2 BF for 0x80..0xBF, C3 80..C3 BF for 0xC0..0xFF.
      const char buf[2] = {static_cast<char>(0xC0 | (b >> 6)),
                           static_cast<char>(0x80 | (b & 0x3F))};
      out->append(buf, 2);
    } else {
      AppendEscape(b, out);
    }
  }
  out->push_back('"');
}

void JsonWriter::AppendQuotedText(std::string_view text, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  out->reserve(out->size() + n + 2);
  out->push_back('"');
  size_t i = 0;
  while (i < n) {
    size_t run_end = PlainRunEnd(p, i, n);
    if (run_end > i) {
      out->append(text.data() + i, run_end - i);
      i = run_end;
      if (i == n) break;
    }
    const unsigned char b = p[i];
    if (kAction[b] != kHigh) {
      AppendEscape(b, out);
      ++i;
      continue;
    }
    uint32_t ignored;
    int len = DecodeUtf8(p + i, n - i, &ignored);
    if (len == 0) {
      out->append("\xEF\xBF\xBD", 3);  // U+FFFD for each byte that starts no valid sequence
      ++i;
    } else {
      out->append(text.data() + i, static_cast<size_t>(len));
      i += static_cast<size_t>(len);
    }
  }
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (stack_.empty()) {
    if (top_done_) ok_ = false;  // a second top-level value without EndLine
    return;
  }
  if (stack_.back() == '{') {
    if (!key_pending_) ok_ = false;  // object member without a key
    key_pending_ = false;
    return;
  }
  if (need_comma_) out_->push_back(',');
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  stack_.push_back('{');
  need_comma_ = false;
}

void JsonWriter::EndObject() {
  if (stack_.empty() || stack_.back() != '{' || key_pending_) {
    ok_ = false;
    key_pending_ = false;
    if (stack_.empty()) return;
  }
  stack_.pop_back();
  out_->push_back('}');
  AfterValue();
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  stack_.push_back('[');
  need_comma_ = false;
}

void JsonWriter::EndArray() {
  if (stack_.empty() || stack_.back() != '[') {
    ok_ = false;
    if (stack_.empty()) return;
  }
  stack_.pop_back();
  out_->push_back(']');
  AfterValue();
}

void JsonWriter::Key(std::string_view key) {
  if (stack_.empty() || stack_.back() != '{' || key_pending_) ok_ = false;
  if (need_comma_) out_->push_back(',');
  AppendQuotedText(key, out_);
  out_->push_back(':');
  key_pending_ = true;
  need_comma_ = false;
}

void JsonWriter::String(std::string_view utf8_text) {
  BeforeValue();
  AppendQuotedText(utf8_text, out_);
  AfterValue();
}

void JsonWriter::RawBytes(std::string_view bytes) {
  BeforeValue();
  AppendQuotedRawBytes(bytes, out_);
  AfterValue();
}

template <typename T>
void JsonWriter::AppendNumber(T value) {
  BeforeValue();
  // to_chars gives the shortest form that reads back exactly; its grammar ("-1.5e-07",
  // "1e+20", "3") is valid JSON.
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out_->append(buf, static_cast<size_t>(result.ptr - buf));
  AfterValue();
}

void JsonWriter::Int(int64_t value) { AppendNumber(value); }

void JsonWriter::Uint(uint64_t value) { AppendNumber(value); }

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {
    Null();
    return;
  }
  AppendNumber(value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  if (value) {
    out_->append("true", 4);
  } else {
    out_->append("false", 5);
  }
  AfterValue();
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null", 4);
  AfterValue();
}

void JsonWriter::EndLine() {
  if (!stack_.empty() || !top_done_ || key_pending_) ok_ = false;
  out_->push_back('\n');
  stack_.clear();
  need_comma_ = false;
  key_pending_ = false;
  top_done_ = false;
}

}  // namespace starttls
