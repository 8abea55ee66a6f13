// The `route` check: a route to a destination (a CIDR or "default"), optionally via a gateway
// or a device, in any routing table, from `ip -j route show table all` (IPv4 and IPv6).
#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "common/process/run_process.h"

namespace atelier::agent {
namespace {
// "10.0.0.1/32" and "10.0.0.1" name the same host route; ip prints the short form.
std::string canonical(const std::string& dst) {
  if (dst.size() > 3 && dst.compare(dst.size() - 3, 3, "/32") == 0)
    return dst.substr(0, dst.size() - 3);
  if (dst.size() > 4 && dst.compare(dst.size() - 4, 4, "/128") == 0)
    return dst.substr(0, dst.size() - 4);
  if (dst == "0.0.0.0/0" || dst == "::/0") return "default";
  return dst;
}
}  // namespace

Evidence run_route(const checks::RouteCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string want = "route to " + c.destination;
  if (c.gateway) want += " via " + *c.gateway;
  if (c.device) want += " dev " + *c.device;
  if (!c.present) want = "no " + want;
  std::vector<RouteEntry> routes;
  for (const char* family : {"-4", "-6"}) {
    auto r = process::run_process(
        {{"ip", "-j", family, "route", "show", "table", "all"}, {}, "", "", ctx.timeout});
    if (!r || r->exit_code != 0) {
      ev.expect(want, "", false);
      return ev.error("ip route: " + (r ? r->err : r.error().to_string()));
    }
    auto parsed = parse_ip_route_json(r->out.empty() ? "[]" : r->out);
    if (!parsed) return ev.error(parsed.error().to_string());
    routes.insert(routes.end(), parsed->begin(), parsed->end());
  }
  std::string dst = canonical(c.destination);
  std::string seen;
  bool match = false;
  for (const auto& r : routes) {
    if (canonical(r.destination) != dst) continue;
    if (r.type == "broadcast") continue;
    std::string line = r.destination + (r.gateway.empty() ? "" : " via " + r.gateway) + " dev " +
                       r.device + (r.table == "main" ? "" : " table " + r.table);
    seen += (seen.empty() ? "" : ", ") + line;
    if (c.gateway && r.gateway != *c.gateway) continue;
    if (c.device && r.device != *c.device) continue;
    match = true;
  }
  if (seen.empty()) seen = "no route to " + c.destination;
  ev.expect(want, seen, match == c.present);
  return ev.finish();
}

}  // namespace atelier::agent
