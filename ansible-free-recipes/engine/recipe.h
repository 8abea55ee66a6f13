// A recipe as typed structs: what the loader (loader.h) produces and the engine (engine.h) runs.
// Op arguments that are strings may hold {{templates}}; they are rendered per host at run time
// (facts are only known then) through each op's for_each_text(). Nothing here holds YAML.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ansible-free-recipes/engine/expr.h"
#include "ansible-free-recipes/engine/value.h"

namespace atelier::recipes {

enum class ParamType { kString, kInt, kBool, kList, kMap };
const char* to_string(ParamType t);

struct ParamSpec {
  ParamType type = ParamType::kString;
  std::optional<Value> default_value;  // none: the parameter is required
  std::string description;
};

// ---- ops: one struct per op, named after its YAML key -----------------------------------------

enum class PackageState { kPresent, kAbsent, kLatest };
struct PackageOp {
  std::vector<std::string> names;
  PackageState state = PackageState::kPresent;
  bool update_cache = false;  // apt-get update before installing, only when something is missing
  template <class F>
  void for_each_text(F&& f) {
    for (auto& n : names) f(n);
  }
};

enum class FileState { kFile, kDirectory, kAbsent };
struct FileOp {
  std::string path;
  std::optional<std::string> content;        // literal content (templated like any string)
  std::optional<std::string> template_file;  // absolute path on the controller, read at load
  std::optional<std::string> template_text;  // that file's text
  FileState state = FileState::kFile;
  std::optional<uint32_t> mode;
  std::optional<std::string> owner, group;
  template <class F>
  void for_each_text(F&& f) {
    f(path);
    if (content) f(*content);
    if (owner) f(*owner);
    if (group) f(*group);
  }
};

enum class PresenceState { kPresent, kAbsent };
struct LineOp {
  std::string path;
  std::optional<std::string> regex;  // ECMAScript regex matched against each line
  std::optional<std::string> line;   // required for present
  PresenceState state = PresenceState::kPresent;
  bool create = false;  // create the file (mode 0644) when missing
  template <class F>
  void for_each_text(F&& f) {
    f(path);
    if (regex) f(*regex);
    if (line) f(*line);
  }
};

enum class ServiceState { kStarted, kStopped, kRestarted, kReloaded };
struct ServiceOp {
  std::string name;
  std::optional<ServiceState> state;
  std::optional<bool> enabled;
  template <class F>
  void for_each_text(F&& f) {
    f(name);
  }
};

struct UserOp {
  std::string name;
  PresenceState state = PresenceState::kPresent;
  std::optional<int64_t> uid;
  std::optional<std::string> group;                // primary group
  std::optional<std::vector<std::string>> groups;  // supplementary groups, exactly these
  std::optional<std::string> shell, home, comment, password_hash;
  bool system = false;
  bool create_home = true;
  template <class F>
  void for_each_text(F&& f) {
    f(name);
    if (group) f(*group);
    if (groups)
      for (auto& g : *groups) f(g);
    if (shell) f(*shell);
    if (home) f(*home);
    if (comment) f(*comment);
    if (password_hash) f(*password_hash);
  }
};

struct GroupOp {
  std::string name;
  PresenceState state = PresenceState::kPresent;
  std::optional<int64_t> gid;
  bool system = false;
  template <class F>
  void for_each_text(F&& f) {
    f(name);
  }
};

struct CommandOp {
  std::string run;
  std::optional<std::string> creates;  // skip when this path exists
  std::optional<std::string> removes;  // skip when this path does not exist
  std::optional<std::string> unless;   // skip when this command exits 0 (runs in dry-run too)
  std::optional<std::string> only_if;  // skip when this command exits non-zero (idem)
  std::optional<std::string> chdir;
  std::chrono::seconds timeout{300};
  template <class F>
  void for_each_text(F&& f) {
    f(run);
    if (creates) f(*creates);
    if (removes) f(*removes);
    if (unless) f(*unless);
    if (only_if) f(*only_if);
    if (chdir) f(*chdir);
  }
};

struct SysctlOp {
  std::string name;                                    // net.ipv4.ip_forward
  std::string value;                                   // "1"
  std::string file = "/etc/sysctl.d/99-atelier.conf";  // persisted here
  bool runtime = true;  // also set the running kernel's value (not in a chroot)
  template <class F>
  void for_each_text(F&& f) {
    f(name);
    f(value);
    f(file);
  }
};

struct NftOp {
  std::string path = "/etc/nftables.conf";   // where the ruleset file lives on the target
  std::optional<std::string> content;        // the ruleset text (or:)
  std::optional<std::string> template_file;  // controller path, rendered
  std::optional<std::string> template_text;
  std::string state_dir = "/var/lib/atelier/nft";  // remembers what was loaded, to see drift
  template <class F>
  void for_each_text(F&& f) {
    f(path);
    if (content) f(*content);
  }
};

enum class SqlEngine { kPostgresql, kMysql };
struct SqlOp {
  SqlEngine engine = SqlEngine::kPostgresql;
  std::optional<std::string> database;
  std::vector<std::string> statements;
  std::optional<std::string> unless;   // a query: when it prints any row, nothing is run
  std::optional<std::string> os_user;  // run the client as (default: postgres / root)
  template <class F>
  void for_each_text(F&& f) {
    if (database) f(*database);
    for (auto& s : statements) f(s);
    if (unless) f(*unless);
    if (os_user) f(*os_user);
  }
};

enum class LdapTool { kLdapmodify, kLdbmodify };
struct LdapEntryOp {
  std::string dn;
  std::map<std::string, std::vector<std::string>>
      attributes;  // attributes to hold exactly these values
  PresenceState state = PresenceState::kPresent;
  LdapTool tool = LdapTool::kLdapmodify;
  std::string uri = "ldapi:///";  // ldapmodify: -H; ldbmodify: the .ldb path
  std::optional<std::string> bind_dn;
  std::optional<std::string> password_file;  // on the target; none: SASL EXTERNAL over ldapi
  template <class F>
  void for_each_text(F&& f) {
    f(dn);
    for (auto& [k, vs] : attributes)
      for (auto& v : vs) f(v);
    f(uri);
    if (bind_dn) f(*bind_dn);
    if (password_file) f(*password_file);
  }
};

using Op = std::variant<PackageOp, FileOp, LineOp, ServiceOp, UserOp, GroupOp, CommandOp, SysctlOp,
                        NftOp, SqlOp, LdapEntryOp>;

// The YAML key of an op ("package", "file", ...).
const char* op_name(const Op& op);
// Every op key, in documentation order.
const std::vector<std::string>& op_names();

struct SourcePos {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
};

struct Step {
  std::string name;  // given, or "<op> <main argument>"
  Op op;
  std::optional<Expr> when;
  std::vector<std::string> notify;         // handler names, checked at load
  std::optional<std::string> register_as;  // name under which {changed, rc, stdout, stderr} is kept
  SourcePos pos;
};

struct Recipe {
  std::string id;
  std::string description;
  std::map<std::string, ParamSpec> params;
  std::vector<Step> steps;
  std::vector<std::pair<std::string, Step>> handlers;  // in file order; run in this order
  std::string source_file;
};

}  // namespace atelier::recipes
