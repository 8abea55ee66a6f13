// The `process` check: a process with this exact name (comm) runs, optionally as a user;
// read from /proc.
#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <set>

#include "agent/checks/check.h"

namespace atelier::agent {

Evidence run_process(const checks::ProcessCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  DIR* proc = opendir("/proc");
  if (!proc) return error_evidence("process " + c.name, "cannot read /proc");
  int count = 0;
  std::set<std::string> users;
  int as_user = 0;
  while (dirent* e = readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream comm(dir + "/comm");
    std::string name;
    if (!std::getline(comm, name) || name != c.name) continue;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) continue;  // it exited meanwhile
    ++count;
    passwd* pw = getpwuid(st.st_uid);
    std::string user = pw ? pw->pw_name : std::to_string(st.st_uid);
    users.insert(user);
    if (c.user && (user == *c.user || std::to_string(st.st_uid) == *c.user)) ++as_user;
  }
  closedir(proc);
  std::string who;
  for (const auto& u : users) who += (who.empty() ? "" : ",") + u;
  std::string seen =
      count == 0 ? "no process named " + c.name
                 : std::to_string(count) + " process(es) named " + c.name + " (user " + who + ")";
  if (!c.running) {
    ev.expect("no process named " + c.name, seen, count == 0);
  } else if (c.user) {
    ev.expect("process " + c.name + " running as " + *c.user, seen, as_user > 0);
  } else {
    ev.expect("process " + c.name + " running", seen, count > 0);
  }
  return ev.finish();
}

}  // namespace atelier::agent
