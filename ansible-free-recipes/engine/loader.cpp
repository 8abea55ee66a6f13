// YAML -> Recipe. yaml-cpp exceptions stay inside this file.
#include "ansible-free-recipes/engine/loader.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "ansible-free-recipes/engine/mustache.h"
#include "common/lab/names.h"
#include "common/text/regex.h"

namespace atelier::recipes {
namespace {

// Collects diagnostics in the compiler format.
class Diag {
 public:
  explicit Diag(std::string file) : file_(std::move(file)) {}
  void error(const YAML::Mark& m, const std::string& msg) { error_at(m.line + 1, m.column + 1, msg); }
  void error_at(int line, int column, const std::string& msg) {
    lines_.push_back(file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + msg);
  }
  void error(const YAML::Node& n, const std::string& msg) { error(n.Mark(), msg); }
  bool empty() const { return lines_.empty(); }
  std::string text() const {
    std::string out;
    for (const auto& l : lines_) out += (out.empty() ? "" : "\n") + l;
    return out;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    default: return "nothing";
  }
}

std::optional<bool> parse_bool(const std::string& s) {
  if (s == "true" || s == "yes" || s == "True" || s == "on") return true;
  if (s == "false" || s == "no" || s == "False" || s == "off") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_int(const std::string& s) {
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used, 10);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

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
        if (item.IsScalar()) v = Value(item.Scalar());
        else if (item.IsMap()) v = to_value(item, ParamType::kMap, why);
        else if (item.IsSequence()) v = to_value(item, ParamType::kList, why);
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
        if (item.IsScalar()) v = Value(item.Scalar());
        else if (item.IsMap()) v = to_value(item, ParamType::kMap, why);
        else if (item.IsSequence()) v = to_value(item, ParamType::kList, why);
        else v = Value();
        if (!v) return std::nullopt;
        m[kv.first.Scalar()] = std::move(*v);
      }
      return Value(std::move(m));
    }
  }
  why = "expected a " + std::string(to_string(type)) + ", got " + kind_of(n);
  return std::nullopt;
}

// Reads one op's argument map, remembering which keys were used so unknown ones are reported.
class Args {
 public:
  Args(const YAML::Node& node, Diag& d, std::string op) : node_(node), d_(d), op_(std::move(op)) {
    if (!node.IsMap()) {
      d_.error(node, op_ + ": expected a map of arguments, got " + kind_of(node));
      ok_ = false;
    }
  }
  bool ok() const { return ok_; }

  const YAML::Node* find(const std::string& key, bool required) {
    used_.insert(key);
    if (!ok_) return nullptr;
    for (const auto& kv : node_) {
      if (kv.first.Scalar() == key) {
        nodes_.push_back(kv.second);
        return &nodes_.back();
      }
    }
    if (required) d_.error(node_, op_ + ": missing required argument '" + key + "'");
    return nullptr;
  }
  std::optional<std::string> str(const std::string& key, bool required = false) {
    auto* n = find(key, required);
    if (!n) return std::nullopt;
    if (!n->IsScalar()) {
      d_.error(*n, op_ + "." + key + ": expected text, got " + kind_of(*n));
      return std::nullopt;
    }
    return n->Scalar();
  }
  std::optional<bool> boolean(const std::string& key) {
    auto* n = find(key, false);
    if (!n) return std::nullopt;
    auto b = n->IsScalar() ? parse_bool(n->Scalar()) : std::nullopt;
    if (!b) d_.error(*n, op_ + "." + key + ": expected true or false, got " + kind_of(*n));
    return b;
  }
  std::optional<int64_t> integer(const std::string& key) {
    auto* n = find(key, false);
    if (!n) return std::nullopt;
    auto i = n->IsScalar() ? parse_int(n->Scalar()) : std::nullopt;
    if (!i) d_.error(*n, op_ + "." + key + ": expected an integer, got " + kind_of(*n));
    return i;
  }
  // A list of texts; a single text is a list of one.
  std::optional<std::vector<std::string>> list(const std::string& key, bool required = false) {
    auto* n = find(key, required);
    if (!n) return std::nullopt;
    std::vector<std::string> out;
    if (n->IsScalar()) return std::vector<std::string>{n->Scalar()};
    if (!n->IsSequence()) {
      d_.error(*n, op_ + "." + key + ": expected a list, got " + kind_of(*n));
      return std::nullopt;
    }
    for (const auto& item : *n) {
      if (!item.IsScalar()) {
        d_.error(item, op_ + "." + key + ": items must be texts, got " + kind_of(item));
        return std::nullopt;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }
  template <typename E>
  std::optional<E> choice(const std::string& key, const std::vector<std::pair<const char*, E>>& options) {
    auto s = str(key);
    if (!s) return std::nullopt;
    std::string names;
    for (const auto& [name, value] : options) {
      if (*s == name) return value;
      names += std::string(names.empty() ? "" : ", ") + name;
    }
    d_.error(nodes_.back(), op_ + "." + key + ": '" + *s + "' is not one of " + names);
    return std::nullopt;
  }
  std::optional<uint32_t> mode(const std::string& key) {
    auto s = str(key);
    if (!s) return std::nullopt;
    std::string digits = s->starts_with("0o") ? s->substr(2) : *s;
    if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("01234567") != std::string::npos ||
        std::stoul(digits, nullptr, 8) > 07777) {
      d_.error(nodes_.back(), op_ + "." + key + ": '" + *s + "' is not an octal mode like \"0644\" (quote it)");
      return std::nullopt;
    }
    return static_cast<uint32_t>(std::stoul(digits, nullptr, 8));
  }
  void finish() {
    if (!ok_) return;
    for (const auto& kv : node_) {
      const auto& k = kv.first.Scalar();
      if (!used_.count(k)) {
        std::string known;
        for (const auto& u : used_) known += std::string(known.empty() ? "" : ", ") + u;
        d_.error(kv.first, op_ + ": unknown argument '" + k + "' (known: " + known + ")");
      }
    }
  }

 private:
  YAML::Node node_;
  Diag& d_;
  std::string op_;
  bool ok_ = true;
  std::set<std::string> used_;
  std::vector<YAML::Node> nodes_;
};

const std::vector<std::pair<const char*, PresenceState>> kPresence = {{"present", PresenceState::kPresent},
                                                                       {"absent", PresenceState::kAbsent}};

std::optional<std::string> read_template(Args& a, Diag& d, const std::string& base_dir, const YAML::Node& at,
                                         std::optional<std::string>& resolved) {
  auto rel = a.str("template");
  if (!rel) return std::nullopt;
  std::filesystem::path p = std::filesystem::path(*rel).is_absolute() ? std::filesystem::path(*rel)
                                                                      : std::filesystem::path(base_dir) / *rel;
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    d.error(at, "template file " + p.string() + " cannot be read");
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto t = Template::parse(ss.str());
  if (!t.ok()) {
    d.error(at, "template " + p.string() + ": " + t.error().message());
    return std::nullopt;
  }
  resolved = p.string();
  return ss.str();
}

std::optional<Op> parse_op(const std::string& key, const YAML::Node& node, Diag& d, const std::string& base_dir) {
  Args a(node, d, key);
  if (!a.ok()) return std::nullopt;
  std::optional<Op> out;
  if (key == "package") {
    PackageOp op;
    op.names = a.list("names", true).value_or(std::vector<std::string>{});
    op.state = a.choice<PackageState>("state", {{"present", PackageState::kPresent}, {"absent", PackageState::kAbsent}, {"latest", PackageState::kLatest}})
                   .value_or(PackageState::kPresent);
    op.update_cache = a.boolean("update_cache").value_or(false);
    out = op;
  } else if (key == "file") {
    FileOp op;
    op.path = a.str("path", true).value_or("");
    op.content = a.str("content");
    op.template_text = read_template(a, d, base_dir, node, op.template_file);
    op.state = a.choice<FileState>("state", {{"file", FileState::kFile}, {"directory", FileState::kDirectory}, {"absent", FileState::kAbsent}})
                   .value_or(FileState::kFile);
    op.mode = a.mode("mode");
    op.owner = a.str("owner");
    op.group = a.str("group");
    if (op.content && op.template_file) d.error(node, "file: give content or template, not both");
    if (op.state != FileState::kFile && (op.content || op.template_file)) {
      d.error(node, "file: content and template only go with state: file");
    }
    out = op;
  } else if (key == "line") {
    LineOp op;
    op.path = a.str("path", true).value_or("");
    op.regex = a.str("regex");
    op.line = a.str("line");
    op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
    op.create = a.boolean("create").value_or(false);
    if (op.state == PresenceState::kPresent && !op.line) d.error(node, "line: state present needs 'line'");
    if (op.state == PresenceState::kAbsent && !op.line && !op.regex) d.error(node, "line: state absent needs 'regex' or 'line'");
    if (op.regex && op.regex->find("{{") == std::string::npos) {
      if (auto check = text::Regex::compile(*op.regex); !check) {
        d.error(node, "line: regex '" + *op.regex + "' is invalid: " + check.error().message());
      }
    }
    out = op;
  } else if (key == "service") {
    ServiceOp op;
    op.name = a.str("name", true).value_or("");
    op.state = a.choice<ServiceState>("state", {{"started", ServiceState::kStarted}, {"stopped", ServiceState::kStopped},
                                                {"restarted", ServiceState::kRestarted}, {"reloaded", ServiceState::kReloaded}});
    op.enabled = a.boolean("enabled");
    if (!op.state && !op.enabled) d.error(node, "service: give state, enabled, or both");
    out = op;
  } else if (key == "user") {
    UserOp op;
    op.name = a.str("name", true).value_or("");
    op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
    op.uid = a.integer("uid");
    op.group = a.str("group");
    op.groups = a.list("groups");
    op.shell = a.str("shell");
    op.home = a.str("home");
    op.comment = a.str("comment");
    op.password_hash = a.str("password_hash");
    op.system = a.boolean("system").value_or(false);
    op.create_home = a.boolean("create_home").value_or(true);
    out = op;
  } else if (key == "group") {
    GroupOp op;
    op.name = a.str("name", true).value_or("");
    op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
    op.gid = a.integer("gid");
    op.system = a.boolean("system").value_or(false);
    out = op;
  } else if (key == "command") {
    CommandOp op;
    op.run = a.str("run", true).value_or("");
    op.creates = a.str("creates");
    op.removes = a.str("removes");
    op.unless = a.str("unless");
    op.only_if = a.str("only_if");
    op.chdir = a.str("chdir");
    if (auto t = a.integer("timeout")) {
      if (*t <= 0) d.error(node, "command.timeout: must be a positive number of seconds");
      op.timeout = std::chrono::seconds(*t);
    }
    out = op;
  } else if (key == "sysctl") {
    SysctlOp op;
    op.name = a.str("name", true).value_or("");
    op.value = a.str("value", true).value_or("");
    if (auto f = a.str("file")) op.file = *f;
    op.runtime = a.boolean("runtime").value_or(true);
    out = op;
  } else if (key == "nft") {
    NftOp op;
    if (auto p = a.str("path")) op.path = *p;
    op.content = a.str("content");
    op.template_text = read_template(a, d, base_dir, node, op.template_file);
    if (auto s = a.str("state_dir")) op.state_dir = *s;
    if (op.content.has_value() == op.template_file.has_value()) d.error(node, "nft: give exactly one of content or template");
    out = op;
  } else if (key == "sql") {
    SqlOp op;
    op.engine = a.choice<SqlEngine>("engine", {{"postgresql", SqlEngine::kPostgresql}, {"mysql", SqlEngine::kMysql}, {"mariadb", SqlEngine::kMysql}})
                    .value_or(SqlEngine::kPostgresql);
    op.database = a.str("database");
    op.statements = a.list("statements", true).value_or(std::vector<std::string>{});
    op.unless = a.str("unless");
    op.os_user = a.str("os_user");
    out = op;
  } else if (key == "ldap_entry") {
    LdapEntryOp op;
    op.dn = a.str("dn", true).value_or("");
    op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
    op.tool = a.choice<LdapTool>("tool", {{"ldapmodify", LdapTool::kLdapmodify}, {"ldbmodify", LdapTool::kLdbmodify}})
                  .value_or(LdapTool::kLdapmodify);
    if (auto u = a.str("uri")) op.uri = *u;
    else if (op.tool == LdapTool::kLdbmodify) op.uri = "/var/lib/samba/private/sam.ldb";
    op.bind_dn = a.str("bind_dn");
    op.password_file = a.str("password_file");
    if (const auto* attrs = a.find("attributes", false)) {
      if (!attrs->IsMap()) {
        d.error(*attrs, "ldap_entry.attributes: expected a map attribute: value or [values]");
      } else {
        for (const auto& kv : *attrs) {
          auto& values = op.attributes[kv.first.Scalar()];
          if (kv.second.IsScalar()) values.push_back(kv.second.Scalar());
          else if (kv.second.IsSequence()) {
            for (const auto& v : kv.second) values.push_back(v.IsScalar() ? v.Scalar() : "");
          } else {
            d.error(kv.second, "ldap_entry.attributes." + kv.first.Scalar() + ": expected a value or a list of values");
          }
        }
      }
    }
    if (op.state == PresenceState::kPresent && op.attributes.empty()) d.error(node, "ldap_entry: state present needs attributes");
    out = op;
  }
  a.finish();
  // Template syntax of every text argument is checked now, not on the first host.
  if (out) {
    std::visit([&](auto& op) {
      op.for_each_text([&](std::string& text) {
        if (text.find("{{") == std::string::npos) return;
        auto t = Template::parse(text);
        if (!t.ok()) d.error(node, key + ": template in '" + text + "': " + t.error().message());
      });
    }, *out);
  }
  return out;
}

std::string default_step_name(const Op& op) {
  return std::visit([](const auto& o) -> std::string {
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
    } else if constexpr (std::is_same_v<T, ServiceOp> || std::is_same_v<T, UserOp> || std::is_same_v<T, GroupOp> || std::is_same_v<T, SysctlOp>) {
      what = o.name;
    } else {
      what = o.path;
    }
    return what;
  }, op);
}

std::optional<Step> parse_step(const YAML::Node& node, Diag& d, const std::string& base_dir, bool handler) {
  if (!node.IsMap()) {
    d.error(node, std::string(handler ? "a handler" : "a step") + " must be a map, got " + kind_of(node));
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
      if (!v.IsScalar()) d.error(v, "name: expected text");
      else step.name = v.Scalar();
    } else if (key == "when") {
      if (!v.IsScalar()) {
        d.error(v, "when: expected an expression as text");
        continue;
      }
      auto e = Expr::parse(v.Scalar());
      if (!e.ok()) d.error(v, "when: " + e.error().message());
      else step.when = std::move(e).value();
    } else if (key == "notify" && !handler) {
      if (v.IsScalar()) step.notify.push_back(v.Scalar());
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
        d.error(kv.first, "a step has one op; '" + op_key + "' and '" + key + "' are both here (split the step)");
        bad = true;
        continue;
      }
      op_key = key;
      op = parse_op(key, v, d, base_dir);
      if (!op) bad = true;
    } else {
      std::string ops;
      for (const auto& n : op_names()) ops += (ops.empty() ? "" : ", ") + n;
      d.error(kv.first, "unknown key '" + key + "' in " + (handler ? "a handler" : "a step") + "; a step has name, when, " +
                            (handler ? "" : "notify, register, ") + "and one op: " + ops);
    }
  }
  if (!op) {
    if (!bad && op_key.empty()) d.error(node, std::string(handler ? "handler" : "step") + " has no op");
    return std::nullopt;
  }
  step.op = std::move(*op);
  if (step.name.empty()) step.name = op_key + " " + default_step_name(step.op);
  return step;
}

}  // namespace

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::kString: return "string";
    case ParamType::kInt: return "int";
    case ParamType::kBool: return "bool";
    case ParamType::kList: return "list";
    case ParamType::kMap: return "map";
  }
  return "?";
}

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names = {"package", "file", "line", "service", "user", "group",
                                                 "command", "sysctl", "nft", "sql", "ldap_entry"};
  return names;
}

const char* op_name(const Op& op) { return op_names()[op.index()].c_str(); }

Result<Recipe> load_recipe_text(std::string_view text, const std::string& file_name, const std::string& base_dir) {
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
        if (!v.IsScalar()) d.error(v, "description: expected text");
        else r.description = v.Scalar();
      } else if (key == "params") {
        if (!v.IsMap()) {
          d.error(v, "params: expected a map name: {type: ..., default: ...}");
          continue;
        }
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
            d.error(p.second, "params." + name + ": expected {type: string|int|bool|list|map, default: ...}");
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
              if (t == "string") spec.type = ParamType::kString;
              else if (t == "int") spec.type = ParamType::kInt;
              else if (t == "bool") spec.type = ParamType::kBool;
              else if (t == "list") spec.type = ParamType::kList;
              else if (t == "map") spec.type = ParamType::kMap;
              else d.error(f.second, "params." + name + ".type: '" + t + "' is not one of string, int, bool, list, map");
            } else if (fk == "default") {
              def = f.second;
            } else if (fk == "description") {
              spec.description = f.second.IsScalar() ? f.second.Scalar() : "";
            } else {
              d.error(f.first, "params." + name + ": unknown key '" + fk + "' (known: type, default, description)");
            }
          }
          if (!has_type) d.error(p.second, "params." + name + ": missing 'type'");
          if (def) {
            std::string why;
            auto value = to_value(*def, spec.type, why);
            if (!value) d.error(*def, "params." + name + ".default: " + why);
            else spec.default_value = std::move(*value);
          }
          r.params[name] = std::move(spec);
        }
      } else if (key == "steps") {
        steps = v;
      } else if (key == "handlers") {
        handlers = v;
      } else {
        d.error(kv.first, "unknown top-level key '" + key + "' (known: recipe, description, params, steps, handlers)");
      }
    }
    if (r.id.empty() && !root["recipe"]) d.error(root, "missing 'recipe: <id>'");
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
            if (step->name.empty() || step->name.starts_with(std::string(op_name(step->op)) + " ")) step->name = h.first.Scalar();
            r.handlers.emplace_back(h.first.Scalar(), std::move(*step));
          }
        }
      }
    }
    // Cross references: notify names a handler; register names do not shadow parameters.
    for (size_t i = 0; i < r.steps.size(); ++i) {
      const auto& s = r.steps[i];
      for (const auto& n : s.notify) {
        bool found = std::any_of(r.handlers.begin(), r.handlers.end(), [&](const auto& h) { return h.first == n; });
        if (!found) {
          d.error_at(s.pos.line, s.pos.column, "notify: no handler named '" + n + "'");
        }
      }
      if (s.register_as && (r.params.count(*s.register_as) || *s.register_as == "facts")) {
        d.error_at(s.pos.line, s.pos.column, "register: '" + *s.register_as + "' is already a parameter name");
      }
    }
  } catch (const YAML::Exception& e) {
    d.error(e.mark, "YAML: " + e.msg);
  }
  if (!d.empty()) return Error(ErrorCode::kInvalidArgument, d.text());
  return r;
}

Result<Recipe> load_recipe_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, path + ": cannot read the recipe file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = std::filesystem::path(path).parent_path().string();
  return load_recipe_text(ss.str(), path, base.empty() ? "." : base);
}

Result<ValueMap> bind_params(const Recipe& recipe, const std::map<std::string, std::string>& vars) {
  ValueMap out;
  std::vector<std::string> problems;
  for (const auto& [name, text] : vars) {
    auto it = recipe.params.find(name);
    if (it == recipe.params.end()) {
      std::string known;
      for (const auto& [k, _] : recipe.params) known += (known.empty() ? "" : ", ") + k;
      problems.push_back("--var " + name + ": recipe '" + recipe.id + "' has no such parameter (it has: " +
                         (known.empty() ? "none" : known) + ")");
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
    if (!v) problems.push_back("--var " + name + "=" + text + ": " + why);
    else out[name] = std::move(*v);
  }
  for (const auto& [name, spec] : recipe.params) {
    if (out.count(name)) continue;
    if (spec.default_value) out[name] = *spec.default_value;
    else problems.push_back("parameter '" + name + "' (" + to_string(spec.type) + ") is required: give --var " + name + "=...");
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
    return Error(ErrorCode::kInvalidArgument, msg);
  }
  return out;
}

}  // namespace atelier::recipes
