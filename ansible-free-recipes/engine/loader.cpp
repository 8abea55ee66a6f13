// YAML -> Recipe. yaml-cpp exceptions stay inside this file.
#include "ansible-free-recipes/engine/loader.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "ansible-free-recipes/engine/loader_detail.h"
#include "ansible-free-recipes/engine/mustache.h"
#include "common/files/beneath.h"
#include "common/lab/names.h"
#include "common/text/regex.h"

namespace atelier::recipes {
namespace {

using loader_detail::Diag;
using loader_detail::kind_of;
using loader_detail::parse_bool;
using loader_detail::parse_int;
using loader_detail::parse_op;
using loader_detail::SourceDir;

// Converts a node to a Value of the declared type; nullopt + message when it does not fit.
std::optional<Value> to_value(const YAML::Node& n, ParamType type, std::string& why) {
  switch (type) {
    case ParamType::kString:
      if (!n.IsScalar()) break;
      return Value(n.Scalar());
    case ParamType::kInt:
      if (n.IsScalar()) {
        if (auto i = parse_int(n.Scalar())) return Value(*i);
      }
      break;
    case ParamType::kBool:
      if (n.IsScalar()) {
        if (auto b = parse_bool(n.Scalar())) return Value(*b);
      }
      break;
    case ParamType::kList: {
      if (!n.IsSequence()) break;
      ValueList items;
      for (const auto& item : n) {
        std::optional<Value> v;
        if (item.IsScalar())
          v = Value(item.Scalar());
        else if (item.IsMap())
          v = to_value(item, ParamType::kMap, why);
        else if (item.IsSequence())
          v = to_value(item, ParamType::kList, why);
        if (!v) return std::nullopt;
        items.push_back(std::move(*v));
      }
      return Value(std::move(items));
    }
    case ParamType::kMap: {
      if (!n.IsMap()) break;
      ValueMap m;
      for (const auto& kv : n) {
        std::optional<Value> v;
        const auto& item = kv.second;
        if (item.IsScalar())
          v = Value(item.Scalar());
        else if (item.IsMap())
          v = to_value(item, ParamType::kMap, why);
        else if (item.IsSequence())
          v = to_value(item, ParamType::kList, why);
        else
          v = Value();
        if (!v) return std::nullopt;
        m[kv.first.Scalar()] = std::move(*v);
      }
      return Value(std::move(m));
    }
  }
  why = "expected a " + std::string(to_string(type)) + ", got " + kind_of(n);
  return std::nullopt;
}

std::string default_step_name(const Op& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        std::string what;
        if constexpr (std::is_same_v<T, PackageOp>) {
          for (const auto& n : o.names) what += (what.empty() ? "" : " ") + n;
        } else if constexpr (std::is_same_v<T, CommandOp>) {
          what = o.run.size() > 40 ? o.run.substr(0, 37) + "..." : o.run;
        } else if constexpr (std::is_same_v<T, SqlOp>) {
          what = o.statements.empty() ? "" : o.statements.front().substr(0, 40);
        } else if constexpr (std::is_same_v<T, LdapEntryOp>) {
          what = o.dn;
        } else if constexpr (std::is_same_v<T, ServiceOp> || std::is_same_v<T, UserOp> ||
                             std::is_same_v<T, GroupOp> || std::is_same_v<T, SysctlOp>) {
          what = o.name;
        } else {
          what = o.path;
        }
        return what;
      },
      op);
}

std::optional<Step> parse_step(const YAML::Node& node, Diag& d, const SourceDir& base_dir,
                               bool handler) {
  if (!node.IsMap()) {
    d.error(node,
            std::string(handler ? "a handler" : "a step") + " must be a map, got " + kind_of(node));
    return std::nullopt;
  }
  Step step;
  step.pos = {d.file(), node.Mark().line + 1, node.Mark().column + 1};
  std::optional<Op> op;
  std::string op_key;
  bool bad = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const auto& v = kv.second;
    if (key == "name") {
      if (!v.IsScalar())
        d.error(v, "name: expected text");
      else
        step.name = v.Scalar();
    } else if (key == "when") {
      if (!v.IsScalar()) {
        d.error(v, "when: expected an expression as text");
        continue;
      }
      auto e = Expr::parse(v.Scalar());
      if (!e.ok())
        d.error(v, "when: " + e.error().message());
      else
        step.when = std::move(e).value();
    } else if (key == "notify" && !handler) {
      if (v.IsScalar())
        step.notify.push_back(v.Scalar());
      else if (v.IsSequence()) {
        for (const auto& n : v) step.notify.push_back(n.Scalar());
      } else {
        d.error(v, "notify: expected a handler name or a list of them");
      }
    } else if (key == "register" && !handler) {
      if (!v.IsScalar() || !lab::is_var_name(v.Scalar())) {
        d.error(v, "register: expected a name like my_result");
      } else {
        step.register_as = v.Scalar();
      }
    } else if (std::find(op_names().begin(), op_names().end(), key) != op_names().end()) {
      if (op) {
        d.error(kv.first, "a step has one op; '" + op_key + "' and '" + key +
                              "' are both here (split the step)");
        bad = true;
        continue;
      }
      op_key = key;
      op = parse_op(key, v, d, base_dir);
      if (!op) bad = true;
    } else {
      std::string ops;
      for (const auto& n : op_names()) ops += (ops.empty() ? "" : ", ") + n;
      d.error(kv.first, "unknown key '" + key + "' in " + (handler ? "a handler" : "a step") +
                            "; a step has name, when, " + (handler ? "" : "notify, register, ") +
                            "and one op: " + ops);
    }
  }
  if (!op) {
    if (!bad && op_key.empty())
      d.error(node, std::string(handler ? "handler" : "step") + " has no op");
    return std::nullopt;
  }
  step.op = std::move(*op);
  if (step.name.empty()) step.name = op_key + " " + default_step_name(step.op);
  return step;
}

// params: name: {type, default, description}, each checked; into r.params.
void parse_params(const YAML::Node& v, Diag& d, Recipe& r) {
  for (const auto& p : v) {
    const std::string name = p.first.Scalar();
    if (!lab::is_var_name(name)) {
      d.error(p.first, "params: '" + name + "' is not a valid name (lower-case, digits, _)");
      continue;
    }
    if (name == "facts") {
      d.error(p.first, "params: 'facts' is reserved for the host's facts");
      continue;
    }
    if (!p.second.IsMap()) {
      d.error(p.second,
              "params." + name + ": expected {type: string|int|bool|list|map, default: ...}");
      continue;
    }
    ParamSpec spec;
    std::optional<YAML::Node> def;
    bool has_type = false;
    for (const auto& f : p.second) {
      const std::string fk = f.first.Scalar();
      if (fk == "type") {
        has_type = true;
        const std::string t = f.second.IsScalar() ? f.second.Scalar() : "";
        if (t == "string")
          spec.type = ParamType::kString;
        else if (t == "int")
          spec.type = ParamType::kInt;
        else if (t == "bool")
          spec.type = ParamType::kBool;
        else if (t == "list")
          spec.type = ParamType::kList;
        else if (t == "map")
          spec.type = ParamType::kMap;
        else
          d.error(f.second, "params." + name + ".type: '" + t +
                                "' is not one of string, int, bool, list, map");
      } else if (fk == "default") {
        def = f.second;
      } else if (fk == "description") {
        spec.description = f.second.IsScalar() ? f.second.Scalar() : "";
      } else {
        d.error(f.first, "params." + name + ": unknown key '" + fk +
                             "' (known: type, default, description)");
      }
    }
    if (!has_type) d.error(p.second, "params." + name + ": missing 'type'");
    if (def) {
      std::string why;
      auto value = to_value(*def, spec.type, why);
      if (!value)
        d.error(*def, "params." + name + ".default: " + why);
      else
        spec.default_value = std::move(*value);
    }
    r.params[name] = std::move(spec);
  }
}

// Cross references: notify names a handler; register names do not shadow parameters.
void check_cross_references(const Recipe& r, Diag& d) {
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const auto& s = r.steps[i];
    for (const auto& n : s.notify) {
      bool found = std::any_of(r.handlers.begin(), r.handlers.end(),
                               [&](const auto& h) { return h.first == n; });
      if (!found) {
        d.error_at(s.pos.line, s.pos.column, "notify: no handler named '" + n + "'");
      }
    }
    if (s.register_as && (r.params.count(*s.register_as) || *s.register_as == "facts")) {
      d.error_at(s.pos.line, s.pos.column,
                 "register: '" + *s.register_as + "' is already a parameter name");
    }
  }
}

// The steps (a list) and the handlers (a map name: step) of the recipe.
void parse_steps_and_handlers(const YAML::Node& root, const std::optional<YAML::Node>& steps,
                              const std::optional<YAML::Node>& handlers, Diag& d,
                              const SourceDir& base_dir, Recipe& r) {
  if (!steps) {
    d.error(root, "missing 'steps'");
  } else if (!steps->IsSequence()) {
    d.error(*steps, "steps: expected a list of steps");
  } else {
    for (const auto& s : *steps) {
      if (auto step = parse_step(s, d, base_dir, false)) r.steps.push_back(std::move(*step));
    }
  }
  if (handlers) {
    if (!handlers->IsMap()) {
      d.error(*handlers, "handlers: expected a map name: step");
    } else {
      for (const auto& h : *handlers) {
        if (auto step = parse_step(h.second, d, base_dir, true)) {
          if (step->name.empty() || step->name.starts_with(std::string(op_name(step->op)) + " "))
            step->name = h.first.Scalar();
          r.handlers.emplace_back(h.first.Scalar(), std::move(*step));
        }
      }
    }
  }
}

Result<Recipe> parse_recipe(std::string_view text, const std::string& file_name,
                            const SourceDir& base_dir);

}  // namespace

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::kString:
      return "string";
    case ParamType::kInt:
      return "int";
    case ParamType::kBool:
      return "bool";
    case ParamType::kList:
      return "list";
    case ParamType::kMap:
      return "map";
  }
  return "?";
}

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> kNames = {"package", "file",  "line",      "service",
                                                  "user",    "group", "command",   "sysctl",
                                                  "nft",     "sql",   "ldap_entry"};
  return kNames;
}

const char* op_name(const Op& op) {
  return op_names()[op.index()].c_str();
}

Result<Recipe> load_recipe_text(std::string_view text, const std::string& file_name,
                                const std::string& base_dir) {
  return parse_recipe(text, file_name, SourceDir{base_dir, {}});
}

namespace {

Result<Recipe> parse_recipe(std::string_view text, const std::string& file_name,
                            const SourceDir& base_dir) {
  Diag d(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    d.error(e.mark, "YAML: " + e.msg);
    return Error(ErrorCode::kInvalidArgument, d.text());
  }
  if (!root.IsMap()) {
    d.error(root, "a recipe is a map with keys recipe, description, params, steps, handlers");
    return Error(ErrorCode::kInvalidArgument, d.text());
  }
  Recipe r;
  r.source_file = file_name;
  std::optional<YAML::Node> steps, handlers;
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      const auto& v = kv.second;
      if (key == "recipe") {
        if (!v.IsScalar() || !lab::is_recipe_id(v.Scalar())) {
          d.error(v, "recipe: expected an id of lower-case letters, digits, '-' and '_'");
        } else {
          r.id = v.Scalar();
        }
      } else if (key == "description") {
        if (!v.IsScalar())
          d.error(v, "description: expected text");
        else
          r.description = v.Scalar();
      } else if (key == "params") {
        if (!v.IsMap()) {
          d.error(v, "params: expected a map name: {type: ..., default: ...}");
          continue;
        }
        parse_params(v, d, r);
      } else if (key == "steps") {
        steps = v;
      } else if (key == "handlers") {
        handlers = v;
      } else {
        d.error(kv.first, "unknown top-level key '" + key +
                              "' (known: recipe, description, params, steps, handlers)");
      }
    }
    if (r.id.empty() && !root["recipe"]) d.error(root, "missing 'recipe: <id>'");
    parse_steps_and_handlers(root, steps, handlers, d, base_dir, r);
    check_cross_references(r, d);
  } catch (const YAML::Exception& e) {
    d.error(e.mark, "YAML: " + e.msg);
  }
  if (!d.empty()) return Error(ErrorCode::kInvalidArgument, d.text());
  return r;
}

}  // namespace

Result<Recipe> load_recipe_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, path + ": cannot read the recipe file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = std::filesystem::path(path).parent_path().string();
  return load_recipe_text(ss.str(), path, base.empty() ? "." : base);
}

Result<Recipe> load_recipe_beneath(const std::filesystem::path& root,
                                   const std::filesystem::path& rel) {
  const std::string shown = (root / rel).string();
  auto text = files::read_file_beneath(root, rel, kMaxRecipeFileBytes, "recipes folder");
  if (!text.ok()) {
    return Error(text.error().code(), shown + ": the recipe file " + text.error().message());
  }
  return parse_recipe(*text, shown, SourceDir{root, rel.parent_path()});
}

Result<ValueMap> bind_params(const Recipe& recipe, const std::map<std::string, std::string>& vars) {
  ValueMap out;
  std::vector<std::string> problems;
  for (const auto& [name, text] : vars) {
    auto it = recipe.params.find(name);
    if (it == recipe.params.end()) {
      std::string known;
      for (const auto& [k, _] : recipe.params) known += (known.empty() ? "" : ", ") + k;
      problems.push_back("--var " + name + ": recipe '" + recipe.id +
                         "' has no such parameter (it has: " + (known.empty() ? "none" : known) +
                         ")");
      continue;
    }
    if (it->second.type == ParamType::kString) {
      out[name] = Value(text);
      continue;
    }
    std::string why;
    std::optional<Value> v;
    try {
      v = to_value(YAML::Load(text), it->second.type, why);
    } catch (const YAML::Exception& e) {
      why = "not valid YAML: " + e.msg;
    }
    if (!v)
      problems.push_back("--var " + name + "=" + text + ": " + why);
    else
      out[name] = std::move(*v);
  }
  for (const auto& [name, spec] : recipe.params) {
    if (out.count(name)) continue;
    if (spec.default_value)
      out[name] = *spec.default_value;
    else
      problems.push_back("parameter '" + name + "' (" + to_string(spec.type) +
                         ") is required: give --var " + name + "=...");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    return Error(ErrorCode::kInvalidArgument, msg);
  }
  return out;
}

}  // namespace atelier::recipes
