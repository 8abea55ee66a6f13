// Value: the typed data recipes compute with — parameters, facts, registered results — and what
// templates and when-expressions read. A closed set: null, bool, int, string, list, map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace atelier::recipes {

struct Value;
using ValueList = std::vector<Value>;
using ValueMap = std::map<std::string, Value>;

struct Value {
  std::variant<std::monostate, bool, int64_t, std::string, ValueList, ValueMap> v;

  Value() = default;
  Value(bool b) : v(b) {}                       // NOLINT: implicit by design
  Value(int64_t i) : v(i) {}                    // NOLINT
  Value(int i) : v(static_cast<int64_t>(i)) {}  // NOLINT
  Value(std::string s) : v(std::move(s)) {}     // NOLINT
  Value(const char* s) : v(std::string(s)) {}   // NOLINT
  Value(ValueList l) : v(std::move(l)) {}       // NOLINT
  Value(ValueMap m) : v(std::move(m)) {}        // NOLINT

  bool is_null() const { return v.index() == 0; }
  const bool* as_bool() const { return std::get_if<bool>(&v); }
  const int64_t* as_int() const { return std::get_if<int64_t>(&v); }
  const std::string* as_string() const { return std::get_if<std::string>(&v); }
  const ValueList* as_list() const { return std::get_if<ValueList>(&v); }
  const ValueMap* as_map() const { return std::get_if<ValueMap>(&v); }

  // Text as a template prints it: strings as they are, ints in decimal, bools true/false, lists
  // as their items joined by one space, null and maps as "".
  std::string to_text() const;
  // Truth for when: and sections: false, 0, "", [], {} and null are false.
  bool truthy() const;
  // Type name for messages: "string", "int", "bool", "list", "map", "null".
  const char* type_name() const;

  friend bool operator==(const Value& a, const Value& b) { return a.v == b.v; }
};

// Looks up a dotted name ("facts.init") in a map; nullptr when any part is missing.
const Value* lookup(const Value& root, const std::string& dotted);

}  // namespace atelier::recipes
