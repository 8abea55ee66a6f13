// sysctl (persisted in a sysctl.d file, applied to the running kernel) and nft (a ruleset file
// loaded with nft -f; the listing right after our load is remembered to detect drift).
#include <algorithm>

#include "ansible-free-recipes/engine/diff.h"
#include "ansible-free-recipes/engine/ops/op_util.h"

namespace atelier::recipes::detail {

using transport::shell_quote;

OpResult apply_sysctl(const SysctlOp& op, OpEnv& env) {
  if (op.name.empty() || op.name.find_first_of(" /=") != std::string::npos)
    return failed("invalid sysctl name '" + op.name + "'");
  std::string dotted_re;
  for (char c : op.name) dotted_re += (c == '.') ? std::string("[./]") : std::string(1, c);
  LineOp persist;
  persist.path = op.file;
  persist.regex = "^\\s*" + dotted_re + "\\s*=";
  persist.line = op.name + " = " + op.value;
  persist.create = true;
  std::string diff, msg;
  auto file_result = apply_line(persist, env);
  if (file_result.status == StepStatus::kFailed) return file_result;
  if (file_result.status == StepStatus::kChanged) diff += file_result.diff;

  if (op.runtime && !in_chroot(env)) {
    std::string proc = "/proc/sys/" + op.name;
    std::replace(proc.begin() + 10, proc.end(), '.', '/');
    auto now = env.transport.get_file(proc);
    if (!now.ok()) return failed(now.error().context("read the running value"));
    auto norm = [](std::string s) {
      std::replace(s.begin(), s.end(), '\t', ' ');
      std::string out;
      for (char c : trim(s)) {
        if (c == ' ' && !out.empty() && out.back() == ' ') continue;
        out += c;
      }
      return out;
    };
    if (norm(*now) != norm(op.value)) {
      diff += op.name + ": " + norm(*now) + " -> " + norm(op.value) + " (running)\n";
      if (!env.dry_run) {
        auto s = must(env, "printf '%s\\n' " + shell_quote(op.value) + " > " + shell_quote(proc),
                      "set " + op.name);
        if (!s.ok()) return failed(s.error());
      }
    }
  } else if (op.runtime) {
    msg = "chroot: persisted only, applies at boot";
  }
  if (diff.empty()) return ok(msg);
  return changed(diff, env.dry_run ? "would change" : "changed");
}

OpResult apply_nft(const NftOp& op, OpEnv& env) {
  const std::string desired = op.content.value_or("");
  auto current = env.transport.get_file(op.path);
  if (!current.ok() && current.error().code() != ErrorCode::kNotFound)
    return failed(current.error());
  std::string file_now = current.ok() ? *current : "";
  bool file_same = current.ok() && file_now == desired;

  if (in_chroot(env)) {
    // nft in a chroot would act on the HOST's kernel ruleset: only the file is written.
    if (file_same) return ok("chroot: file in place, loaded at boot");
    if (!env.dry_run) {
      auto s = env.transport.put_file(op.path, desired, 0755, {});
      if (!s.ok()) return failed(s.error());
    }
    return changed(unified_diff(file_now, desired, op.path),
                   "chroot: file written, loaded at boot (not loaded now)");
  }

  std::string key = op.path;
  std::replace(key.begin(), key.end(), '/', '_');
  const std::string state_file = op.state_dir + "/" + key + ".loaded";
  auto listing = sh(env, "nft list ruleset");
  if (!listing.ok()) return failed(listing.error());
  if (listing->exit_code != 0) return failed("nft list ruleset failed: " + tail(*listing));
  auto remembered = env.transport.get_file(state_file);
  bool running_same = remembered.ok() && *remembered == listing->stdout_text;
  if (file_same && running_same) return ok();

  std::string diff = unified_diff(file_now, desired, op.path);
  if (!running_same)
    diff += "running ruleset differs from the one last loaded from " + op.path + "\n";
  if (env.dry_run) return changed(diff, "would load");
  const std::string tmp = op.path + ".atelier-new";
  auto s = env.transport.put_file(tmp, desired, 0755, {});
  if (!s.ok()) return failed(s.error());
  auto check = must(env, "nft -c -f " + shell_quote(tmp), "nft -c (syntax check)");
  if (!check.ok()) {
    (void)sh(env, "rm -f -- " + shell_quote(tmp));
    return failed(check.error());
  }
  auto load = must(env,
                   "nft -f " + shell_quote(tmp) + " && mv -f -- " + shell_quote(tmp) + " " +
                       shell_quote(op.path),
                   "nft -f");
  if (!load.ok()) return failed(load.error());
  auto after = sh(env, "nft list ruleset");
  if (!after.ok()) return failed(after.error());
  auto dir = must(env, "mkdir -p -- " + shell_quote(op.state_dir), "create " + op.state_dir);
  if (!dir.ok()) return failed(dir.error());
  auto save = env.transport.put_file(state_file, after->stdout_text, 0600, {});
  if (!save.ok()) return failed(save.error());
  return changed(diff, "loaded");
}

}  // namespace atelier::recipes::detail
