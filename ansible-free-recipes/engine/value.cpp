// Value helpers: text form, truth, lookup by dotted name.
#include "ansible-free-recipes/engine/value.h"

namespace atelier::recipes {

std::string Value::to_text() const {
  if (auto b = as_bool()) return *b ? "true" : "false";
  if (auto i = as_int()) return std::to_string(*i);
  if (auto s = as_string()) return *s;
  if (auto l = as_list()) {
    std::string out;
    for (const auto& item : *l) {
      if (!out.empty()) out += ' ';
      out += item.to_text();
    }
    return out;
  }
  return "";
}

bool Value::truthy() const {
  if (auto b = as_bool()) return *b;
  if (auto i = as_int()) return *i != 0;
  if (auto s = as_string()) return !s->empty();
  if (auto l = as_list()) return !l->empty();
  if (auto m = as_map()) return !m->empty();
  return false;
}

const char* Value::type_name() const {
  switch (v.index()) {
    case 1:
      return "bool";
    case 2:
      return "int";
    case 3:
      return "string";
    case 4:
      return "list";
    case 5:
      return "map";
    default:
      return "null";
  }
}

const Value* lookup(const Value& root, const std::string& dotted) {
  const Value* cur = &root;
  size_t start = 0;
  while (start <= dotted.size()) {
    auto dot = dotted.find('.', start);
    std::string part =
        dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const auto* m = cur->as_map();
    if (!m) return nullptr;
    auto it = m->find(part);
    if (it == m->end()) return nullptr;
    cur = &it->second;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

}  // namespace atelier::recipes
