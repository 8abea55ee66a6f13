// Builds guest images offline from Debian's packages (debootstrap -> chroot configuration ->
// mkfs.ext4 -d -> qemu-img convert) into the state directory, cached by definition hash.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "controller/images/image_definition.h"

namespace atelier::images {

inline constexpr const char* kDefaultStateDir = "/var/lib/atelier";

// A built image, as recorded in <dir>/image.json.
struct BuiltImage {
  std::string name;
  std::string hash;         // definition_hash()
  std::string dir;          // <state>/images/<name>-<hash[0:12]>
  std::string disk_path;    // <dir>/disk.qcow2: the read-only base for overlays
  std::string kernel_path;  // <dir>/vmlinuz
  std::string initrd_path;  // <dir>/initrd.img
  std::string cmdline;      // kernel command line for direct kernel boot
  std::string kernel_version;
  std::uint64_t disk_bytes = 0;     // size of disk.qcow2 on disk
  std::uint64_t virtual_bytes = 0;  // size the guest sees
  double build_seconds = 0;         // how long the build took when it ran
  bool from_cache = false;          // true: found built, nothing ran
};

struct BuildOptions {
  std::string state_dir = kDefaultStateDir;
  bool force = false;  // rebuild even when a built image with this hash exists
  // Progress lines ("debootstrap bookworm ...", "mkfs.ext4 ..."); may be empty.
  std::function<void(const std::string&)> progress;
  std::chrono::minutes debootstrap_timeout{20};
};

// Builds `def` unless <state>/images/<name>-<hash12>/image.json exists (then returns it with
// from_cache = true, in milliseconds). Builds in a temporary folder next to it and renames it
// into place, so a crash never leaves a half image under the final name. Needs root (debootstrap,
// chroot) and the apt mirror. Errors: kIo with the failing step and the tool's last lines,
// kTimeout, kPermissionDenied when not root.
Result<BuiltImage> build_image(const ImageDefinition& def, const BuildOptions& opts);

// Finds the built image of `def` (same hash) in the state directory. kNotFound if not built.
Result<BuiltImage> find_built_image(const ImageDefinition& def, const std::string& state_dir);

// The folder a definition builds into: <state>/images/<name>-<hash[0:12]>.
std::string image_dir(const ImageDefinition& def, const std::string& state_dir);

}  // namespace atelier::images
