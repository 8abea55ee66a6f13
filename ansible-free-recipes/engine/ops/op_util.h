// Helpers the op implementations share: result constructors, running a command with the
// default deadline, reading the target's accounts. Internal to the engine.
#pragma once

#include <string>

#include "ansible-free-recipes/engine/ops/ops.h"

namespace atelier::recipes::detail {

inline constexpr std::chrono::seconds kFactTimeout{60};     // commands that only look
inline constexpr std::chrono::seconds kChangeTimeout{900};  // commands that act (apt-get...)

inline OpResult ok(std::string msg = "") {
  return {StepStatus::kOk, "", std::move(msg), std::nullopt};
}
inline OpResult changed(std::string diff, std::string msg) {
  return {StepStatus::kChanged, std::move(diff), std::move(msg), std::nullopt};
}
inline OpResult failed(std::string msg) {
  return {StepStatus::kFailed, "", std::move(msg), std::nullopt};
}
inline OpResult failed(const Error& e) {
  return failed(e.to_string());
}

// Last `n` non-empty lines of a command's stderr (or stdout), for failure messages.
std::string tail(const transport::ExecResult& r, size_t n = 3);
// Runs `cmd`; a transport error becomes an Error, a non-zero exit does not.
Result<transport::ExecResult> sh(OpEnv& env, const std::string& cmd,
                                 std::chrono::seconds timeout = kFactTimeout);
// Runs `cmd` that must succeed; non-zero exit is an Error naming `what` and the stderr tail.
Status must(OpEnv& env, const std::string& cmd, const std::string& what,
            std::chrono::seconds timeout = kChangeTimeout);

// Resolves a user or group name (or a number) through the target's /etc/passwd or /etc/group.
Result<uint32_t> resolve_uid(OpEnv& env, const std::string& name);
Result<uint32_t> resolve_gid(OpEnv& env, const std::string& name);

std::string trim(const std::string& s);
std::string mode_text(uint32_t mode);  // "0644"
bool in_chroot(const OpEnv& env);

OpResult apply_package(const PackageOp& op, OpEnv& env);
OpResult apply_file(const FileOp& op, OpEnv& env);
OpResult apply_line(const LineOp& op, OpEnv& env);
OpResult apply_service(const ServiceOp& op, OpEnv& env);
OpResult apply_user(const UserOp& op, OpEnv& env);
OpResult apply_group(const GroupOp& op, OpEnv& env);
OpResult apply_command(const CommandOp& op, OpEnv& env);
OpResult apply_sysctl(const SysctlOp& op, OpEnv& env);
OpResult apply_nft(const NftOp& op, OpEnv& env);
OpResult apply_sql(const SqlOp& op, OpEnv& env);
OpResult apply_ldap_entry(const LdapEntryOp& op, OpEnv& env);

}  // namespace atelier::recipes::detail
