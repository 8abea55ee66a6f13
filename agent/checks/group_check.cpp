// The `group` check: through NSS (getgrnam); a member is listed in the group or has it as
// primary group.
#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "agent/checks/check.h"

namespace atelier::agent {

Evidence run_group(const checks::GroupCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  group gr{};
  group* found = nullptr;
  std::vector<char> buf(65536);
  int rc = getgrnam_r(c.name.c_str(), &gr, buf.data(), buf.size(), &found);
  if (rc != 0)
    return error_evidence("group " + c.name, "getgrnam " + c.name + ": " + std::strerror(rc));
  if (!found) {
    ev.expect(c.exists ? "group " + c.name + " exists" : "group " + c.name + " is absent",
              "no group " + c.name + " (NSS)", !c.exists);
    return ev.finish();
  }
  if (!c.exists) {
    ev.expect("group " + c.name + " is absent",
              "group " + c.name + " exists, gid " + std::to_string(gr.gr_gid), false);
    return ev.finish();
  }
  ev.expect("group " + c.name + " exists",
            "group " + c.name + " exists, gid " + std::to_string(gr.gr_gid), true);
  std::vector<std::string> members;
  for (char** m = gr.gr_mem; m && *m; ++m) members.emplace_back(*m);
  std::string listed;
  for (const auto& m : members) listed += (listed.empty() ? "" : ",") + m;
  for (const auto& want : c.members) {
    bool in = std::find(members.begin(), members.end(), want) != members.end();
    bool primary = false;
    if (!in) {
      passwd* pw = getpwnam(want.c_str());
      primary = pw && pw->pw_gid == gr.gr_gid;
    }
    ev.expect("member " + want,
              in ? "member " + want
              : primary
                  ? "member " + want + " (primary group)"
                  : want + " is not a member (members: " + (listed.empty() ? "none" : listed) + ")",
              in || primary);
  }
  return ev.finish();
}

}  // namespace atelier::agent
