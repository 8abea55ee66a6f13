// The `dns` check: asks the given server (not the system resolver) for a name and type through
// libresolv, over udp with tcp fallback, and compares the answer set. `server` is an address,
// optionally with a port: "10.0.0.53", "127.0.0.1:5353", "[::1]:5353".
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "agent/checks/check.h"

namespace atelier::agent {
namespace {

constexpr const char* kTypeNames[] = {"A", "AAAA", "MX", "SRV", "PTR", "CNAME", "TXT", "NS"};
constexpr int kTypeCodes[] = {ns_t_a,   ns_t_aaaa,  ns_t_mx,  ns_t_srv,
                              ns_t_ptr, ns_t_cname, ns_t_txt, ns_t_ns};

std::string strip_dot(std::string s) {
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// "1.2.3.4" -> "4.3.2.1.in-addr.arpa" so that a PTR check can name the address itself.
std::string ptr_name(const std::string& name) {
  in_addr a4{};
  if (inet_pton(AF_INET, name.c_str(), &a4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&a4);
    return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." +
           std::to_string(b[0]) + ".in-addr.arpa";
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, name.c_str(), &a6) == 1) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
      out += hex[a6.s6_addr[i] & 15];
      out += '.';
      out += hex[a6.s6_addr[i] >> 4];
      out += '.';
    }
    return out + "ip6.arpa";
  }
  return name;
}

bool parse_server(const std::string& server, sockaddr_in& v4, sockaddr_in6& v6, bool& is_v6) {
  std::string host = server;
  std::uint16_t port = 53;
  if (!server.empty() && server[0] == '[') {
    auto close = server.find(']');
    if (close == std::string::npos) return false;
    host = server.substr(1, close - 1);
    if (close + 1 < server.size() && server[close + 1] == ':')
      port = static_cast<std::uint16_t>(std::stoi(server.substr(close + 2)));
  } else if (std::count(server.begin(), server.end(), ':') == 1) {
    auto colon = server.find(':');
    host = server.substr(0, colon);
    port = static_cast<std::uint16_t>(std::stoi(server.substr(colon + 1)));
  }
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    is_v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    is_v6 = true;
    return true;
  }
  return false;
}

std::string render_rr(const ns_msg& msg, const ns_rr& rr) {
  const unsigned char* data = ns_rr_rdata(rr);
  char name[NS_MAXDNAME];
  char buf[INET6_ADDRSTRLEN];
  switch (ns_rr_type(rr)) {
    case ns_t_a:
      if (ns_rr_rdlen(rr) == 4) return inet_ntop(AF_INET, data, buf, sizeof buf);
      break;
    case ns_t_aaaa:
      if (ns_rr_rdlen(rr) == 16) return inet_ntop(AF_INET6, data, buf, sizeof buf);
      break;
    case ns_t_mx:
      if (ns_rr_rdlen(rr) > 2 &&
          dn_expand(ns_msg_base(msg), ns_msg_end(msg), data + 2, name, sizeof name) >= 0) {
        return std::to_string(ns_get16(data)) + " " + strip_dot(name);
      }
      break;
    case ns_t_srv:
      if (ns_rr_rdlen(rr) > 6 &&
          dn_expand(ns_msg_base(msg), ns_msg_end(msg), data + 6, name, sizeof name) >= 0) {
        return std::to_string(ns_get16(data)) + " " + std::to_string(ns_get16(data + 2)) + " " +
               std::to_string(ns_get16(data + 4)) + " " + strip_dot(name);
      }
      break;
    case ns_t_ptr:
    case ns_t_cname:
    case ns_t_ns:
      if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), data, name, sizeof name) >= 0)
        return strip_dot(name);
      break;
    case ns_t_txt: {
      std::string out;
      const unsigned char* p = data;
      const unsigned char* end = data + ns_rr_rdlen(rr);
      while (p < end) {
        unsigned len = *p++;
        if (p + len > end) break;
        out.append(reinterpret_cast<const char*>(p), len);
        p += len;
      }
      return out;
    }
    default:
      break;
  }
  return "?";
}

// An expected value matches an answer exactly, or, for MX and SRV, the target host alone.
bool value_matches(const std::string& want, const std::string& have) {
  std::string w = strip_dot(want);
  if (w == strip_dot(have)) return true;
  auto space = have.rfind(' ');
  return space != std::string::npos && w == have.substr(space + 1);
}

// What the check expects, in words: "A web.lab.test at 10.0.0.53 includes 10.0.0.80".
std::string expectation(const checks::DnsCheck& c, const char* type) {
  std::string what = std::string(type) + " " + c.name + " at " + c.server;
  if (!c.exists) return "no " + what;
  if (c.expect.empty()) return what + " answers";
  std::string want = what + " includes ";
  for (std::size_t i = 0; i < c.expect.size(); ++i) want += (i ? ", " : "") + c.expect[i];
  return want;
}

}  // namespace

Evidence run_dns(const checks::DnsCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  const char* type = kTypeNames[static_cast<int>(c.type)];
  std::string qname = c.type == checks::DnsType::kPTR ? ptr_name(c.name) : c.name;
  std::string want = expectation(c, type);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  bool is_v6 = false;
  bool parsed = false;
  try {
    parsed = parse_server(c.server, v4, v6, is_v6);
  } catch (const std::exception&) {
  }
  if (!parsed) {
    ev.expect(want, "", false);
    return ev.error("server \"" + c.server + "\" is not an address[:port]");
  }
  struct __res_state st;
  std::memset(&st, 0, sizeof st);
  if (res_ninit(&st) != 0) return error_evidence(want, "res_ninit failed");
  // Only the given server; our own timeout split over two tries.
  int seconds = std::max(1, static_cast<int>(ctx.timeout.count() / 1000 / 2));
  st.retrans = seconds;
  st.retry = 1;
  st.options &= ~(RES_DNSRCH | RES_DEFNAMES);
  if (is_v6) {
    res_nclose(&st);
    ev.expect(want, "", false);
    return ev.error("IPv6 DNS servers are not supported yet: give the server's IPv4 address");
  }
  st.nscount = 1;
  st.nsaddr_list[0] = v4;
  std::vector<unsigned char> answer(65536);
  int len = res_nquery(&st, qname.c_str(), ns_c_in, kTypeCodes[static_cast<int>(c.type)],
                       answer.data(), static_cast<int>(answer.size()));
  int herr = st.res_h_errno;
  res_nclose(&st);
  if (len < 0) {
    if (herr == HOST_NOT_FOUND || herr == NO_DATA) {
      std::string seen = herr == HOST_NOT_FOUND
                             ? "NXDOMAIN for " + qname
                             : "no " + std::string(type) + " records for " + qname;
      ev.expect(want, seen, !c.exists);
      return ev.finish();
    }
    ev.expect(want, "", false);
    return ev.error(std::string("no usable answer from ") + c.server + ": " +
                    (herr == TRY_AGAIN ? "timed out or SERVFAIL" : hstrerror(herr)));
  }
  ns_msg msg;
  if (ns_initparse(answer.data(), len, &msg) != 0)
    return ev.error("unparsable answer from " + c.server);
  std::vector<std::string> values;
  int type_code = kTypeCodes[static_cast<int>(c.type)];
  for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) continue;
    if (ns_rr_type(rr) != type_code) continue;  // CNAMEs on the way
    values.push_back(render_rr(msg, rr));
  }
  std::string seen;
  for (const auto& v : values) seen += (seen.empty() ? "" : ", ") + v;
  seen = values.empty() ? "no " + std::string(type) + " records for " + qname
                        : std::string(type) + " " + c.name + " = " + seen;
  bool ok;
  if (!c.exists) {
    ok = values.empty();
  } else {
    ok = !values.empty();
    for (const auto& w : c.expect) {
      ok = ok && std::any_of(values.begin(), values.end(),
                             [&](const std::string& v) { return value_matches(w, v); });
    }
  }
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
