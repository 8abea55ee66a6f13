// The `user` check: through NSS (getpwnam, getgrouplist), so directory users count.
#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "agent/checks/check.h"

namespace atelier::agent {

Evidence run_user(const checks::UserCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  int rc = getpwnam_r(c.name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0)
    return error_evidence("user " + c.name, "getpwnam " + c.name + ": " + std::strerror(rc));
  if (!found) {
    ev.expect(c.exists ? "user " + c.name + " exists" : "user " + c.name + " is absent",
              "no user " + c.name + " (NSS)", !c.exists);
    return ev.finish();
  }
  if (!c.exists) {
    ev.expect("user " + c.name + " is absent",
              "user " + c.name + " exists, uid " + std::to_string(pw.pw_uid), false);
    return ev.finish();
  }
  ev.expect("user " + c.name + " exists",
            "user " + c.name + " exists, uid " + std::to_string(pw.pw_uid), true);
  if (c.shell)
    ev.expect("shell " + *c.shell, std::string("shell ") + pw.pw_shell, *c.shell == pw.pw_shell);
  if (c.home) ev.expect("home " + *c.home, std::string("home ") + pw.pw_dir, *c.home == pw.pw_dir);
  if (!c.groups.empty()) {
    int n = 64;
    std::vector<gid_t> gids(static_cast<std::size_t>(n));
    if (getgrouplist(c.name.c_str(), pw.pw_gid, gids.data(), &n) < 0) {
      gids.resize(static_cast<std::size_t>(n));
      getgrouplist(c.name.c_str(), pw.pw_gid, gids.data(), &n);
    }
    gids.resize(static_cast<std::size_t>(n));
    std::vector<std::string> names;
    for (gid_t g : gids) {
      group* gr = getgrgid(g);
      names.push_back(gr ? gr->gr_name : std::to_string(g));
    }
    std::string have;
    for (const auto& n2 : names) have += (have.empty() ? "" : ",") + n2;
    for (const auto& want : c.groups) {
      bool in = std::find(names.begin(), names.end(), want) != names.end();
      ev.expect("member of " + want,
                in ? "member of " + want : "not in " + want + " (groups: " + have + ")", in);
    }
  }
  return ev.finish();
}

}  // namespace atelier::agent
