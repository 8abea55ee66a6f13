// sock_diag.h: one NETLINK_SOCK_DIAG dump request, its answers read until NLMSG_DONE.
#include "agent/checks/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace atelier::agent {
namespace {

// Closes the netlink socket on every way out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

SocketEntry entry_of(const inet_diag_msg& d) {
  SocketEntry e;
  e.port = ntohs(d.id.idiag_sport);
  e.state = d.idiag_state;
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(d.idiag_family, d.id.idiag_src, text, sizeof text);
  e.address = text;
  return e;
}

bool send_request(int fd, bool ipv6, int protocol, std::uint32_t states) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = ipv6 ? AF_INET6 : AF_INET;
  message.request.sdiag_protocol = static_cast<std::uint8_t>(protocol);
  message.request.idiag_states = states;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  return sendto(fd, &message, sizeof message, 0, reinterpret_cast<const sockaddr*>(&kernel),
                sizeof kernel) == static_cast<ssize_t>(sizeof message);
}

}  // namespace

std::optional<std::vector<SocketEntry>> diag_sockets(bool ipv6, int protocol,
                                                     std::uint32_t states) {
  Fd sock{socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)};
  if (sock.fd < 0 || !send_request(sock.fd, ipv6, protocol, states)) return std::nullopt;
  std::vector<SocketEntry> out;
  alignas(nlmsghdr) char buffer[32768];
  for (;;) {
    ssize_t got = recv(sock.fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return std::nullopt;
    const auto total = static_cast<std::size_t>(got);
    // Each answer's header, then its payload, aligned (NLMSG_OK's checks, without its casts).
    for (std::size_t at = 0; at + sizeof(nlmsghdr) <= total;) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(buffer + at);
      if (h->nlmsg_len < sizeof(nlmsghdr) || at + h->nlmsg_len > total) break;
      if (h->nlmsg_type == NLMSG_DONE) return out;
      // An error answer (e.g. ENOENT: no diag module for this protocol).
      if (h->nlmsg_type == NLMSG_ERROR) return std::nullopt;
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
          h->nlmsg_len >= NLMSG_LENGTH(sizeof(inet_diag_msg))) {
        out.push_back(entry_of(*static_cast<const inet_diag_msg*>(NLMSG_DATA(h))));
      }
      at += NLMSG_ALIGN(h->nlmsg_len);
    }
  }
}

}  // namespace atelier::agent
