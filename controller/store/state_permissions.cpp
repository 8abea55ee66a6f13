// Permissions of atelierd's state folder (see state_permissions.h).
#include "controller/store/state_permissions.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace atelier::store {
namespace fs = std::filesystem;
namespace {

// lstat: a symlink in place of a private file is not followed (its target is not ours to chmod).
std::optional<struct stat> stat_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return std::nullopt;
  return st;
}

Status set_mode(const fs::path& p, unsigned mode, std::vector<PermissionChange>& changes) {
  auto st = stat_of(p);
  if (!st) return ok_status();
  unsigned now = static_cast<unsigned>(st->st_mode) & 07777;
  if (now == mode || S_ISLNK(st->st_mode)) return ok_status();
  if (::chmod(p.c_str(), mode) != 0) {
    return Error(ErrorCode::kIo, std::strerror(errno))
        .context("set mode " + mode_string(mode) + " on " + p.string());
  }
  changes.push_back({p, now, mode});
  return ok_status();
}

// Whether `inner` is `outer` or below it, both lexically normal and absolute.
bool below(const fs::path& outer, const fs::path& inner) {
  auto rel = inner.lexically_relative(outer);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

std::vector<std::string> private_state_files() {
  // signing.key: the evidence signing key (controller/evidence), kept beside the store.
  return {"atelier.db", "atelier.db-wal", "atelier.db-shm", "access.key", "signing.key"};
}

std::string mode_string(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

Status create_private_dir(const fs::path& given) {
  fs::path dir = given.lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "state/" names "state"
  if (stat_of(dir)) return ok_status();
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (ec)
    return Error(ErrorCode::kIo, ec.message()).context("create state directory " + dir.string());
  // mkdir with 0700 (the umask only removes bits): never a moment world-readable.
  if (::mkdir(dir.c_str(), kPrivateDirMode) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, std::strerror(errno))
        .context("create state directory " + dir.string());
  }
  if (::chmod(dir.c_str(), kPrivateDirMode) != 0) {
    return Error(ErrorCode::kIo, std::strerror(errno)).context("set mode 0700 on " + dir.string());
  }
  return ok_status();
}

Result<std::vector<PermissionChange>> secure_state_dir(const fs::path& state_dir,
                                                       const std::vector<fs::path>& qemu_paths) {
  const fs::path root = state_dir.lexically_normal();
  std::vector<PermissionChange> changes;
  ATELIER_RETURN_IF_ERROR(create_private_dir(root));
  bool traversed = false;
  for (const auto& q : qemu_paths) {
    const fs::path target = q.lexically_normal();
    if (target == root || !below(root, target)) continue;
    traversed = true;
    fs::path folder = root;
    for (const auto& part : target.lexically_relative(root)) {
      folder /= part;
      auto st = stat_of(folder);
      if (!st || !S_ISDIR(st->st_mode)) break;
      ATELIER_RETURN_IF_ERROR(set_mode(folder, kTraversableDirMode, changes));
    }
  }
  ATELIER_RETURN_IF_ERROR(
      set_mode(root, traversed ? kTraversableDirMode : kPrivateDirMode, changes));
  for (const auto& name : private_state_files()) {
    ATELIER_RETURN_IF_ERROR(set_mode(root / name, kPrivateFileMode, changes));
  }
  return changes;
}

}  // namespace atelier::store
