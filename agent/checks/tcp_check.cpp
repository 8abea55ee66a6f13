// The `tcp` check: a tcp connection to host:port succeeds (open) or not (closed), within the
// check's timeout.
#include "agent/checks/check.h"
#include "agent/checks/net.h"

namespace atelier::agent {

Evidence run_tcp(const checks::TcpCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string target = c.host + ":" + std::to_string(c.port);
  std::string want = c.open ? "tcp connection to " + target + " accepted"
                            : "tcp connection to " + target + " not accepted";
  ProbeResult p = tcp_probe(c.host, c.port, ctx.timeout);
  if (p.outcome == ProbeOutcome::kError) {
    ev.expect(want, "", false);
    return ev.error(p.detail);
  }
  ev.expect(want, p.detail, (p.outcome == ProbeOutcome::kOpen) == c.open);
  return ev.finish();
}

}  // namespace atelier::agent
