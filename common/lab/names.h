// Linear scanners for lab ids, host/network/variable names, task ids and recipe names.
// They replace std::regex, whose backtracking recursed once per character and crashed on long
// input (issue 19); each runs in one pass and caps the length first.
#pragma once

#include <cstddef>
#include <string_view>

namespace atelier::lab {

inline constexpr std::size_t kMaxIdLength = 64;      // lab ids, names, task ids
inline constexpr std::size_t kMaxPathLength = 4096;  // recipe names and file paths

namespace detail {
inline bool lower(char c) {
  return c >= 'a' && c <= 'z';
}
inline bool digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool upper(char c) {
  return c >= 'A' && c <= 'Z';
}
// Every character of s satisfies ok.
template <typename F>
bool all_of(std::string_view s, F ok) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}
}  // namespace detail

// [a-z0-9-]+, at most kMaxIdLength.
inline bool is_lab_id(std::string_view s) {
  using namespace detail;
  return !s.empty() && s.size() <= kMaxIdLength &&
         all_of(s, [](char c) { return lower(c) || digit(c) || c == '-'; });
}

// Host and network names: [a-z][a-z0-9-]{0,31}.
inline bool is_host_name(std::string_view s) {
  using namespace detail;
  return !s.empty() && s.size() <= 32 && lower(s[0]) &&
         all_of(s, [](char c) { return lower(c) || digit(c) || c == '-'; });
}

// Task ids: [A-Za-z0-9_-]{1,32}.
inline bool is_task_id(std::string_view s) {
  using namespace detail;
  return !s.empty() && s.size() <= 32 &&
         all_of(s, [](char c) { return lower(c) || upper(c) || digit(c) || c == '_' || c == '-'; });
}

// Variable names: [a-z_][a-z0-9_]*, at most kMaxIdLength.
inline bool is_var_name(std::string_view s) {
  using namespace detail;
  return !s.empty() && s.size() <= kMaxIdLength && (lower(s[0]) || s[0] == '_') &&
         all_of(s, [](char c) { return lower(c) || digit(c) || c == '_'; });
}

// A recipe's own id (the `recipe:` key): [a-z0-9][a-z0-9_-]*, at most kMaxIdLength.
inline bool is_recipe_id(std::string_view s) {
  using namespace detail;
  return !s.empty() && s.size() <= kMaxIdLength && (lower(s[0]) || digit(s[0])) &&
         all_of(s, [](char c) { return lower(c) || digit(c) || c == '_' || c == '-'; });
}

// Recipe names: [a-z0-9_-]+(/[a-z0-9_-]+)*, at most kMaxPathLength.
inline bool is_recipe_name(std::string_view s) {
  using namespace detail;
  if (s.empty() || s.size() > kMaxPathLength) return false;
  bool segment_empty = true;
  for (char c : s) {
    if (c == '/') {
      if (segment_empty) return false;
      segment_empty = true;
    } else if (lower(c) || digit(c) || c == '_' || c == '-') {
      segment_empty = false;
    } else {
      return false;
    }
  }
  return !segment_empty;
}

}  // namespace atelier::lab
