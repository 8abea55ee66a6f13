// Shared op helpers and the dispatch from Op to its implementation.
#include "ansible-free-recipes/engine/ops/op_util.h"

#include <sstream>

namespace atelier::recipes {

const char* to_string(StepStatus s) {
  switch (s) {
    case StepStatus::kOk:
      return "ok";
    case StepStatus::kChanged:
      return "changed";
    case StepStatus::kFailed:
      return "failed";
    case StepStatus::kSkipped:
      return "skipped";
  }
  return "?";
}

OpResult apply_op(const Op& op, OpEnv& env) {
  using namespace detail;
  return std::visit(
      [&](const auto& o) -> OpResult {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, PackageOp>)
          return apply_package(o, env);
        else if constexpr (std::is_same_v<T, FileOp>)
          return apply_file(o, env);
        else if constexpr (std::is_same_v<T, LineOp>)
          return apply_line(o, env);
        else if constexpr (std::is_same_v<T, ServiceOp>)
          return apply_service(o, env);
        else if constexpr (std::is_same_v<T, UserOp>)
          return apply_user(o, env);
        else if constexpr (std::is_same_v<T, GroupOp>)
          return apply_group(o, env);
        else if constexpr (std::is_same_v<T, CommandOp>)
          return apply_command(o, env);
        else if constexpr (std::is_same_v<T, SysctlOp>)
          return apply_sysctl(o, env);
        else if constexpr (std::is_same_v<T, NftOp>)
          return apply_nft(o, env);
        else if constexpr (std::is_same_v<T, SqlOp>)
          return apply_sql(o, env);
        else
          return apply_ldap_entry(o, env);
      },
      op);
}

std::vector<PasswdEntry> parse_passwd(const std::string& text) {
  std::vector<PasswdEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string field;
    std::istringstream ls(line);
    while (std::getline(ls, field, ':')) f.push_back(field);
    if (line.ends_with(":")) f.push_back("");
    if (f.size() < 7) continue;
    try {
      out.push_back({f[0], std::stoll(f[2]), std::stoll(f[3]), f[4], f[5], f[6]});
    } catch (...) {
    }
  }
  return out;
}

std::vector<GroupEntry> parse_group(const std::string& text) {
  std::vector<GroupEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(':');
    if (c1 == std::string::npos) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    auto c3 = line.find(':', c2 + 1);
    if (c3 == std::string::npos) continue;
    GroupEntry g;
    g.name = line.substr(0, c1);
    try {
      g.gid = std::stoll(line.substr(c2 + 1, c3 - c2 - 1));
    } catch (...) {
      continue;
    }
    std::istringstream ms(line.substr(c3 + 1));
    std::string m;
    while (std::getline(ms, m, ',')) {
      if (!m.empty()) g.members.push_back(m);
    }
    out.push_back(std::move(g));
  }
  return out;
}

namespace detail {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string tail(const transport::ExecResult& r, size_t n) {
  const std::string& text = trim(r.stderr_text).empty() ? r.stdout_text : r.stderr_text;
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (!trim(l).empty()) lines.push_back(trim(l));
  }
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out.empty() ? "exit code " + std::to_string(r.exit_code) : out;
}

Result<transport::ExecResult> sh(OpEnv& env, const std::string& cmd, std::chrono::seconds timeout) {
  return env.transport.exec(cmd, timeout);
}

Status must(OpEnv& env, const std::string& cmd, const std::string& what,
            std::chrono::seconds timeout) {
  auto r = env.transport.exec(cmd, timeout);
  if (!r.ok()) return std::move(r).error().context(what);
  if (r->exit_code != 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 what + " failed (exit " + std::to_string(r->exit_code) + "): " + tail(*r));
  }
  return ok_status();
}

namespace {
bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}
}  // namespace

Result<uint32_t> resolve_uid(OpEnv& env, const std::string& name) {
  if (all_digits(name)) return static_cast<uint32_t>(std::stoul(name));
  auto text = env.transport.get_file("/etc/passwd");
  if (!text.ok()) return std::move(text).error().context("look up user " + name);
  for (const auto& e : parse_passwd(*text)) {
    if (e.name == name) return static_cast<uint32_t>(e.uid);
  }
  return Error(ErrorCode::kNotFound, "no user '" + name + "' in the target's /etc/passwd");
}

Result<uint32_t> resolve_gid(OpEnv& env, const std::string& name) {
  if (all_digits(name)) return static_cast<uint32_t>(std::stoul(name));
  auto text = env.transport.get_file("/etc/group");
  if (!text.ok()) return std::move(text).error().context("look up group " + name);
  for (const auto& e : parse_group(*text)) {
    if (e.name == name) return static_cast<uint32_t>(e.gid);
  }
  return Error(ErrorCode::kNotFound, "no group '" + name + "' in the target's /etc/group");
}

std::string mode_text(uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", mode & 07777);
  return buf;
}

bool in_chroot(const OpEnv& env) {
  return env.transport.kind() == transport::TransportKind::kChroot;
}

}  // namespace detail
}  // namespace atelier::recipes
