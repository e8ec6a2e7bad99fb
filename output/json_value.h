// A small JSON document model: what output/json_reader.h parses into.
//
// Numbers keep both their double value and their original text, so integers beyond 2^53
// (seeds, serials) are not silently rounded: AsInt64()/AsUint64() read the text. Object
// members keep their input order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace starttls {

class JsonWriter;

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;

  JsonValue() = default;  // null
  static JsonValue MakeBool(bool value);
  // `text` must be the number's JSON text; `value` its double value.
  static JsonValue MakeNumber(double value, std::string text);
  static JsonValue MakeString(std::string utf8);
  static JsonValue MakeArray(Array items);
  static JsonValue MakeObject(Object members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Accessors return a neutral value (false, 0, empty) when the kind differs.
  bool bool_value() const { return kind_ == Kind::kBool && bool_; }
  double number() const { return kind_ == Kind::kNumber ? number_ : 0.0; }
  // The number's JSON text exactly as read (empty for non-numbers).
  std::string_view number_text() const { return kind_ == Kind::kNumber ? std::string_view(text_) : std::string_view(); }
  // The decoded string (UTF-8) for kString; empty otherwise.
  const std::string& string() const;
  const Array& array() const;
  const Object& object() const;

  // The integer a number denotes when its text is an integer (no fraction, no exponent)
  // that fits; nullopt otherwise.
  std::optional<int64_t> AsInt64() const;
  std::optional<uint64_t> AsUint64() const;

  // First member named `key` of an object; nullptr when absent or not an object.
  const JsonValue* Find(std::string_view key) const;

  // Structural equality; numbers compare by value, objects member by member in order.
  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string text_;  // number text or string value
  Array array_;
  Object object_;
};

// Writes `value` as JSON through `writer` (strings in text mode: they are already UTF-8).
void WriteJsonValue(const JsonValue& value, JsonWriter* writer);

}  // namespace starttls
