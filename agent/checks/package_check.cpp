// The `package` check: a Debian package installed (or not), optionally with a version prefix,
// read from dpkg's database (/var/lib/dpkg/status, what dpkg-query reads, without a process
// per check).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"

namespace atelier::agent {

Evidence run_package(const checks::PackageCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  std::string want = c.installed ? "package " + c.name + " installed" : "package " + c.name + " not installed";
  if (c.installed && c.version) want += ", version " + *c.version + "*";
  std::ifstream in("/var/lib/dpkg/status");
  if (!in) {
    ev.expect(want, "", false);
    return ev.error(std::string("cannot read /var/lib/dpkg/status: ") + std::strerror(errno));
  }
  std::ostringstream s;
  s << in.rdbuf();
  auto entry = find_dpkg_package(s.str(), c.name);
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
