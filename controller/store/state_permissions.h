// Permissions of atelierd's state folder: the store and the keys readable by their owner only,
// and only the traversal QEMU needs to reach the run folders, overlays and images below it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace atelier::store {

// One mode changed on an existing path, for the caller's log line.
struct PermissionChange {
  std::filesystem::path path;
  unsigned from = 0;  // st_mode & 07777 before
  unsigned to = 0;
};

// Modes of the state folder. A folder that holds only atelier's own files is 0700; one that a
// QEMU process (libvirt-qemu) must pass through to open a seed disk, an overlay or an image below
// it is 0711: others may traverse it by a known name but not list it, and every private file in
// it is 0600, so traversal gives them nothing.
inline constexpr unsigned kPrivateDirMode = 0700;
inline constexpr unsigned kTraversableDirMode = 0711;
inline constexpr unsigned kPrivateFileMode = 0600;

// The files of the state folder that must stay private: the store with its WAL and shared-memory
// files, and the keys. Missing ones are skipped.
std::vector<std::string> private_state_files();

// Creates state_dir (and missing parents) 0700 when absent; then sets state_dir to 0700, or 0711
// when one of qemu_paths lies below it, and every folder between state_dir and such a path that
// exists to 0711 too; and the private files 0600. Modes are set exactly (a 0755 folder becomes
// 0700 or 0711). Returns the modes it changed on paths that already existed (for a log line
// each). Idempotent. Errors:
// kIo naming the path when a folder cannot be created or a mode cannot be set.
Result<std::vector<PermissionChange>> secure_state_dir(
    const std::filesystem::path& state_dir, const std::vector<std::filesystem::path>& qemu_paths);

// Creates dir and missing parents, dir itself 0700, when absent; an existing one is left as is.
Status create_private_dir(const std::filesystem::path& dir);

// "0755" for a log line.
std::string mode_string(unsigned mode);

}  // namespace atelier::store
