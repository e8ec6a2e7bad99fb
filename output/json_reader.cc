#include "output/json_reader.h"

#include <charconv>
#include <cstdint>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "output/utf8.h"

namespace starttls {
namespace {

// A read cursor over the JSON text in the manner of BoringSSL's CBS: every read is
// bounds-checked and the cursor advances only when the read succeeds, so on failure
// offset() is where the offending input starts.
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view data) : data_(data) {}

  size_t offset() const { return pos_; }
  bool AtEnd() const { return pos_ >= data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  const unsigned char* here() const { return reinterpret_cast<const unsigned char*>(data_.data()) + pos_; }

  bool Peek(unsigned char* c) const {
    if (AtEnd()) return false;
    *c = static_cast<unsigned char>(data_[pos_]);
    return true;
  }
  // Consumes `c` when it is next.
  bool ReadChar(char c) {
    if (AtEnd() || data_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool ReadLiteral(std::string_view literal) {
    if (data_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }
  // Reads n bytes as a view.
  bool ReadBytes(size_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // Reads exactly four hex digits.
  bool ReadHex4(uint32_t* out) {
    if (remaining() < 4) return false;
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
      const char c = data_[pos_ + i];
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      value = value << 4 | digit;
    }
    pos_ += 4;
    *out = value;
    return true;
  }
  // Consumes a run of ASCII digits; returns how many.
  size_t ReadDigits() {
    size_t start = pos_;
    while (pos_ < data_.size() && data_[pos_] >= '0' && data_[pos_] <= '9') ++pos_;
    return pos_ - start;
  }
  void SkipWhitespace() {
    while (pos_ < data_.size()) {
      const char c = data_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }
  // The text between `start` and the current position.
  std::string_view Since(size_t start) const { return data_.substr(start, pos_ - start); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Names a byte for an error message: 'x' for printable ASCII, byte 0xNN otherwise.
std::string DescribeByte(unsigned char c) {
  if (c >= 0x21 && c <= 0x7E) return absl::StrFormat("'%c'", c);
  return absl::StrFormat("byte 0x%02X", c);
}

class Parser {
 public:
  Parser(std::string_view text, const JsonParseLimits& limits) : cursor_(text), limits_(limits) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    JsonValue value;
    if (!ParseValue(0, &value)) return std::move(error_);
    cursor_.SkipWhitespace();
    unsigned char c;
    if (cursor_.Peek(&c)) {
      Fail(absl::StrCat("unexpected ", DescribeByte(c), " after the JSON value"));
      return std::move(error_);
    }
    return value;
  }

 private:
  bool Fail(const std::string& what) { return FailAt(cursor_.offset(), what); }
  bool FailAt(size_t offset, const std::string& what) {
    error_ = absl::InvalidArgumentError(absl::StrCat("JSON offset ", offset, ": ", what));
    return false;
  }
  bool Exhausted(const std::string& what) {
    error_ = absl::ResourceExhaustedError(absl::StrCat("JSON offset ", cursor_.offset(), ": ", what));
    return false;
  }
  bool CountElement() {
    if (++elements_ > limits_.max_elements) {
      return Exhausted(absl::StrCat("more than ", limits_.max_elements, " JSON values"));
    }
    return true;
  }

  bool ParseValue(int depth, JsonValue* out) {
    cursor_.SkipWhitespace();
    unsigned char c;
    if (!cursor_.Peek(&c)) return Fail("expected a value, found end of input");
    if (!CountElement()) return false;
    switch (c) {
      case '{': return ParseObject(depth + 1, out);
      case '[': return ParseArray(depth + 1, out);
      case '"': {
        std::string s;
        if (!ParseString(&s)) return false;
        *out = JsonValue::MakeString(std::move(s));
        return true;
      }
      case 't':
        if (!cursor_.ReadLiteral("true")) return Fail("expected 'true'");
        *out = JsonValue::MakeBool(true);
        return true;
      case 'f':
        if (!cursor_.ReadLiteral("false")) return Fail("expected 'false'");
        *out = JsonValue::MakeBool(false);
        return true;
      case 'n':
        if (!cursor_.ReadLiteral("null")) return Fail("expected 'null'");
        *out = JsonValue();
        return true;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        return Fail(absl::StrCat("expected a value (object, array, string, number, true, false or null), found ",
                                 DescribeByte(c)));
    }
  }

  bool EnterContainer(int depth) {
    if (depth > limits_.max_depth) {
      return Exhausted(absl::StrCat("nesting deeper than ", limits_.max_depth, " levels"));
    }
    return true;
  }

  bool ParseArray(int depth, JsonValue* out) {
    if (!EnterContainer(depth)) return false;
    cursor_.ReadChar('[');
    JsonValue::Array items;
    cursor_.SkipWhitespace();
    if (cursor_.ReadChar(']')) {
      *out = JsonValue::MakeArray(std::move(items));
      return true;
    }
    while (true) {
      JsonValue item;
      if (!ParseValue(depth, &item)) return false;
      items.push_back(std::move(item));
      cursor_.SkipWhitespace();
      if (cursor_.ReadChar(',')) continue;
      if (cursor_.ReadChar(']')) break;
      return FailExpected("',' or ']' in array");
    }
    *out = JsonValue::MakeArray(std::move(items));
    return true;
  }

  bool ParseObject(int depth, JsonValue* out) {
    if (!EnterContainer(depth)) return false;
    cursor_.ReadChar('{');
    JsonValue::Object members;
    // Keys seen so far, once the object is large enough that a linear scan would be slow.
    absl::flat_hash_set<std::string> seen;
    constexpr size_t kLinearScanMembers = 16;
    cursor_.SkipWhitespace();
    if (cursor_.ReadChar('}')) {
      *out = JsonValue::MakeObject(std::move(members));
      return true;
    }
    while (true) {
      cursor_.SkipWhitespace();
      const size_t key_offset = cursor_.offset();
      unsigned char c;
      if (!cursor_.Peek(&c) || c != '"') return FailExpected("'\"' starting an object key");
      std::string key;
      if (!ParseString(&key)) return false;
      if (!limits_.allow_duplicate_keys && IsDuplicate(key, members, &seen, kLinearScanMembers)) {
        return FailAt(key_offset, absl::StrCat("duplicate object key \"", absl::CHexEscape(key), "\""));
      }
      cursor_.SkipWhitespace();
      if (!cursor_.ReadChar(':')) return FailExpected("':' after object key");
      JsonValue value;
      if (!ParseValue(depth, &value)) return false;
      members.emplace_back(std::move(key), std::move(value));
      cursor_.SkipWhitespace();
      if (cursor_.ReadChar(',')) continue;
      if (cursor_.ReadChar('}')) break;
      return FailExpected("',' or '}' in object");
    }
    *out = JsonValue::MakeObject(std::move(members));
    return true;
  }

  static bool IsDuplicate(const std::string& key, const JsonValue::Object& members,
                          absl::flat_hash_set<std::string>* seen, size_t linear_limit) {
    if (members.size() < linear_limit) {
      for (const JsonValue::Member& m : members) {
        if (m.first == key) return true;
      }
      return false;
    }
    if (seen->empty()) {
      for (const JsonValue::Member& m : members) seen->insert(m.first);
    }
    return !seen->insert(key).second;
  }

  // "expected X, found Y" at the current offset.
  bool FailExpected(const std::string& what) {
    unsigned char c;
    if (!cursor_.Peek(&c)) return Fail(absl::StrCat("expected ", what, ", found end of input"));
    return Fail(absl::StrCat("expected ", what, ", found ", DescribeByte(c)));
  }

  // number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT )
  bool ParseNumber(JsonValue* out) {
    const size_t start = cursor_.offset();
    cursor_.ReadChar('-');
    if (cursor_.ReadChar('0')) {
      unsigned char c;
      if (cursor_.Peek(&c) && c >= '0' && c <= '9') return Fail("leading zeros are not allowed in a number");
    } else if (cursor_.ReadDigits() == 0) {
      return FailExpected("a digit in number");
    }
    if (cursor_.ReadChar('.')) {
      if (cursor_.ReadDigits() == 0) return FailExpected("a digit after '.' in number");
    }
    if (cursor_.ReadChar('e') || cursor_.ReadChar('E')) {
      if (!cursor_.ReadChar('+')) cursor_.ReadChar('-');
      if (cursor_.ReadDigits() == 0) return FailExpected("a digit in number exponent");
    }
    std::string_view text = cursor_.Since(start);
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) {
      return FailAt(start, "number is outside the range of a double");
    }
    if (ec != std::errc() || ptr != text.data() + text.size()) return FailAt(start, "malformed number");
    *out = JsonValue::MakeNumber(value, std::string(text));
    return true;
  }

  bool ParseString(std::string* out) {
    const size_t start = cursor_.offset();
    cursor_.ReadChar('"');
    while (true) {
      // Copy the run of bytes that need no attention in one go.
      const unsigned char* p = cursor_.here();
      const size_t avail = cursor_.remaining();
      size_t run = 0;
      while (run < avail && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') ++run;
      std::string_view plain;
      cursor_.ReadBytes(run, &plain);
      out->append(plain);

      unsigned char c;
      if (!cursor_.Peek(&c)) {
        return Fail(absl::StrCat("unterminated string (opened at offset ", start, ")"));
      }
      if (c == '"') {
        cursor_.ReadChar('"');
        return true;
      }
      if (c == '\\') {
        if (!ParseEscape(out)) return false;
        continue;
      }
      if (c < 0x20) return Fail(absl::StrCat("raw control character ", DescribeByte(c), " in string (must be escaped)"));
      uint32_t code_point;
      const int len = DecodeUtf8(cursor_.here(), cursor_.remaining(), &code_point);
      if (len == 0) return Fail("invalid UTF-8 in string");
      std::string_view sequence;
      cursor_.ReadBytes(static_cast<size_t>(len), &sequence);
      out->append(sequence);
    }
  }

  bool ParseEscape(std::string* out) {
    const size_t escape_offset = cursor_.offset();
    cursor_.ReadChar('\\');
    unsigned char c;
    if (!cursor_.Peek(&c)) return Fail("unterminated escape sequence");
    char simple = 0;
    switch (c) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': break;
      default:
        return FailAt(escape_offset, absl::StrCat("invalid escape: backslash followed by ", DescribeByte(c),
                                                  " (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"));
    }
    if (simple != 0) {
      cursor_.ReadChar(static_cast<char>(c));
      out->push_back(simple);
      return true;
    }
    cursor_.ReadChar('u');
    uint32_t unit;
    if (!cursor_.ReadHex4(&unit)) return Fail("expected four hex digits after \\u");
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return FailAt(escape_offset, absl::StrFormat("lone low surrogate \\u%04X", unit));
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low;
      if (!cursor_.ReadLiteral("\\u")) {
        return FailAt(escape_offset, absl::StrFormat("lone high surrogate \\u%04X (expected a \\uDC00-\\uDFFF escape next)", unit));
      }
      if (!cursor_.ReadHex4(&low)) return Fail("expected four hex digits after \\u");
      if (low < 0xDC00 || low > 0xDFFF) {
        return FailAt(escape_offset, absl::StrFormat("high surrogate \\u%04X followed by \\u%04X, not a low surrogate", unit, low));
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(unit, out);
    return true;
  }

  JsonCursor cursor_;
  const JsonParseLimits& limits_;
  size_t elements_ = 0;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<JsonValue> ParseJson(std::string_view text, const JsonParseLimits& limits) {
  if (text.size() > limits.max_input_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("JSON input of ", text.size(), " bytes exceeds the cap of ", limits.max_input_bytes, " bytes"));
  }
  Parser parser(text, limits);
  return parser.ParseDocument();
}

}  // namespace starttls
