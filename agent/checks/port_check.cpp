// The `port` check: something listens on a tcp port (state LISTEN) or is bound to a udp port,
// optionally on a given local address. Asked of the kernel's sock_diag (sock_diag.h), filtered
// there by state; read from /proc/net/{tcp,tcp6,udp,udp6} when the kernel does not answer it.
#include <netinet/in.h>

#include <fstream>
#include <set>
#include <sstream>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "agent/checks/sock_diag.h"

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

std::vector<SocketEntry> sockets_in(bool tcp, bool v6, int state) {
  if (auto asked = diag_sockets(v6, tcp ? IPPROTO_TCP : IPPROTO_UDP, 1U << state)) return *asked;
  return parse_proc_net(
      read_all(std::string("/proc/net/") + (tcp ? "tcp" : "udp") + (v6 ? "6" : "")), v6);
}
}  // namespace

Evidence run_port(const checks::PortCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  bool tcp = c.protocol == checks::Transport::kTcp;
  std::string proto = tcp ? "tcp" : "udp";
  std::set<std::string> addresses;
  const int state = tcp ? kTcpListen : kUdpUnconnected;
  for (bool v6 : {false, true}) {
    for (const auto& s : sockets_in(tcp, v6, state)) {
      if (s.port == c.port && s.state == state) addresses.insert(s.address);
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
