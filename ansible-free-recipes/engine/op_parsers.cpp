// Each op's arguments -> its typed struct (recipe.h), with file:line:col errors for unknown,
// missing or ill-typed arguments. yaml-cpp exceptions are caught by the caller (loader.cpp).
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ansible-free-recipes/engine/loader.h"
#include "ansible-free-recipes/engine/loader_detail.h"
#include "ansible-free-recipes/engine/mustache.h"
#include "common/files/beneath.h"
#include "common/text/regex.h"

namespace atelier::recipes::loader_detail {

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "nothing";
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

namespace {

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
  std::optional<E> choice(const std::string& key,
                          const std::vector<std::pair<const char*, E>>& options) {
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
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("01234567") != std::string::npos ||
        std::stoul(digits, nullptr, 8) > 07777) {
      d_.error(nodes_.back(),
               op_ + "." + key + ": '" + *s + "' is not an octal mode like \"0644\" (quote it)");
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

const std::vector<std::pair<const char*, PresenceState>> kPresence = {
    {"present", PresenceState::kPresent}, {"absent", PresenceState::kAbsent}};

std::optional<std::string> read_template(Args& a, Diag& d, const SourceDir& base_dir,
                                         const YAML::Node& at,
                                         std::optional<std::string>& resolved) {
  auto rel = a.str("template");
  if (!rel) return std::nullopt;
  std::filesystem::path p = base_dir.dir / *rel;
  std::string shown = (base_dir.root / p).string();
  // Never through a symlink or '..' out of the recipes folder: atelierd writes templates onto
  // candidates' machines as root.
  auto text =
      std::filesystem::path(*rel).is_absolute()
          ? Result<std::string>(Error(ErrorCode::kPermissionDenied,
                                      "is an absolute path; give one relative to the "
                                      "recipe's folder, inside the recipes folder"))
          : files::read_file_beneath(base_dir.root, p, kMaxRecipeFileBytes, "recipes folder");
  if (!text.ok()) {
    d.error(at, "template file " + shown + " " + text.error().message());
    return std::nullopt;
  }
  auto t = Template::parse(*text);
  if (!t.ok()) {
    d.error(at, "template " + shown + ": " + t.error().message());
    return std::nullopt;
  }
  resolved = shown;
  return std::move(text).value();
}

Op parse_package_op(Args& a, Diag& /*d*/, const YAML::Node& /*node*/,
                    const SourceDir& /*base_dir*/) {
  PackageOp op;
  op.names = a.list("names", true).value_or(std::vector<std::string>{});
  op.state = a.choice<PackageState>("state", {{"present", PackageState::kPresent},
                                              {"absent", PackageState::kAbsent},
                                              {"latest", PackageState::kLatest}})
                 .value_or(PackageState::kPresent);
  op.update_cache = a.boolean("update_cache").value_or(false);
  return op;
}

Op parse_file_op(Args& a, Diag& d, const YAML::Node& node, const SourceDir& base_dir) {
  FileOp op;
  op.path = a.str("path", true).value_or("");
  op.content = a.str("content");
  op.template_text = read_template(a, d, base_dir, node, op.template_file);
  op.state = a.choice<FileState>("state", {{"file", FileState::kFile},
                                           {"directory", FileState::kDirectory},
                                           {"absent", FileState::kAbsent}})
                 .value_or(FileState::kFile);
  op.mode = a.mode("mode");
  op.owner = a.str("owner");
  op.group = a.str("group");
  if (op.content && op.template_file) d.error(node, "file: give content or template, not both");
  if (op.state != FileState::kFile && (op.content || op.template_file)) {
    d.error(node, "file: content and template only go with state: file");
  }
  return op;
}

Op parse_line_op(Args& a, Diag& d, const YAML::Node& node, const SourceDir& /*base_dir*/) {
  LineOp op;
  op.path = a.str("path", true).value_or("");
  op.regex = a.str("regex");
  op.line = a.str("line");
  op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
  op.create = a.boolean("create").value_or(false);
  if (op.state == PresenceState::kPresent && !op.line)
    d.error(node, "line: state present needs 'line'");
  if (op.state == PresenceState::kAbsent && !op.line && !op.regex)
    d.error(node, "line: state absent needs 'regex' or 'line'");
  if (op.regex && op.regex->find("{{") == std::string::npos) {
    if (auto check = text::Regex::compile(*op.regex); !check) {
      d.error(node, "line: regex '" + *op.regex + "' is invalid: " + check.error().message());
    }
  }
  return op;
}

Op parse_service_op(Args& a, Diag& d, const YAML::Node& node, const SourceDir& /*base_dir*/) {
  ServiceOp op;
  op.name = a.str("name", true).value_or("");
  op.state = a.choice<ServiceState>("state", {{"started", ServiceState::kStarted},
                                              {"stopped", ServiceState::kStopped},
                                              {"restarted", ServiceState::kRestarted},
                                              {"reloaded", ServiceState::kReloaded}});
  op.enabled = a.boolean("enabled");
  if (!op.state && !op.enabled) d.error(node, "service: give state, enabled, or both");
  return op;
}

Op parse_user_op(Args& a, Diag& /*d*/, const YAML::Node& /*node*/, const SourceDir& /*base_dir*/) {
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
  return op;
}

Op parse_group_op(Args& a, Diag& /*d*/, const YAML::Node& /*node*/, const SourceDir& /*base_dir*/) {
  GroupOp op;
  op.name = a.str("name", true).value_or("");
  op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
  op.gid = a.integer("gid");
  op.system = a.boolean("system").value_or(false);
  return op;
}

Op parse_command_op(Args& a, Diag& d, const YAML::Node& node, const SourceDir& /*base_dir*/) {
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
  return op;
}

Op parse_sysctl_op(Args& a, Diag& /*d*/, const YAML::Node& /*node*/,
                   const SourceDir& /*base_dir*/) {
  SysctlOp op;
  op.name = a.str("name", true).value_or("");
  op.value = a.str("value", true).value_or("");
  if (auto f = a.str("file")) op.file = *f;
  op.runtime = a.boolean("runtime").value_or(true);
  return op;
}

Op parse_nft_op(Args& a, Diag& d, const YAML::Node& node, const SourceDir& base_dir) {
  NftOp op;
  if (auto p = a.str("path")) op.path = *p;
  op.content = a.str("content");
  op.template_text = read_template(a, d, base_dir, node, op.template_file);
  if (auto s = a.str("state_dir")) op.state_dir = *s;
  if (op.content.has_value() == op.template_file.has_value())
    d.error(node, "nft: give exactly one of content or template");
  return op;
}

Op parse_sql_op(Args& a, Diag& /*d*/, const YAML::Node& /*node*/, const SourceDir& /*base_dir*/) {
  SqlOp op;
  op.engine = a.choice<SqlEngine>("engine", {{"postgresql", SqlEngine::kPostgresql},
                                             {"mysql", SqlEngine::kMysql},
                                             {"mariadb", SqlEngine::kMysql}})
                  .value_or(SqlEngine::kPostgresql);
  op.database = a.str("database");
  op.statements = a.list("statements", true).value_or(std::vector<std::string>{});
  op.unless = a.str("unless");
  op.os_user = a.str("os_user");
  return op;
}

Op parse_ldap_entry_op(Args& a, Diag& d, const YAML::Node& node, const SourceDir& /*base_dir*/) {
  LdapEntryOp op;
  op.dn = a.str("dn", true).value_or("");
  op.state = a.choice<PresenceState>("state", kPresence).value_or(PresenceState::kPresent);
  op.tool = a.choice<LdapTool>("tool", {{"ldapmodify", LdapTool::kLdapmodify},
                                        {"ldbmodify", LdapTool::kLdbmodify}})
                .value_or(LdapTool::kLdapmodify);
  if (auto u = a.str("uri"))
    op.uri = *u;
  else if (op.tool == LdapTool::kLdbmodify)
    op.uri = "/var/lib/samba/private/sam.ldb";
  op.bind_dn = a.str("bind_dn");
  op.password_file = a.str("password_file");
  if (const auto* attrs = a.find("attributes", false)) {
    if (!attrs->IsMap()) {
      d.error(*attrs, "ldap_entry.attributes: expected a map attribute: value or [values]");
    } else {
      for (const auto& kv : *attrs) {
        auto& values = op.attributes[kv.first.Scalar()];
        if (kv.second.IsScalar())
          values.push_back(kv.second.Scalar());
        else if (kv.second.IsSequence()) {
          for (const auto& v : kv.second) values.push_back(v.IsScalar() ? v.Scalar() : "");
        } else {
          d.error(kv.second, "ldap_entry.attributes." + kv.first.Scalar() +
                                 ": expected a value or a list of values");
        }
      }
    }
  }
  if (op.state == PresenceState::kPresent && op.attributes.empty())
    d.error(node, "ldap_entry: state present needs attributes");
  return op;
}

// The parser of each op named in op_names().
using OpParser = Op (*)(Args&, Diag&, const YAML::Node&, const SourceDir&);
const std::map<std::string, OpParser>& op_parsers() {
  static const std::map<std::string, OpParser> kParsers = {
      {"package", parse_package_op},
      {"file", parse_file_op},
      {"line", parse_line_op},
      {"service", parse_service_op},
      {"user", parse_user_op},
      {"group", parse_group_op},
      {"command", parse_command_op},
      {"sysctl", parse_sysctl_op},
      {"nft", parse_nft_op},
      {"sql", parse_sql_op},
      {"ldap_entry", parse_ldap_entry_op},
  };
  return kParsers;
}

}  // namespace

std::optional<Op> parse_op(const std::string& key, const YAML::Node& node, Diag& d,
                           const SourceDir& base_dir) {
  Args a(node, d, key);
  if (!a.ok()) return std::nullopt;
  std::optional<Op> out;
  if (auto it = op_parsers().find(key); it != op_parsers().end())
    out = it->second(a, d, node, base_dir);
  a.finish();
  // Template syntax of every text argument is checked now, not on the first host.
  if (out) {
    std::visit(
        [&](auto& op) {
          op.for_each_text([&](std::string& text) {
            if (text.find("{{") == std::string::npos) return;
            auto t = Template::parse(text);
            if (!t.ok())
              d.error(node, key + ": template in '" + text + "': " + t.error().message());
          });
        },
        *out);
  }
  return out;
}

}  // namespace atelier::recipes::loader_detail
