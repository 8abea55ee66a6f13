// The `disk_free` check: the file system holding a path has at least N bytes and/or N percent
// free for unprivileged users (statvfs f_bavail).
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "agent/checks/check.h"

namespace atelier::agent {
namespace {
std::string human(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}
}  // namespace

Evidence run_disk_free(const checks::DiskFreeCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  struct statvfs st {};
  if (::statvfs(c.path.c_str(), &st) != 0) {
    return error_evidence("free space on " + c.path,
                          "statvfs " + c.path + ": " + std::strerror(errno));
  }
  std::uint64_t free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  double percent = st.f_blocks
                       ? 100.0 * static_cast<double>(st.f_bavail) / static_cast<double>(st.f_blocks)
                       : 0.0;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f%%", percent);
  std::string seen = human(free_bytes) + " (" + std::to_string(free_bytes) + " bytes, " + pct +
                     ") free on " + c.path;
  if (c.min_free_bytes) {
    ev.expect("at least " + human(*c.min_free_bytes) + " free", seen,
              free_bytes >= *c.min_free_bytes);
  }
  if (c.min_free_percent) {
    char want[32];
    std::snprintf(want, sizeof want, "%.1f%%", *c.min_free_percent);
    ev.expect(std::string("at least ") + want + " free", seen, percent >= *c.min_free_percent);
  }
  if (!c.min_free_bytes && !c.min_free_percent)
    ev.expect("free space on " + c.path, seen, free_bytes > 0);
  return ev.finish();
}

}  // namespace atelier::agent
