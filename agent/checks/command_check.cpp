// The `command` check: /bin/sh -c RUN exits with the expected code and its stdout matches a
// regex; the check's timeout kills the command's whole process group.
#include <regex>

#include "agent/checks/check.h"
#include "common/process/run_process.h"

namespace atelier::agent {

Evidence run_command(const checks::CommandCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::vector<std::string> argv;
  if (c.user) argv = {"runuser", "-u", *c.user, "--"};
  for (const char* a : {"/bin/sh", "-c"}) argv.emplace_back(a);
  argv.push_back(c.run);
  std::string want = "exit " + std::to_string(c.exit_code);
  if (c.stdout_regex) want += ", stdout matches /" + *c.stdout_regex + "/";
  auto r = process::run_process({argv, {}, "", "", ctx.timeout, 64 * 1024});
  if (!r) {
    ev.expect(want, "", false);
    if (r.error().code() == ErrorCode::kTimeout) {
      return ev.error("no exit within " + std::to_string(ctx.timeout.count()) + " ms: the process group was killed");
    }
    return ev.error(r.error().to_string());
  }
  std::string seen = "exit " + std::to_string(r->exit_code) + ", stdout " + quote(r->out);
  if (!r->err.empty()) seen += ", stderr " + quote(r->err, 120);
  bool ok = r->exit_code == c.exit_code;
  if (c.stdout_regex) {
    try {
      std::regex re(*c.stdout_regex, std::regex::ECMAScript | std::regex::multiline);
      ok = ok && std::regex_search(r->out, re);
    } catch (const std::regex_error& e) {
      ev.expect(want, "", false);
      return ev.error("invalid regex /" + *c.stdout_regex + "/: " + e.what());
    }
  }
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
