// Per-host first-boot seed: a small FAT disk labelled CIDATA in cloud-init's NoCloud layout
// (meta-data, user-data, network-config v2) plus an atelier/ folder that atelier's own images
// read without cloud-init. Rendering (spec -> files) is pure; writing the disk shells out to
// mkfs.vfat and mtools (no loop device, no root needed).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace atelier::images {

struct SeedNic {
  std::string mac;                     // "5a:7e:00:11:22:33": the NIC is found by its MAC
  std::vector<std::string> addresses;  // CIDR, e.g. "10.10.0.1/24"; may be empty (link up only)
  std::optional<std::string> gateway;  // default route through this NIC
};

struct SeedSpec {
  std::string instance_id;  // changes whenever the host must be configured afresh
  std::string hostname;     // [a-z0-9-], at most 63
  std::vector<SeedNic> nics;
  std::string root_password;                 // plain text; empty: root stays locked
  std::vector<std::string> authorized_keys;  // OpenSSH public keys for root
  // The agent's identity.
  std::string session;
  std::string candidate;
  std::string host;
  // Arguments the guest passes to atelier-agent (words without white space). The seed, not the
  // image, carries them, so that a new agent does not need a new image.
  std::vector<std::string> agent_args;
  // The domain has a screen: the guest starts a login prompt on tty1 (ATELIER_DISPLAY=1).
  bool display = false;
};

struct SeedFile {
  std::string path;  // relative to the seed's root, '/'-separated: "meta-data", "atelier/nics"
  std::string content;
};

// Checks the spec (names, MACs, CIDRs, no control characters) and renders the seed's files:
//   meta-data, user-data, network-config   cloud-init NoCloud (for third-party cloud images)
//   atelier/host.env                       shell-quoted KEY='value' lines
//   atelier/nics                           "MAC ADDR[,ADDR...]|- [GATEWAY]" a line
//   atelier/authorized_keys
// Errors: kInvalidArgument naming the field.
Result<std::vector<SeedFile>> render_seed(const SeedSpec& spec);

// Writes a FAT seed disk (label CIDATA) holding `files`, and the agent binary as
// atelier/atelier-agent when given (debug sections stripped). Replaces `out_path` atomically
// (temporary file + rename); mode 0600. Errors: kIo with the failing tool's message.
Status write_seed_disk(const std::vector<SeedFile>& files,
                       const std::optional<std::string>& agent_binary, const std::string& out_path);

// Single-quotes `value` for /bin/sh: abc -> 'abc', it's -> 'it'\''s'.
std::string shell_quote(const std::string& value);

}  // namespace atelier::images
