// The `sysctl` check: /proc/sys/<key with dots as slashes> holds the value (blanks collapsed).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"

namespace atelier::agent {

Evidence run_sysctl(const checks::SysctlCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  std::string path = "/proc/sys/" + c.key;
  for (std::size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  std::ifstream in(path);
  if (!in) {
    ev.expect(c.key + " = " + c.value, "", false);
    if (errno == ENOENT) {
      ev = {};
      ev.expect(c.key + " = " + c.value, "no sysctl " + c.key, false);
      return ev.finish();
    }
    return ev.error("cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream s;
  s << in.rdbuf();
  std::string have = normalize_spaces(s.str());
  ev.expect(c.key + " = " + normalize_spaces(c.value), c.key + " = " + have,
            have == normalize_spaces(c.value));
  return ev.finish();
}

}  // namespace atelier::agent
