// The `interface` check: an interface exists, is administratively up (or down), and carries an
// address (CIDR form), from `ip -j addr show`.
#include <algorithm>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "common/process/run_process.h"

namespace atelier::agent {

Evidence run_interface(const checks::InterfaceCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  auto r = process::run_process({{"ip", "-j", "addr", "show"}, {}, "", "", ctx.timeout});
  if (!r || r->exit_code != 0) return error_evidence("interface " + c.name, "ip addr: " + (r ? r->err : r.error().to_string()));
  auto parsed = parse_ip_addr_json(r->out);
  if (!parsed) return error_evidence("interface " + c.name, parsed.error().to_string());
  auto it = std::find_if(parsed->begin(), parsed->end(), [&](const InterfaceEntry& e) { return e.name == c.name; });
  if (it == parsed->end()) {
    std::string names;
    for (const auto& e : *parsed) names += (names.empty() ? "" : ", ") + e.name;
    ev.expect("interface " + c.name + " exists", "no interface " + c.name + " (have: " + names + ")", false);
    return ev.finish();
  }
  ev.expect("interface " + c.name + " exists", "interface " + c.name + " exists", true);
  if (c.up) {
    bool up = it->admin_up();
    ev.expect(c.name + (*c.up ? " up" : " down"), c.name + (up ? " up" : " down") + " (state " + it->operstate + ")",
              up == *c.up);
  }
  if (c.address) {
    std::string list;
    for (const auto& a : it->addresses) list += (list.empty() ? "" : ", ") + a;
    bool has = std::find(it->addresses.begin(), it->addresses.end(), *c.address) != it->addresses.end();
    ev.expect("address " + *c.address, "addresses " + (list.empty() ? std::string("none") : list), has);
  }
  return ev.finish();
}

}  // namespace atelier::agent
