// The `interface` check: an interface exists, is administratively up (or down), and carries an
// address (CIDR form), read in-process with getifaddrs(3) (netlink; no `ip` process per check).
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"

namespace atelier::agent {
namespace {

// IFF_LOWER_UP (the carrier) from <linux/if.h>, which cannot be included with <net/if.h>.
constexpr unsigned kLowerUp = 1u << 16;

int prefix_length(const sockaddr* mask) {
  if (!mask) return 0;
  int bits = 0;
  const unsigned char* bytes = nullptr;
  std::size_t n = 0;
  if (mask->sa_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
    n = 4;
  } else if (mask->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
    n = 16;
  }
  for (std::size_t i = 0; i < n; ++i) bits += std::popcount(static_cast<unsigned>(bytes[i]));
  return bits;
}

std::string cidr(const sockaddr* addr, const sockaddr* mask) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw =
      addr->sa_family == AF_INET
          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(addr)->sin_addr)
          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr);
  if (!inet_ntop(addr->sa_family, raw, text, sizeof text)) return "";
  return std::string(text) + "/" + std::to_string(prefix_length(mask));
}

// The state `ip` prints, from the link's flags: DOWN when not administratively up; a loopback
// that is up has no carrier to sense (UNKNOWN); otherwise UP with a carrier, DOWN without.
std::string operstate(unsigned flags) {
  if (!(flags & IFF_UP)) return "DOWN";
  if (flags & IFF_LOOPBACK) return "UNKNOWN";
  return (flags & kLowerUp) ? "UP" : "DOWN";
}

// Every interface of this network namespace, in the kernel's order, with its addresses.
Result<std::vector<InterfaceEntry>> list_interfaces() {
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0)
    return Error(ErrorCode::kIo, std::string("getifaddrs: ") + std::strerror(errno));
  std::vector<InterfaceEntry> out;
  for (const ifaddrs* a = all; a; a = a->ifa_next) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const InterfaceEntry& e) { return e.name == a->ifa_name; });
    if (it == out.end()) {
      InterfaceEntry e;
      e.name = a->ifa_name;
      if (a->ifa_flags & IFF_UP) e.flags.push_back("UP");
      if (a->ifa_flags & kLowerUp) e.flags.push_back("LOWER_UP");
      e.operstate = operstate(a->ifa_flags);
      out.push_back(std::move(e));
      it = std::prev(out.end());
    }
    if (a->ifa_addr && (a->ifa_addr->sa_family == AF_INET || a->ifa_addr->sa_family == AF_INET6)) {
      std::string c = cidr(a->ifa_addr, a->ifa_netmask);
      if (!c.empty()) it->addresses.push_back(std::move(c));
    }
  }
  freeifaddrs(all);
  return out;
}

}  // namespace

Evidence run_interface(const checks::InterfaceCheck& c, const CheckContext&) {
  EvidenceBuilder ev;
  auto parsed = list_interfaces();
  if (!parsed) return error_evidence("interface " + c.name, parsed.error().to_string());
  auto it = std::find_if(parsed->begin(), parsed->end(),
                         [&](const InterfaceEntry& e) { return e.name == c.name; });
  if (it == parsed->end()) {
    std::string names;
    for (const auto& e : *parsed) names += (names.empty() ? "" : ", ") + e.name;
    ev.expect("interface " + c.name + " exists",
              "no interface " + c.name + " (have: " + names + ")", false);
    return ev.finish();
  }
  ev.expect("interface " + c.name + " exists", "interface " + c.name + " exists", true);
  if (c.up) {
    bool up = it->admin_up();
    ev.expect(c.name + (*c.up ? " up" : " down"),
              c.name + (up ? " up" : " down") + " (state " + it->operstate + ")", up == *c.up);
  }
  if (c.address) {
    std::string list;
    for (const auto& a : it->addresses) list += (list.empty() ? "" : ", ") + a;
    bool has =
        std::find(it->addresses.begin(), it->addresses.end(), *c.address) != it->addresses.end();
    ev.expect("address " + *c.address, "addresses " + (list.empty() ? std::string("none") : list),
              has);
  }
  return ev.finish();
}

}  // namespace atelier::agent
