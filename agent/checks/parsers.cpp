// Pure parsers for the system state the local checks read (see parsers.h).
#include "agent/checks/parsers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include <boost/json.hpp>

namespace atelier::agent {
namespace json = boost::json;

namespace {
std::string str_of(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  return "";
}

Result<json::value> parse_json(std::string_view text, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec)
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " is not JSON: " + ec.message());
  return v;
}
}  // namespace

std::vector<SocketEntry> parse_proc_net(std::string_view text, bool ipv6) {
  std::vector<SocketEntry> out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    std::string hex_addr = local.substr(0, colon);
    SocketEntry e;
    e.port = static_cast<std::uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16));
    e.state = static_cast<int>(std::stoul(state, nullptr, 16));
    char buf[INET6_ADDRSTRLEN] = {};
    if (!ipv6 && hex_addr.size() == 8) {
      in_addr a{};
      a.s_addr = static_cast<std::uint32_t>(std::stoul(hex_addr, nullptr, 16));
      inet_ntop(AF_INET, &a, buf, sizeof buf);
    } else if (ipv6 && hex_addr.size() == 32) {
      in6_addr a{};
      for (int i = 0; i < 4; ++i) {
        std::uint32_t word =
            static_cast<std::uint32_t>(std::stoul(hex_addr.substr(i * 8, 8), nullptr, 16));
        std::memcpy(&a.s6_addr[i * 4], &word, 4);
      }
      inet_ntop(AF_INET6, &a, buf, sizeof buf);
    } else {
      continue;
    }
    e.address = buf;
    out.push_back(std::move(e));
  }
  return out;
}

namespace {
std::string unescape_octal(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 &&
        std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

std::vector<MountEntry> parse_mounts(std::string_view text) {
  std::vector<MountEntry> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    MountEntry m;
    if (!(fields >> m.source >> m.target >> m.fstype >> m.options)) continue;
    m.source = unescape_octal(m.source);
    m.target = unescape_octal(m.target);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<RouteEntry>> parse_ip_route_json(std::string_view text) {
  auto v = parse_json(text, "ip -j route");
  if (!v) return std::move(v).error();
  if (!v->is_array()) return Error(ErrorCode::kInvalidArgument, "ip -j route: expected a list");
  std::vector<RouteEntry> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    RouteEntry r;
    r.destination = str_of(o, "dst");
    r.gateway = str_of(o, "gateway");
    r.device = str_of(o, "dev");
    r.table = str_of(o, "table");
    if (r.table.empty()) r.table = "main";
    r.type = str_of(o, "type");
    if (r.type.empty()) r.type = "unicast";
    out.push_back(std::move(r));
  }
  return out;
}

bool InterfaceEntry::admin_up() const {
  return std::find(flags.begin(), flags.end(), "UP") != flags.end();
}

Result<std::vector<InterfaceEntry>> parse_ip_addr_json(std::string_view text) {
  auto v = parse_json(text, "ip -j addr");
  if (!v) return std::move(v).error();
  if (!v->is_array()) return Error(ErrorCode::kInvalidArgument, "ip -j addr: expected a list");
  std::vector<InterfaceEntry> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    InterfaceEntry e;
    e.name = str_of(o, "ifname");
    e.mac = str_of(o, "address");
    e.operstate = str_of(o, "operstate");
    if (const auto* flags = o.if_contains("flags"); flags && flags->is_array()) {
      for (const auto& f : flags->as_array()) {
        if (f.is_string()) e.flags.emplace_back(f.as_string());
      }
    }
    if (const auto* addrs = o.if_contains("addr_info"); addrs && addrs->is_array()) {
      for (const auto& a : addrs->as_array()) {
        if (!a.is_object()) continue;
        std::string local = str_of(a.as_object(), "local");
        std::string len = str_of(a.as_object(), "prefixlen");
        if (!local.empty()) e.addresses.push_back(local + "/" + len);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

// ---- nft -----------------------------------------------------------------------------------

namespace {

std::string render_value(const json::value& v);

std::string render_object_value(const json::object& o) {
  if (const auto* p = o.if_contains("payload"); p && p->is_object()) {
    return str_of(p->as_object(), "protocol") + " " + str_of(p->as_object(), "field");
  }
  if (const auto* m = o.if_contains("meta"); m && m->is_object()) {
    std::string key = str_of(m->as_object(), "key");
    // nft prints the common meta keys without "meta".
    if (key == "iifname" || key == "oifname" || key == "iif" || key == "oif" || key == "mark")
      return key;
    return "meta " + key;
  }
  if (const auto* c = o.if_contains("ct"); c && c->is_object())
    return "ct " + str_of(c->as_object(), "key");
  if (const auto* p = o.if_contains("prefix"); p && p->is_object()) {
    return str_of(p->as_object(), "addr") + "/" + str_of(p->as_object(), "len");
  }
  if (const auto* r = o.if_contains("range"); r && r->is_array() && r->as_array().size() == 2) {
    return render_value(r->as_array()[0]) + "-" + render_value(r->as_array()[1]);
  }
  if (const auto* s = o.if_contains("set")) {
    if (s->is_array()) {
      std::string out = "{ ";
      bool first = true;
      for (const auto& e : s->as_array()) {
        if (!first) out += ", ";
        out += render_value(e);
        first = false;
      }
      return out + " }";
    }
    return render_value(*s);
  }
  if (!o.empty()) return std::string(o.begin()->key());
  return "";
}

std::string render_value(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_array()) {
    // A list on the right of "in" is a set of flags: "established, related".
    std::string out;
    for (const auto& e : v.as_array()) {
      if (!out.empty()) out += ",";
      out += render_value(e);
    }
    return out;
  }
  if (v.is_object()) return render_object_value(v.as_object());
  return "";
}

std::string render_statement(const json::object& stmt) {
  if (stmt.empty()) return "";
  const auto& kv = *stmt.begin();
  std::string key(kv.key());
  const json::value& arg = kv.value();
  if (key == "match" && arg.is_object()) {
    const auto& m = arg.as_object();
    std::string op = str_of(m, "op");
    std::string left = m.contains("left") ? render_value(m.at("left")) : "";
    std::string right = m.contains("right") ? render_value(m.at("right")) : "";
    if (op == "==" || op == "in") return left + " " + right;
    return left + " " + op + " " + right;
  }
  if (key == "counter") return "counter";
  if (key == "accept" || key == "drop" || key == "continue" || key == "return" ||
      key == "masquerade")
    return key;
  if (key == "reject") return "reject";
  if ((key == "jump" || key == "goto") && arg.is_object())
    return key + " " + str_of(arg.as_object(), "target");
  if ((key == "snat" || key == "dnat") && arg.is_object()) {
    std::string out =
        key + " to " +
        render_value(arg.as_object().contains("addr") ? arg.as_object().at("addr") : json::value());
    if (arg.as_object().contains("port")) out += ":" + render_value(arg.as_object().at("port"));
    return out;
  }
  if (key == "log") {
    std::string out = "log";
    if (arg.is_object() && arg.as_object().contains("prefix"))
      out += " prefix \"" + str_of(arg.as_object(), "prefix") + "\"";
    return out;
  }
  if (key == "limit" && arg.is_object()) {
    return "limit rate " + str_of(arg.as_object(), "rate") + "/" + str_of(arg.as_object(), "per");
  }
  return key;
}

}  // namespace

Result<NftRuleset> parse_nft_json(std::string_view text) {
  auto v = parse_json(text, "nft -j list ruleset");
  if (!v) return std::move(v).error();
  const json::value* items = v->is_object() ? v->as_object().if_contains("nftables") : nullptr;
  if (!items || !items->is_array())
    return Error(ErrorCode::kInvalidArgument, "nft -j: no \"nftables\" list");
  NftRuleset out;
  for (const auto& item : items->as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    if (const auto* t = o.if_contains("table"); t && t->is_object()) {
      out.tables.emplace_back(str_of(t->as_object(), "family"), str_of(t->as_object(), "name"));
    } else if (const auto* c = o.if_contains("chain"); c && c->is_object()) {
      const auto& co = c->as_object();
      out.chains.push_back({str_of(co, "family"), str_of(co, "table"), str_of(co, "name"),
                            str_of(co, "policy"), str_of(co, "hook")});
    } else if (const auto* r = o.if_contains("rule"); r && r->is_object()) {
      const auto& ro = r->as_object();
      NftRule rule{str_of(ro, "family"), str_of(ro, "table"), str_of(ro, "chain"), ""};
      if (const auto* exprs = ro.if_contains("expr"); exprs && exprs->is_array()) {
        for (const auto& e : exprs->as_array()) {
          if (!e.is_object()) continue;
          std::string part = render_statement(e.as_object());
          if (part.empty()) continue;
          if (!rule.text.empty()) rule.text += " ";
          rule.text += part;
        }
      }
      out.rules.push_back(std::move(rule));
    }
  }
  return out;
}

// Jumps to each "Package: NAME" line (dpkg writes the field once per stanza, with one space)
// instead of reading every stanza's fields: the status file of a desktop is megabytes long.
std::optional<DpkgEntry> find_dpkg_package(std::string_view text, std::string_view name) {
  std::optional<DpkgEntry> found;
  const std::string needle = "Package: " + std::string(name);
  std::size_t at = 0;
  while ((at = text.find(needle, at)) != std::string_view::npos) {
    std::size_t after = at + needle.size();
    bool line_start = at == 0 || text[at - 1] == '\n';
    bool line_end = after == text.size() || text[after] == '\n';
    at = after;
    if (!line_start || !line_end) continue;
    // The stanza: lines between empty lines.
    std::size_t begin = text.rfind("\n\n", after - needle.size());
    begin = begin == std::string_view::npos ? 0 : begin + 2;
    std::size_t end = text.find("\n\n", after);
    std::string_view stanza =
        text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    auto field = [&](std::string_view key) -> std::string_view {
      std::size_t pos = 0;
      while (pos < stanza.size()) {
        std::size_t eol = stanza.find('\n', pos);
        std::string_view line =
            stanza.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        if (line.size() > key.size() + 1 && line.substr(0, key.size()) == key &&
            line[key.size()] == ':') {
          std::string_view v = line.substr(key.size() + 1);
          while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
          return v;
        }
        if (eol == std::string_view::npos) break;
        pos = eol + 1;
      }
      return {};
    };
    if (field("Package") != name) continue;
    DpkgEntry e{std::string(field("Status")), std::string(field("Version"))};
    if (!found || (e.status == "install ok installed" && found->status != "install ok installed"))
      found = std::move(e);
  }
  return found;
}

std::optional<int> parse_ping_received(std::string_view text) {
  auto pos = text.find(" received");
  if (pos == std::string_view::npos) return std::nullopt;
  std::size_t start = pos;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
  if (start == pos) return std::nullopt;
  return std::stoi(std::string(text.substr(start, pos - start)));
}

std::string normalize_spaces(std::string_view text) {
  std::string out;
  bool blank = false;
  for (char ch : text) {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      blank = !out.empty();
    } else {
      if (blank) out += ' ';
      blank = false;
      out += ch;
    }
  }
  return out;
}

std::optional<unsigned> parse_mode(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '7') return std::nullopt;
    v = v * 8 + static_cast<unsigned>(ch - '0');
  }
  if (v > 07777) return std::nullopt;
  return v;
}

}  // namespace atelier::agent
