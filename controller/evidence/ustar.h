// A minimal POSIX ustar archive writer and a strict reader, for evidence bundles. Only regular
// files with relative names of up to 99 bytes; the reader refuses anything else (links, devices,
// absolute or ".." names, duplicates, bad header checksums), so a bundle cannot smuggle a file
// past the manifest or write outside the folder it is unpacked in. `tar tf` and `tar xf` read
// what write() makes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace atelier::evidence {

struct TarMember {
  std::string name;  // relative, '/'-separated, no "..", at most 99 bytes
  std::string data;
  friend bool operator==(const TarMember&, const TarMember&) = default;
};

// The archive of `members`, in order: each as a regular file of mode 0644 owned by uid/gid 0
// with modification time `mtime` (seconds since the epoch), then the two zero blocks.
// kInvalidArgument for a name the reader would refuse.
Result<std::string> write_ustar(const std::vector<TarMember>& members, std::int64_t mtime);

// The members of `archive`, in order. Errors (kInvalidArgument) name the member or the offset:
// "header at byte 1536: checksum does not match (the archive was changed)".
Result<std::vector<TarMember>> read_ustar(std::string_view archive);

// The checks write and read apply to a member's name; an empty string when it is fine.
std::string bad_member_name(std::string_view name);

}  // namespace atelier::evidence
