// Enum <-> name tables: the text a store writes, an API shows or a file holds for an enum's
// values, as a constexpr table of {value, name} pairs (a std::array or a built-in array).
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace atelier::text {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

// The value called `name`; nothing when the table has no such name.
template <typename Table>
auto parse_name(std::string_view name, const Table& table)
    -> std::optional<std::remove_cv_t<decltype(std::begin(table)->first)>> {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  return std::nullopt;
}

// The name of `value`; `unknown` for a value the table lacks (an integer cast to the enum).
template <typename E, typename Table>
std::string_view name_of(E value, const Table& table, std::string_view unknown = "unknown") {
  for (const auto& [v, n] : table) {
    if (v == value) return n;
  }
  return unknown;
}

}  // namespace atelier::text
