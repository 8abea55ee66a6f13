// Test helpers for the recipe engine: a temporary folder, and a minimal root (the host's sh,
// coreutils and shadow tools with their libraries, copied) that ChrootTransport can run in —
// hermetic: nothing the tests do reaches the host's own users, packages or services.
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace atelier::recipes::testing {

namespace fs = std::filesystem;

using test_support::read_text;
using test_support::TempDir;

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

inline std::string capture(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  return out;
}

// Copies a host file into root at the same path (content of symlink targets, mode kept).
inline void copy_in(const fs::path& root, const fs::path& file) {
  fs::path dest = root / file.relative_path();
  if (fs::exists(dest)) return;
  fs::create_directories(dest.parent_path());
  fs::copy_file(fs::canonical(file), dest, fs::copy_options::overwrite_existing);
  fs::permissions(dest, fs::status(fs::canonical(file)).permissions());
}

// Copies programs (found in PATH) and the shared libraries ldd lists for them.
inline void copy_programs(const fs::path& root, const std::vector<std::string>& programs) {
  for (const auto& p : programs) {
    std::string path = capture("command -v " + p);
    while (!path.empty() && (path.back() == '\n')) path.pop_back();
    if (path.empty() || path[0] != '/') continue;  // shell builtins
    copy_in(root, path);
    std::istringstream ldd(capture("ldd " + path + " 2>/dev/null"));
    std::string line;
    while (std::getline(ldd, line)) {
      auto slash = line.find('/');
      if (slash == std::string::npos) continue;
      auto end = line.find(' ', slash);
      copy_in(root, line.substr(slash, end == std::string::npos ? std::string::npos : end - slash));
    }
  }
}

// A minimal Debian-like root: /bin/sh, coreutils the ops use, shadow's user tools, dpkg-query
// with a hand-written status file (two packages "installed"), passwd/group/shadow/login.defs.
inline void make_mini_root(const fs::path& root) {
  // Debian's merged /usr: /bin -> usr/bin etc., laid out first so copies land in usr/.
  for (const char* d : {"usr/bin", "usr/sbin", "usr/lib", "usr/lib64"})
    fs::create_directories(root / d);
  for (const char* d : {"bin", "sbin", "lib", "lib64"}) {
    fs::path host = fs::path("/") / d;
    if (fs::is_symlink(host) && !fs::exists(root / d))
      fs::create_directory_symlink(fs::read_symlink(host), root / d);
  }
  copy_programs(root, {"sh",       "cat",        "rm",      "mkdir",   "chmod",    "chown",
                       "mv",       "uname",      "id",      "head",    "ls",       "touch",
                       "test",     "useradd",    "usermod", "userdel", "groupadd", "groupmod",
                       "groupdel", "dpkg-query", "sleep",   "grep"});
  fs::create_directories(root / "tmp");
  // Commands redirect to /dev/null, as on any real root (debootstrap makes the node too).
  fs::create_directories(root / "dev");
  if (mknod((root / "dev/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    throw std::runtime_error("mknod /dev/null (needs root)");
  chmod((root / "dev/null").c_str(), 0666);
  fs::create_directories(root / "home");
  fs::create_directories(root / "etc/default");
  fs::create_directories(root / "var/lib/dpkg");
  write_text(root / "etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/"
             "nologin\n");
  write_text(root / "etc/group", "root:x:0:\nusers:x:100:\nnogroup:x:65534:\n");
  write_text(root / "etc/shadow", "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n");
  write_text(root / "etc/gshadow", "root:*::\nusers:*::\nnogroup:*::\n");
  fs::permissions(root / "etc/shadow", fs::perms::owner_read | fs::perms::owner_write);
  copy_in(root, "/etc/login.defs");
  write_text(root / "etc/hostname", "miniroot\n");
  write_text(root / "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
  write_text(
      root / "var/lib/dpkg/status",
      "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n"
      "Description: base\n\n"
      "Package: old-tool\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n"
      "Description: removed, config kept\n\n");
  fs::create_directories(root / "var/lib/dpkg/info");
  write_text(root / "var/lib/dpkg/available", "");
}

}  // namespace atelier::recipes::testing
