// The `ping` check: ICMP echo through /bin/ping (count, 1 s wait per reply); reachable when at
// least one reply came back.
#include <algorithm>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "common/process/run_process.h"

namespace atelier::agent {

Evidence run_ping(const checks::PingCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  int count = std::max(1, c.count);
  std::string want = c.host + (c.reachable ? " answers ping" : " does not answer ping");
  auto r = process::run_process(
      {{"ping", "-n", "-q", "-c", std::to_string(count), "-i", "0.2", "-W", "1", c.host},
       {},
       "",
       "",
       ctx.timeout});
  if (!r) {
    ev.expect(want, "", false);
    return ev.error("ping: " + r.error().to_string());
  }
  auto received = parse_ping_received(r->out);
  if (!received) {
    // No summary: ping could not even send ("Network is unreachable", unknown host).
    std::string why = r->err.empty() ? r->out : r->err;
    while (!why.empty() && why.back() == '\n') why.pop_back();
    if (r->exit_code == 2 && why.find("Name or service not known") != std::string::npos) {
      ev.expect(want, "", false);
      return ev.error(why);
    }
    ev.expect(want, "no echo sent: " + why, !c.reachable);
    return ev.finish();
  }
  std::string seen =
      std::to_string(*received) + " of " + std::to_string(count) + " echo replies from " + c.host;
  ev.expect(want, seen, (*received > 0) == c.reachable);
  return ev.finish();
}

}  // namespace atelier::agent
