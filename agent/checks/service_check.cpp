// The `service` check: a systemd unit active (running) or not, enabled or not, as systemctl
// reports it. Without systemd as PID 1 the check is an error, not a failure.
#include "agent/checks/check.h"
#include "common/process/run_process.h"

namespace atelier::agent {
namespace {
std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}
}  // namespace

Evidence run_service(const checks::ServiceCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  if (c.state) {
    bool want_running = *c.state == checks::ServiceState::kRunning;
    std::string want = c.name + (want_running ? " running" : " stopped");
    auto r = process::run_process({{"systemctl", "is-active", c.name}, {}, "", "", ctx.timeout});
    if (!r) {
      ev.expect(want, "", false);
      return ev.error("systemctl is-active: " + r.error().to_string());
    }
    std::string state = first_line(r->out);
    // "System has not been booted with systemd" and the like come on stderr with no state.
    if (state.empty()) {
      ev.expect(want, "", false);
      return ev.error("systemctl is-active " + c.name + ": " + first_line(r->err));
    }
    bool running = state == "active" || state == "reloading";
    ev.expect(want, c.name + " is " + state, running == want_running);
  }
  if (c.enabled) {
    std::string want = c.name + (*c.enabled ? " enabled" : " not enabled");
    auto r = process::run_process({{"systemctl", "is-enabled", c.name}, {}, "", "", ctx.timeout});
    if (!r) {
      ev.expect(want, "", false);
      return ev.error("systemctl is-enabled: " + r.error().to_string());
    }
    std::string state = first_line(r->out);
    if (state.empty()) {
      ev.expect(want, "", false);
      return ev.error("systemctl is-enabled " + c.name + ": " + first_line(r->err));
    }
    bool enabled = state == "enabled" || state == "enabled-runtime" || state == "alias";
    ev.expect(want, c.name + " is " + state, enabled == *c.enabled);
  }
  if (!c.state && !c.enabled) {
    // No property named: the unit must at least be known to systemd.
    auto r = process::run_process(
        {{"systemctl", "show", "-p", "LoadState", "--value", c.name}, {}, "", "", ctx.timeout});
    if (!r)
      return error_evidence(c.name + " is a known unit",
                            "systemctl show: " + r.error().to_string());
    std::string state = first_line(r->out);
    if (state.empty())
      return error_evidence(c.name + " is a known unit",
                            "systemctl show " + c.name + ": " + first_line(r->err));
    ev.expect(c.name + " is a known unit", c.name + " load state " + state, state == "loaded");
  }
  return ev.finish();
}

}  // namespace atelier::agent
