// A small streaming JSON writer for NDJSON records.
//
// Why not a library: the scanner writes ~100k records/s, every record carries server
// bytes that must survive losslessly (docs/rules.md §6), and the project takes no third-party JSON
// code. The writer appends to a caller-owned std::string; the caller decides when to
// flush (the engine writes whole lines).
//
// Two string modes:
//   - String(): our own text, treated as UTF-8. Valid UTF-8 passes through unchanged;
//     each byte of an invalid sequence becomes U+FFFD. Output is always valid UTF-8.
//   - RawBytes(): server bytes, kept losslessly. Byte 0x80..0xFF becomes code point
//     U+0080..U+00FF (two UTF-8 bytes); control bytes 0x00..0x1F and 0x7F are escaped
//     (\r \n \t \" \\ short, others \u00XX). A consumer maps each code point back to one
//     byte (see DecodeRawBytes in output/raw_bytes.h).
//
// Commas and colons are placed automatically. Misuse (a value where a key is due, an
// unbalanced End, a key outside an object) is recorded: ok() turns false and stays false,
// so a caller or test can check a finished record cheaply instead of paying for checks
// in every call's caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

class JsonWriter {
 public:
  // Appends to *out, which must outlive the writer. Existing content is kept.
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();

  // An object key; our own text (same rules as String()).
  void Key(std::string_view key);

  void String(std::string_view utf8_text);
  void RawBytes(std::string_view bytes);
  void Int(int64_t value);
  void Uint(uint64_t value);
  // Shortest text that reads back to the same double. NaN and infinities have no JSON
  // form: they are written as null.
  void Double(double value);
  void Bool(bool value);
  void Null();

  // Shorthands for `Key(k); Value(v);`.
  void StringField(std::string_view key, std::string_view utf8_text) {
    Key(key);
    String(utf8_text);
  }
  void RawBytesField(std::string_view key, std::string_view bytes) {
    Key(key);
    RawBytes(bytes);
  }
  void IntField(std::string_view key, int64_t value) {
    Key(key);
    Int(value);
  }
  void UintField(std::string_view key, uint64_t value) {
    Key(key);
    Uint(value);
  }
  void DoubleField(std::string_view key, double value) {
    Key(key);
    Double(value);
  }
  void BoolField(std::string_view key, bool value) {
    Key(key);
    Bool(value);
  }
  void NullField(std::string_view key) {
    Key(key);
    Null();
  }

  // Ends one NDJSON record: appends '\n'. Only valid when a complete top-level value has
  // been written; the writer is then ready for the next record.
  void EndLine();

  // False once any call was out of place, or a container is still open at EndLine.
  bool ok() const { return ok_; }
  // Open containers right now.
  int depth() const { return static_cast<int>(stack_.size()); }

  // Low-level escapers, usable without a writer (they append a quoted JSON string).
  static void AppendQuotedText(std::string_view utf8_text, std::string* out);
  static void AppendQuotedRawBytes(std::string_view bytes, std::string* out);

 private:
  // Writes the separator due before a value and checks that a value is allowed here.
  void BeforeValue();
  void AfterValue() {
    need_comma_ = true;
    if (stack_.empty()) top_done_ = true;
  }
  template <typename T>
  void AppendNumber(T value);

  std::string* out_;
  // One char per open container: '{' or '['. Small; kept in a string for cheap push/pop.
  std::string stack_;
  bool need_comma_ = false;   // the next value/key in this container needs a ','
  bool key_pending_ = false;  // a key was written; its value is due
  bool top_done_ = false;     // a complete top-level value has been written
  bool ok_ = true;
};

}  // namespace starttls
