// The `flow` check: a network policy proved from this host. tcp: allowed when a connection is
// accepted; blocked when refused, unreachable/prohibited, or unanswered within the timeout.
// udp: allowed when something replies; blocked when refused/unreachable or unanswered (a
// udp service that never replies cannot be told from a filtered port — the evidence says so).
#include <algorithm>

#include "agent/checks/check.h"
#include "agent/checks/net.h"

namespace atelier::agent {

Evidence run_flow(const checks::FlowCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  bool tcp = c.protocol == checks::Transport::kTcp;
  std::string flow =
      std::string(tcp ? "tcp" : "udp") + "/" + std::to_string(c.port) + " to " + c.to;
  // Leave room under the check's own deadline.
  auto wait = std::min(ctx.timeout, std::chrono::milliseconds(5000));
  ProbeResult p = tcp ? tcp_probe(c.to, c.port, wait) : udp_probe(c.to, c.port, wait);
  std::string want = flow + (c.allowed ? " allowed" : " blocked");
  if (p.outcome == ProbeOutcome::kError) {
    ev.expect(want, "", false);
    return ev.error(p.detail);
  }
  bool allowed = p.outcome == ProbeOutcome::kOpen;
  ev.expect(want, flow + (allowed ? " allowed: " : " blocked: ") + p.detail, allowed == c.allowed);
  return ev.finish();
}

}  // namespace atelier::agent
