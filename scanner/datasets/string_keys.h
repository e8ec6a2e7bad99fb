// Hash and equality over std::string_view for absl hash maps keyed by std::string or
// std::string_view, so lookups take a view without building a string. (Debian's Abseil has
// its own absl::string_view, distinct from std::string_view: its default hash is not used.)
#pragma once

#include <functional>
#include <string_view>

namespace starttls {

struct StringKeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};

struct StringKeyEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

}  // namespace starttls
