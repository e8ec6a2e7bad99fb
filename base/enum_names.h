// Closed enums in this project carry a parallel table of their output names; this looks a
// name up in such a table.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace starttls {

template <typename Enum, size_t N>
std::optional<Enum> EnumFromName(const std::array<std::string_view, N>& names,
                                 std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace starttls
