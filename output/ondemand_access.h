// Small helpers over simdjson's On-Demand values for the record readers: one pass over an
// object's members, typed reads that say "absent or of another type" instead of failing, so
// a record with unknown or missing fields never stops a reader (fields are read by name,
// whatever their order). Strings returned point into the parser and live until the next
// record.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "output/field_table.h"

namespace starttls::ondemand_access {

namespace od = simdjson::ondemand;

// Calls fn(key, value) for each member (`value` is an od::value&; fn may read it or leave it
// unread). Returns the first parse error, or SUCCESS.
template <typename Fn>
simdjson::error_code ForEachMember(od::object object, Fn&& fn) {
  for (auto member : object) {
    od::field field;
    if (auto error = std::move(member).get(field)) return error;
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    fn(key, field.value());
  }
  return simdjson::SUCCESS;
}

// Calls fn(value) for each item of an array; returns the first parse error, or SUCCESS.
template <typename Fn>
simdjson::error_code ForEachItem(od::array array, Fn&& fn) {
  for (auto item : array) {
    od::value value;
    // simdjson_result::get is &&-qualified: the move selects it, it moves nothing.
    // NOLINTNEXTLINE(performance-move-const-arg)
    if (auto error = std::move(item).get(value)) return error;
    fn(value);
  }
  return simdjson::SUCCESS;
}

// The JSON type of a value as a JsonTypeBit (integers as kJsonInteger), 0 on an error.
inline JsonTypes TypeOf(od::value& value) {
  od::json_type type;
  if (value.type().get(type)) return 0;
  switch (type) {
    case od::json_type::array:
      return kJsonArray;
    case od::json_type::object:
      return kJsonObject;
    case od::json_type::string:
      return kJsonString;
    case od::json_type::boolean:
      return kJsonBoolean;
    case od::json_type::null:
      return kJsonNull;
    case od::json_type::number: {
      bool integer = false;
      if (value.is_integer().get(integer)) return kJsonNumber;
      return integer ? kJsonInteger : kJsonNumber;
    }
  }
  return 0;
}

inline std::optional<std::string_view> String(od::value& value) {
  std::string_view text;
  if (value.get_string().get(text)) return std::nullopt;
  return text;
}

inline std::optional<bool> Bool(od::value& value) {
  bool flag;
  if (value.get_bool().get(flag)) return std::nullopt;
  return flag;
}

inline std::optional<int64_t> Int(od::value& value) {
  int64_t number;
  if (value.get_int64().get(number)) return std::nullopt;
  return number;
}

inline std::optional<uint64_t> Uint(od::value& value) {
  uint64_t number;
  if (value.get_uint64().get(number)) return std::nullopt;
  return number;
}

inline std::optional<double> Double(od::value& value) {
  double number;
  if (value.get_double().get(number)) return std::nullopt;
  return number;
}

inline std::optional<od::object> Object(od::value& value) {
  od::object object;
  if (value.get_object().get(object)) return std::nullopt;
  return object;
}

inline std::optional<od::array> Array(od::value& value) {
  od::array array;
  if (value.get_array().get(array)) return std::nullopt;
  return array;
}

}  // namespace starttls::ondemand_access
