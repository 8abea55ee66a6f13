// The `mount` check: a path is a mount point (or not), optionally of a file system type and
// from a source, read from /proc/self/mounts (the last mount on a path is the visible one).
#include <fstream>
#include <sstream>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"

namespace atelier::agent {

Evidence run_mount(const checks::MountCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  std::ifstream in("/proc/self/mounts");
  if (!in) return error_evidence(c.path + " mounted", "cannot read /proc/self/mounts");
  std::ostringstream s;
  s << in.rdbuf();
  std::string path =
      c.path.size() > 1 && c.path.back() == '/' ? c.path.substr(0, c.path.size() - 1) : c.path;
  const MountEntry* found = nullptr;
  auto mounts = parse_mounts(s.str());
  for (const auto& m : mounts) {
    if (m.target == path) found = &m;
  }
  std::string want = c.mounted ? path + " mounted" : path + " not mounted";
  if (c.mounted && c.fstype) want += ", type " + *c.fstype;
  if (c.mounted && c.source) want += ", from " + *c.source;
  if (!found) {
    ev.expect(want, path + " is not a mount point", !c.mounted);
    return ev.finish();
  }
  std::string seen = path + " mounted, type " + found->fstype + ", from " + found->source;
  bool ok = c.mounted;
  if (c.fstype && found->fstype != *c.fstype) ok = false;
  if (c.source && found->source != *c.source) ok = false;
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
