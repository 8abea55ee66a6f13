// user and group ops: facts from the target's /etc/passwd, /etc/group, /etc/shadow; changes
// through useradd/usermod/userdel and groupadd/groupmod/groupdel (shadow's tools).
#include <algorithm>
#include <set>
#include <sstream>

#include "ansible-free-recipes/engine/ops/op_util.h"

namespace atelier::recipes::detail {

using transport::shell_quote;

namespace {

Result<std::string> read_or_empty(OpEnv& env, const std::string& path) {
  auto r = env.transport.get_file(path);
  if (!r.ok() && r.error().code() == ErrorCode::kNotFound) return std::string();
  return r;
}

std::optional<std::string> shadow_hash(const std::string& shadow, const std::string& user) {
  std::istringstream in(shadow);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(user + ":")) {
      auto rest = line.substr(user.size() + 1);
      return rest.substr(0, rest.find(':'));
    }
  }
  return std::nullopt;
}

// useradd's command line: every attribute the op gives, set at creation.
std::string useradd_command(const UserOp& op) {
  std::string cmd = "useradd";
  if (op.uid) cmd += " -u " + std::to_string(*op.uid);
  if (op.group) cmd += " -g " + shell_quote(*op.group);
  if (op.groups && !op.groups->empty()) {
    std::string list;
    for (const auto& g : *op.groups) list += (list.empty() ? "" : ",") + g;
    cmd += " -G " + shell_quote(list);
  }
  if (op.shell) cmd += " -s " + shell_quote(*op.shell);
  if (op.home) cmd += " -d " + shell_quote(*op.home);
  if (op.comment) cmd += " -c " + shell_quote(*op.comment);
  if (op.password_hash) cmd += " -p " + shell_quote(*op.password_hash);
  if (op.system) cmd += " -r";
  cmd += op.create_home ? " -m" : " -M";
  return cmd + " " + shell_quote(op.name);
}

// The supplementary groups asked (op.groups) against /etc/group's: the change, if any, goes to
// diff (for people) and args (for usermod).
void diff_supplementary_groups(const UserOp& op, const std::vector<GroupEntry>& groups,
                               std::string& diff, std::string& args) {
  std::set<std::string> want(op.groups->begin(), op.groups->end()), have;
  for (const auto& g : groups) {
    if (std::find(g.members.begin(), g.members.end(), op.name) != g.members.end())
      have.insert(g.name);
  }
  if (want == have) return;
  std::string h, w;
  for (const auto& x : have) h += (h.empty() ? "" : ",") + x;
  for (const auto& x : want) w += (w.empty() ? "" : ",") + x;
  diff += "groups: " + h + " -> " + w + "\n";
  args += " -G " + shell_quote(w);
}

}  // namespace

OpResult apply_group(const GroupOp& op, OpEnv& env) {
  auto text = read_or_empty(env, "/etc/group");
  if (!text.ok()) return failed(text.error());
  auto groups = parse_group(*text);
  auto it =
      std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.name == op.name; });
  if (op.state == PresenceState::kAbsent) {
    if (it == groups.end()) return ok("absent");
    if (!env.dry_run) {
      auto s = must(env, "groupdel " + shell_quote(op.name), "groupdel " + op.name);
      if (!s.ok()) return failed(s.error());
    }
    return changed("- group " + op.name + "\n", env.dry_run ? "would remove" : "removed");
  }
  if (it == groups.end()) {
    std::string cmd = "groupadd";
    if (op.gid) cmd += " -g " + std::to_string(*op.gid);
    if (op.system) cmd += " -r";
    cmd += " " + shell_quote(op.name);
    if (!env.dry_run) {
      auto s = must(env, cmd, "groupadd " + op.name);
      if (!s.ok()) return failed(s.error());
    }
    return changed(
        "+ group " + op.name + (op.gid ? " (gid " + std::to_string(*op.gid) + ")" : "") + "\n",
        env.dry_run ? "would create" : "created");
  }
  if (op.gid && it->gid != *op.gid) {
    if (!env.dry_run) {
      auto s = must(env, "groupmod -g " + std::to_string(*op.gid) + " " + shell_quote(op.name),
                    "groupmod " + op.name);
      if (!s.ok()) return failed(s.error());
    }
    return changed("gid: " + std::to_string(it->gid) + " -> " + std::to_string(*op.gid) + "\n",
                   env.dry_run ? "would change" : "changed");
  }
  return ok();
}

OpResult apply_user(const UserOp& op, OpEnv& env) {
  auto passwd_text = read_or_empty(env, "/etc/passwd");
  if (!passwd_text.ok()) return failed(passwd_text.error());
  auto group_text = read_or_empty(env, "/etc/group");
  if (!group_text.ok()) return failed(group_text.error());
  auto users = parse_passwd(*passwd_text);
  auto groups = parse_group(*group_text);
  auto it =
      std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.name == op.name; });

  if (op.state == PresenceState::kAbsent) {
    if (it == users.end()) return ok("absent");
    if (!env.dry_run) {
      auto s = must(env, "userdel " + shell_quote(op.name), "userdel " + op.name);
      if (!s.ok()) return failed(s.error());
    }
    return changed("- user " + op.name + "\n", env.dry_run ? "would remove" : "removed");
  }

  if (it == users.end()) {
    if (!env.dry_run) {
      auto s = must(env, useradd_command(op), "useradd " + op.name);
      if (!s.ok()) return failed(s.error());
    }
    return changed("+ user " + op.name + "\n", env.dry_run ? "would create" : "created");
  }

  // Compare what was asked with what is there; usermod only the differences.
  std::string diff, args;
  if (op.uid && it->uid != *op.uid) {
    diff += "uid: " + std::to_string(it->uid) + " -> " + std::to_string(*op.uid) + "\n";
    args += " -u " + std::to_string(*op.uid);
  }
  if (op.group) {
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& e) {
      return e.name == *op.group || std::to_string(e.gid) == *op.group;
    });
    if (g == groups.end()) {
      if (!env.dry_run) return failed("primary group '" + *op.group + "' does not exist");
      diff += "group: -> " + *op.group + "\n";
    } else if (g->gid != it->gid) {
      diff += "group: " + std::to_string(it->gid) + " -> " + g->name + "\n";
      args += " -g " + shell_quote(*op.group);
    }
  }
  if (op.groups) diff_supplementary_groups(op, groups, diff, args);
  if (op.shell && it->shell != *op.shell) {
    diff += "shell: " + it->shell + " -> " + *op.shell + "\n";
    args += " -s " + shell_quote(*op.shell);
  }
  if (op.home && it->home != *op.home) {
    diff += "home: " + it->home + " -> " + *op.home + "\n";
    args += " -d " + shell_quote(*op.home);
  }
  if (op.comment && it->comment != *op.comment) {
    diff += "comment: " + it->comment + " -> " + *op.comment + "\n";
    args += " -c " + shell_quote(*op.comment);
  }
  if (op.password_hash) {
    auto shadow = read_or_empty(env, "/etc/shadow");
    if (!shadow.ok()) return failed(shadow.error().context("read /etc/shadow (needs root)"));
    if (shadow_hash(*shadow, op.name).value_or("") != *op.password_hash) {
      diff += "password: changed\n";
      args += " -p " + shell_quote(*op.password_hash);
    }
  }
  if (diff.empty()) return ok();
  if (!env.dry_run && !args.empty()) {
    auto s = must(env, "usermod" + args + " " + shell_quote(op.name), "usermod " + op.name);
    if (!s.ok()) return failed(s.error());
  }
  return changed(diff, env.dry_run ? "would change" : "changed");
}

}  // namespace atelier::recipes::detail
