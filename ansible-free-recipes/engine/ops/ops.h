// The ops: each gathers the facts it needs through the Transport, decides, and acts only when
// something differs (never in dry-run). apply_op() dispatches on the Op variant. The pure parts
// (line editing, dpkg/passwd/LDIF parsing, LDIF planning) are declared here for table tests.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ansible-free-recipes/engine/recipe.h"
#include "ansible-free-recipes/transport/transport.h"

namespace atelier::recipes {

enum class StepStatus { kOk, kChanged, kFailed, kSkipped };
const char* to_string(StepStatus s);

struct OpResult {
  StepStatus status = StepStatus::kOk;
  std::string diff;                             // what changed, or would change in dry-run
  std::string message;                          // one line: why ok, what was done, or why it failed
  std::optional<transport::ExecResult> output;  // command/sql output, for register:
};

struct OpEnv {
  transport::Transport& transport;
  bool dry_run = false;
  const ValueMap& facts;  // facts.init, facts.os, ... (see facts.h)
};

// Runs one op whose texts are already rendered (FileOp/NftOp content already holds the rendered
// template). Never throws; every problem is a kFailed result with a message.
OpResult apply_op(const Op& op, OpEnv& env);

// ---- pure helpers (tested on constructed input) ----------------------------------------------

// The new content of a file after a line op; `changed` false when it already holds. When the file
// is missing, pass std::nullopt: present+create starts from "", absent is a no-op, present
// without create is an error.
struct LineEdit {
  std::string content;
  bool changed = false;
};
Result<LineEdit> edit_lines(const std::optional<std::string>& content, const LineOp& op);

// dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n' output -> name -> {abbrev,
// version}.
struct DpkgState {
  std::string abbrev;  // "ii ", "rc ", "un "
  std::string version;
  bool installed() const { return abbrev.size() >= 2 && abbrev[0] == 'i' && abbrev[1] == 'i'; }
  bool present_at_all() const { return abbrev.size() >= 2 && abbrev[1] != 'n' && abbrev[1] != 'c'; }
};
std::map<std::string, DpkgState> parse_dpkg_query(const std::string& out);
// apt-cache policy output -> name -> {installed, candidate} ("(none)" when not installed).
std::map<std::string, std::pair<std::string, std::string>> parse_apt_policy(const std::string& out);

struct PasswdEntry {
  std::string name;
  int64_t uid = 0, gid = 0;
  std::string comment, home, shell;
};
struct GroupEntry {
  std::string name;
  int64_t gid = 0;
  std::vector<std::string> members;
};
std::vector<PasswdEntry> parse_passwd(const std::string& text);
std::vector<GroupEntry> parse_group(const std::string& text);

// One LDAP entry as ldapsearch -LLL prints it: attribute (lower-cased) -> values.
// Empty map when the text holds no entry. Folded lines and base64 (attr:: ...) are understood.
std::map<std::string, std::vector<std::string>> parse_ldif_entry(const std::string& text);
// The LDIF that makes `current` (nullopt: entry missing) match the desired op; "" when nothing to
// do.
std::string plan_ldif(const std::optional<std::map<std::string, std::vector<std::string>>>& current,
                      const LdapEntryOp& op);

}  // namespace atelier::recipes
