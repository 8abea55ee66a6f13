// The `package` check: a Debian package installed (or not), optionally with a version prefix,
// read from dpkg's database (/var/lib/dpkg/status, what dpkg-query reads, without a process
// per check).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"

namespace atelier::agent {
namespace {

// One read(2) of the file's size (the status file is megabytes: no stream copies).
bool read_whole_file(const char* path, std::string& out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = fstat(fd, &st) == 0;
  if (ok) out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (ok && got < out.size()) {
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

}  // namespace

Evidence run_package(const checks::PackageCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  std::string want =
      c.installed ? "package " + c.name + " installed" : "package " + c.name + " not installed";
  if (c.installed && c.version) want += ", version " + *c.version + "*";
  std::string status;
  if (!read_whole_file("/var/lib/dpkg/status", status)) {
    ev.expect(want, "", false);
    return ev.error(std::string("cannot read /var/lib/dpkg/status: ") + std::strerror(errno));
  }
  auto entry = find_dpkg_package(status, c.name);
  // A removed package that left its configuration behind says "deinstall ok config-files".
  bool installed = entry && entry->status == "install ok installed";
  std::string seen;
  if (installed) {
    seen = "package " + c.name + " installed, version " + entry->version;
  } else if (entry) {
    seen = "package " + c.name + " not installed (dpkg status \"" + entry->status + "\")";
  } else {
    seen = "package " + c.name + " not installed (unknown to dpkg)";
  }
  bool ok = installed == c.installed;
  if (ok && c.installed && c.version) ok = entry->version.rfind(*c.version, 0) == 0;
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
