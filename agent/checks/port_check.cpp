// The `port` check: something listens on a tcp port (state LISTEN) or is bound to a udp port,
// read from /proc/net/{tcp,tcp6,udp,udp6}; optionally on a given local address.
#include <fstream>
#include <set>
#include <sstream>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"

namespace atelier::agent {
namespace {
constexpr int kTcpListen = 0x0A;
constexpr int kUdpUnconnected = 0x07;

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

Evidence run_port(const checks::PortCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  bool tcp = c.protocol == checks::Transport::kTcp;
  std::string proto = tcp ? "tcp" : "udp";
  std::set<std::string> addresses;
  for (bool v6 : {false, true}) {
    std::string path = "/proc/net/" + proto + (v6 ? "6" : "");
    for (const auto& s : parse_proc_net(read_all(path), v6)) {
      if (s.port != c.port) continue;
      if (tcp ? s.state != kTcpListen : s.state != kUdpUnconnected) continue;
      addresses.insert(s.address);
    }
  }
  std::string where = proto + "/" + std::to_string(c.port);
  std::string list;
  for (const auto& a : addresses) list += (list.empty() ? "" : ", ") + a;
  std::string seen =
      addresses.empty() ? "nothing listens on " + where : where + " listening on " + list;
  if (!c.listening) {
    ev.expect("nothing listens on " + where, seen, addresses.empty());
  } else if (c.address) {
    // A wildcard listener (0.0.0.0 or ::) serves every address.
    bool ok = addresses.count(*c.address) || addresses.count("0.0.0.0") || addresses.count("::");
    ev.expect(where + " listening on " + *c.address, seen, ok);
  } else {
    ev.expect(where + " listening", seen, !addresses.empty());
  }
  return ev.finish();
}

}  // namespace atelier::agent
