// Reading a file inside a folder without following any symlink or '..' out of it: lab files
// (ticket texts) and recipe files (recipes and their templates) that root daemons serve or run.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::files {

// The regular file `rel` (relative) inside `dir`, without following any symlink or ".." out of
// dir (openat2 RESOLVE_BENEATH; where the kernel lacks it, the resolved path is checked against
// dir's). Symlinks that stay inside dir are followed. Errors, with a sentence that the caller
// prefixes with rel, naming the folder as `folder` ("lab folder", "recipes folder"):
// kPermissionDenied when it leads out of dir, kNotFound when absent, kInvalidArgument when not a
// regular file or larger than max_bytes, kIo otherwise.
Result<std::string> read_file_beneath(const std::filesystem::path& dir,
                                      const std::filesystem::path& rel, std::size_t max_bytes,
                                      std::string_view folder);

}  // namespace atelier::files
