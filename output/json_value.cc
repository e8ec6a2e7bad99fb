#include "output/json_value.h"

#include <charconv>

#include "output/json_writer.h"

namespace starttls {
namespace {

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

// True when the JSON number text is a plain integer: optional '-', then digits only.
bool IsIntegerText(std::string_view text) {
  size_t i = (!text.empty() && text[0] == '-') ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

}  // namespace

JsonValue JsonValue::MakeBool(bool value) {
  JsonValue v;
  v.kind_ = Kind::kBool;
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::MakeNumber(double value, std::string text) {
  JsonValue v;
  v.kind_ = Kind::kNumber;
  v.number_ = value;
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::MakeString(std::string utf8) {
  JsonValue v;
  v.kind_ = Kind::kString;
  v.text_ = std::move(utf8);
  return v;
}

JsonValue JsonValue::MakeArray(Array items) {
  JsonValue v;
  v.kind_ = Kind::kArray;
  v.array_ = std::move(items);
  return v;
}

JsonValue JsonValue::MakeObject(Object members) {
  JsonValue v;
  v.kind_ = Kind::kObject;
  v.object_ = std::move(members);
  return v;
}

const std::string& JsonValue::string() const {
  return kind_ == Kind::kString ? text_ : EmptyString();
}

const JsonValue::Array& JsonValue::array() const {
  static const Array* const kEmpty = new Array();
  return kind_ == Kind::kArray ? array_ : *kEmpty;
}

const JsonValue::Object& JsonValue::object() const {
  static const Object* const kEmpty = new Object();
  return kind_ == Kind::kObject ? object_ : *kEmpty;
}

std::optional<int64_t> JsonValue::AsInt64() const {
  if (kind_ != Kind::kNumber || !IsIntegerText(text_)) return std::nullopt;
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), out);
  if (ec != std::errc() || ptr != text_.data() + text_.size()) return std::nullopt;
  return out;
}

std::optional<uint64_t> JsonValue::AsUint64() const {
  if (kind_ != Kind::kNumber || !IsIntegerText(text_) || text_[0] == '-') return std::nullopt;
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), out);
  if (ec != std::errc() || ptr != text_.data() + text_.size()) return std::nullopt;
  return out;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const Member& m : object_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case JsonValue::Kind::kNull: return true;
    case JsonValue::Kind::kBool: return a.bool_ == b.bool_;
    case JsonValue::Kind::kNumber: return a.number_ == b.number_;
    case JsonValue::Kind::kString: return a.text_ == b.text_;
    case JsonValue::Kind::kArray: return a.array_ == b.array_;
    case JsonValue::Kind::kObject: return a.object_ == b.object_;
  }
  return false;
}

void WriteJsonValue(const JsonValue& value, JsonWriter* writer) {
  switch (value.kind()) {
    case JsonValue::Kind::kNull: writer->Null(); return;
    case JsonValue::Kind::kBool: writer->Bool(value.bool_value()); return;
    case JsonValue::Kind::kNumber: {
      // Integers are rewritten from their text so large ones stay exact.
      if (auto i = value.AsInt64()) {
        writer->Int(*i);
      } else if (auto u = value.AsUint64()) {
        writer->Uint(*u);
      } else {
        writer->Double(value.number());
      }
      return;
    }
    case JsonValue::Kind::kString: writer->String(value.string()); return;
    case JsonValue::Kind::kArray:
      writer->BeginArray();
      for (const JsonValue& item : value.array()) WriteJsonValue(item, writer);
      writer->EndArray();
      return;
    case JsonValue::Kind::kObject:
      writer->BeginObject();
      for (const JsonValue::Member& m : value.object()) {
        writer->Key(m.first);
        WriteJsonValue(m.second, writer);
      }
      writer->EndObject();
      return;
  }
}

}  // namespace starttls
