// package (apt/dpkg), service (systemctl), command (with creates/removes/unless/only_if guards).
#include <algorithm>
#include <sstream>

#include "ansible-free-recipes/engine/ops/op_util.h"

namespace atelier::recipes {

using transport::shell_quote;

std::map<std::string, DpkgState> parse_dpkg_query(const std::string& out) {
  std::map<std::string, DpkgState> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto t1 = line.find('\t');
    if (t1 == std::string::npos) continue;
    auto t2 = line.find('\t', t1 + 1);
    std::string name = line.substr(0, t1);
    auto colon = name.find(':');  // libfoo:amd64 -> libfoo
    if (colon != std::string::npos) name = name.substr(0, colon);
    DpkgState s;
    s.abbrev = line.substr(t1 + 1, t2 == std::string::npos ? std::string::npos : t2 - t1 - 1);
    if (t2 != std::string::npos) s.version = line.substr(t2 + 1);
    m[name] = s;
  }
  return m;
}

std::map<std::string, std::pair<std::string, std::string>> parse_apt_policy(
    const std::string& out) {
  std::map<std::string, std::pair<std::string, std::string>> m;
  std::istringstream in(out);
  std::string line, current;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line.back() == ':') {
      current = line.substr(0, line.size() - 1);
      m[current] = {"(none)", "(none)"};
    } else if (!current.empty()) {
      auto t = detail::trim(line);
      if (t.starts_with("Installed: ")) m[current].first = t.substr(11);
      if (t.starts_with("Candidate: ")) m[current].second = t.substr(11);
    }
  }
  return m;
}

namespace detail {

OpResult apply_package(const PackageOp& op, OpEnv& env) {
  std::string names;
  for (const auto& n : op.names) names += " " + shell_quote(n);
  auto q = sh(env, "dpkg-query -W -f='${Package}\\t${db:Status-Abbrev}\\t${Version}\\n'" + names +
                       " 2>/dev/null");
  if (!q.ok()) return failed(q.error());
  auto state = parse_dpkg_query(q->stdout_text);
  std::vector<std::string> todo;
  if (op.state == PackageState::kAbsent) {
    for (const auto& n : op.names) {
      if (state.count(n) && state[n].present_at_all()) todo.push_back(n);
    }
  } else {
    for (const auto& n : op.names) {
      if (!state.count(n) || !state[n].installed()) todo.push_back(n);
    }
    if (op.state == PackageState::kLatest) {
      auto p = sh(env, "apt-cache policy" + names);
      if (!p.ok()) return failed(p.error());
      for (const auto& [n, v] : parse_apt_policy(p->stdout_text)) {
        if (v.first != v.second && std::find(todo.begin(), todo.end(), n) == todo.end())
          todo.push_back(n);
      }
    }
  }
  if (todo.empty()) return ok();
  std::string diff, list;
  for (const auto& n : todo) {
    diff += (op.state == PackageState::kAbsent ? "- " : "+ ") + n + "\n";
    list += " " + shell_quote(n);
  }
  if (env.dry_run)
    return changed(diff, op.state == PackageState::kAbsent ? "would remove" : "would install");
  const std::string apt =
      "DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o "
      "Dpkg::Options::=--force-confold ";
  if (op.state == PackageState::kAbsent) {
    auto s = must(env, apt + "remove" + list, "apt-get remove");
    if (!s.ok()) return failed(s.error());
    return changed(diff, "removed");
  }
  if (op.update_cache) {
    auto s = must(env, "apt-get update -q", "apt-get update");
    if (!s.ok()) return failed(s.error());
  }
  auto s = must(env, apt + "install --no-install-recommends" + list, "apt-get install");
  if (!s.ok()) return failed(s.error());
  return changed(diff, "installed");
}

OpResult apply_service(const ServiceOp& op, OpEnv& env) {
  auto init = env.facts.count("init") ? env.facts.at("init").to_text() : "";
  bool offline = in_chroot(env);
  if (init != "systemd" && !offline && op.state) {
    return failed("the target does not run systemd (facts.init is '" + init +
                  "'): service state cannot be managed; guard the step with when: \"facts.init == "
                  "'systemd'\"");
  }
  const std::string unit = shell_quote(op.name);
  std::string diff, done;
  if (op.enabled) {
    auto e = sh(env, "systemctl is-enabled " + unit + " 2>&1");
    if (!e.ok()) return failed(e.error());
    std::string now = trim(e->stdout_text);
    if (now.find("No such file") != std::string::npos ||
        now.find("not found") != std::string::npos || now.empty()) {
      return failed("no unit '" + op.name + "' on the target (" + now + ")");
    }
    bool is_enabled = now == "enabled" || now == "static" || now == "alias" || now == "indirect" ||
                      now == "generated";
    if (*op.enabled != is_enabled && !(now == "static" || now == "generated")) {
      diff += "enabled: " + now + " -> " + (*op.enabled ? "enabled" : "disabled") + "\n";
      if (!env.dry_run) {
        // Only the unit's symlinks: no daemon-reload (a unit not yet loaded is read from disk
        // when started; systemd 252 retries a unit it found missing), and no SysV links through
        // update-rc.d (a unit SysV-only is "generated" and never reaches here). Both together
        // took 12 s of 12.3 s per enable on a TCG guest.
        auto s = must(env,
                      std::string("SYSTEMCTL_SKIP_SYSV=1 systemctl --no-reload ") +
                          (*op.enabled ? "enable " : "disable ") + unit + " 2>&1",
                      "systemctl enable/disable");
        if (!s.ok()) return failed(s.error());
      }
    }
  }
  if (op.state && offline) {
    done = "not a running system (chroot): state applies at boot";
  } else if (op.state) {
    auto a = sh(env, "systemctl is-active " + unit);
    if (!a.ok()) return failed(a.error());
    std::string now = trim(a->stdout_text);
    bool running = now == "active" || now == "activating" || now == "reloading";
    std::string verb;
    switch (*op.state) {
      case ServiceState::kStarted:
        if (!running) verb = "start";
        break;
      case ServiceState::kStopped:
        if (running) verb = "stop";
        break;
      case ServiceState::kRestarted:
        verb = "restart";
        break;
      case ServiceState::kReloaded:
        verb = running ? "reload" : "start";
        break;
    }
    if (!verb.empty()) {
      diff += "state: " + now + " -> " + verb + "\n";
      if (!env.dry_run) {
        auto s = must(env, "systemctl " + verb + " " + unit, "systemctl " + verb + " " + op.name);
        if (!s.ok()) {
          auto journal = sh(env, "systemctl status --no-pager -n 5 " + unit + " 2>&1 | tail -n 5");
          return failed(s.error().to_string() +
                        (journal.ok() ? " — " + trim(journal->stdout_text) : ""));
        }
      }
    }
  }
  if (diff.empty()) return ok(done);
  return changed(diff, env.dry_run ? "would change" : "changed");
}

OpResult apply_command(const CommandOp& op, OpEnv& env) {
  if (op.creates) {
    auto st = env.transport.stat(*op.creates);
    if (st.ok()) return ok("creates: " + *op.creates + " exists");
    if (st.error().code() != ErrorCode::kNotFound) return failed(st.error());
  }
  if (op.removes) {
    auto st = env.transport.stat(*op.removes);
    if (!st.ok() && st.error().code() == ErrorCode::kNotFound)
      return ok("removes: " + *op.removes + " is absent");
    if (!st.ok()) return failed(st.error());
  }
  const std::string cd = op.chdir ? "cd " + shell_quote(*op.chdir) + " && " : "";
  // Guards only look; they run in dry-run too so that dry-run predicts the real run.
  if (op.unless) {
    auto r = sh(env, cd + *op.unless, op.timeout);
    if (!r.ok()) return failed(r.error().context("unless"));
    if (r->exit_code == 0) return ok("unless: guard holds");
  }
  if (op.only_if) {
    auto r = sh(env, cd + *op.only_if, op.timeout);
    if (!r.ok()) return failed(r.error().context("only_if"));
    if (r->exit_code != 0) return ok("only_if: guard does not hold");
  }
  if (env.dry_run) return changed("$ " + op.run + "\n", "would run");
  auto r = sh(env, cd + op.run, op.timeout);
  if (!r.ok()) return failed(r.error());
  OpResult out;
  out.output = *r;
  out.diff = "$ " + op.run + "\n";
  if (r->exit_code != 0) {
    out.status = StepStatus::kFailed;
    out.message = "exit " + std::to_string(r->exit_code) + ": " + tail(*r);
  } else {
    out.status = StepStatus::kChanged;
    out.message = "ran";
  }
  return out;
}

}  // namespace detail
}  // namespace atelier::recipes
