// Network helpers shared by the tcp, flow and dns checks (see net.h).
#include "agent/checks/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace atelier::agent {
namespace {

struct Resolved {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  std::string text;
  std::string error;
};

Resolved resolve(const std::string& host, std::uint16_t port, int socktype) {
  Resolved r;
  addrinfo hints{};
  hints.ai_socktype = socktype;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  std::string port_text = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
  if (rc != 0 || !res) {
    r.error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return r;
  }
  std::memcpy(&r.addr, res->ai_addr, res->ai_addrlen);
  r.len = res->ai_addrlen;
  r.family = res->ai_family;
  char buf[INET6_ADDRSTRLEN] = {};
  if (res->ai_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof buf);
    r.text = std::string(buf) + ":" + port_text;
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, buf, sizeof buf);
    r.text = "[" + std::string(buf) + "]:" + port_text;
  }
  freeaddrinfo(res);
  return r;
}

ProbeOutcome classify(int err) {
  switch (err) {
    case ECONNREFUSED:
      return ProbeOutcome::kRefused;
    case ETIMEDOUT:
      return ProbeOutcome::kTimeout;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EACCES:
    case EPERM:
      return ProbeOutcome::kUnreachable;
    default:
      return ProbeOutcome::kError;
  }
}

long ms_since(std::chrono::steady_clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start)
                               .count());
}

}  // namespace

ProbeResult tcp_probe(const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout) {
  ProbeResult out;
  Resolved r = resolve(host, port, SOCK_STREAM);
  out.address = r.text.empty() ? host + ":" + std::to_string(port) : r.text;
  if (!r.error.empty()) {
    out.detail = r.error;
    return out;
  }
  int fd = ::socket(r.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.detail = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  auto start = std::chrono::steady_clock::now();
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&r.addr), r.len);
  int err = rc == 0 ? 0 : errno;
  if (rc != 0 && err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n == 0) {
      ::close(fd);
      out.outcome = ProbeOutcome::kTimeout;
      out.detail =
          "no answer from " + out.address + " within " + std::to_string(timeout.count()) + " ms";
      return out;
    }
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  }
  ::close(fd);
  if (err == 0) {
    out.outcome = ProbeOutcome::kOpen;
    out.detail = "connected to " + out.address + " in " + std::to_string(ms_since(start)) + " ms";
  } else {
    out.outcome = classify(err);
    out.detail = "connect to " + out.address + ": " + std::strerror(err);
  }
  return out;
}

ProbeResult udp_probe(const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout) {
  ProbeResult out;
  Resolved r = resolve(host, port, SOCK_DGRAM);
  out.address = r.text.empty() ? host + ":" + std::to_string(port) : r.text;
  if (!r.error.empty()) {
    out.detail = r.error;
    return out;
  }
  int fd = ::socket(r.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.detail = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  // A connected udp socket reports ICMP port unreachable as ECONNREFUSED on the next recv.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&r.addr), r.len) != 0) {
    int err = errno;
    ::close(fd);
    out.outcome = classify(err);
    out.detail = "udp to " + out.address + ": " + std::strerror(err);
    return out;
  }
  // For port 53 a real query ("." NS), so that a DNS server answers; otherwise one zero byte.
  static const unsigned char kDnsQuery[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01};
  static const unsigned char kZero[] = {0};
  const void* payload =
      port == 53 ? static_cast<const void*>(kDnsQuery) : static_cast<const void*>(kZero);
  std::size_t size = port == 53 ? sizeof kDnsQuery : sizeof kZero;
  auto start = std::chrono::steady_clock::now();
  if (::send(fd, payload, size, 0) < 0) {
    int err = errno;
    ::close(fd);
    out.outcome = classify(err);
    out.detail = "send to " + out.address + ": " + std::strerror(err);
    return out;
  }
  pollfd p{fd, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n == 0) {
    ::close(fd);
    out.outcome = ProbeOutcome::kNoAnswer;
    out.detail = "no reply and no refusal from " + out.address + " within " +
                 std::to_string(timeout.count()) + " ms (udp: filtered, or nothing answers)";
    return out;
  }
  char buf[512];
  ssize_t got = ::recv(fd, buf, sizeof buf, 0);
  int err = got < 0 ? errno : 0;
  ::close(fd);
  if (got >= 0) {
    out.outcome = ProbeOutcome::kOpen;
    out.detail = "reply of " + std::to_string(got) + " bytes from " + out.address + " in " +
                 std::to_string(ms_since(start)) + " ms";
  } else {
    out.outcome = classify(err);
    out.detail = "udp to " + out.address + ": " + std::strerror(err);
  }
  return out;
}

}  // namespace atelier::agent
