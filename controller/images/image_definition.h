// An image definition (controller/images/definitions/<name>.yaml) as a typed, validated struct, and
// the cache key derived from it. Parsing is pure: text in, struct or an error with line and column
// out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/digest.h"
#include "common/result.h"

namespace atelier::images {

struct ImageDefinition {
  std::string name;  // [a-z0-9-]+, the file's `image:` key; names the built directory
  std::string description;
  std::string suite;                  // Debian suite for debootstrap, e.g. "bookworm"
  std::string mirror;                 // apt mirror URL, e.g. "http://deb.debian.org/debian"
  std::string variant;                // debootstrap variant, e.g. "minbase"
  std::vector<std::string> packages;  // installed by debootstrap --include
  // Installed after debootstrap with apt-get inside the image (dependencies resolved by apt,
  // no Recommends), with services kept from starting: the server software a role image bakes
  // (guests have no network, so role recipes can only configure what the image holds).
  std::vector<std::string> apt_packages;
  // systemd units disabled in the image, so that a guest boots fast and a role recipe decides
  // what runs (e.g. postgresql, mariadb, postfix).
  std::vector<std::string> disabled_units;
  std::string kernel;                       // kernel package, e.g. "linux-image-amd64"
  std::vector<std::string> initrd_modules;  // mkinitramfs MODULES=list
  // Module folders (below lib/modules/<version>/kernel/) removed from the image: hardware a
  // virtio guest never has. Keeps the image small and mkfs fast.
  std::vector<std::string> prune_modules;
  std::uint64_t size_bytes = 0;  // size of the root filesystem
  // Kernel command line for direct kernel boot. Not part of the image's hash: changing it needs
  // no rebuild (find_built_image/build_image return the definition's current cmdline).
  std::string cmdline;
};

// Parses the YAML text of an image definition. `origin` (a file name) prefixes error messages:
// "controller/images/definitions/debian12.yaml:4:7: size: expected a size such as 2GiB or 512MiB".
// Unknown keys are errors, so that a typo does not silently build another image.
Result<ImageDefinition> parse_image_definition(std::string_view yaml_text, std::string_view origin);

// Reads and parses <images_dir>/<name>.yaml.
Result<ImageDefinition> load_image_definition(const std::string& images_dir,
                                              const std::string& name);

// Parses "2GiB", "512MiB", "1G", "1048576" into bytes; error on anything else.
Result<std::uint64_t> parse_size(std::string_view text);

// The definition in one canonical text form (independent of YAML formatting and comments),
// of what changes the built image (not the description, not the cmdline).
std::string canonical_text(const ImageDefinition& def);

// The cache key: hex SHA-256 of the canonical definition, the builder's version and the files the
// builder bakes into the image. Equal keys mean interchangeable images.
std::string definition_hash(const ImageDefinition& def);

// Hex SHA-256 of arbitrary bytes.
using crypto::sha256_hex;  // common/crypto/digest.h

}  // namespace atelier::images
