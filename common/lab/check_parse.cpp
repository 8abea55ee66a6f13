// The lab loader's check reader: one check's YAML map -> checks::Check, through check_fields.h's
// field lists, then the field rules beyond types (modes, URLs, addresses, regexes).
#include "common/lab/check_parse.h"

#include <regex>
#include <string>

#include "common/lab/check_fields.h"
#include "common/lab/lab_files.h"
#include "common/lab/names.h"
#include "common/text/regex.h"

namespace atelier::lab::detail {
namespace {

// Reads the fields of one check kind through check_fields.h's lists.
struct KindReader {
  MapReader& r;
  template <class T>
  void req(std::string_view key, T& out) {
    r.req(key, out);
  }
  template <class T>
  void opt(std::string_view key, T& out) {
    r.opt(key, out);
  }
};

// Field-level rules beyond types; `r` gives the positions.
class KindRules {
 public:
  explicit KindRules(MapReader& r) : r_(r) {}

  void operator()(const checks::FileCheck& c) {
    static const std::regex kMode("0?[0-7]{3,4}");
    if (c.mode && !has_template(*c.mode) && !std::regex_match(*c.mode, kMode)) {
      bad("mode", "'mode': expected an octal mode like \"0644\", got '" + *c.mode + "'");
    }
    static const std::regex kSha("[0-9a-f]{64}");
    if (c.sha256 && !has_template(*c.sha256) && !std::regex_match(*c.sha256, kSha)) {
      bad("sha256", "'sha256': expected 64 lowercase hex digits");
    }
    regex_ok("regex", c.regex);
  }
  void operator()(const checks::CommandCheck& c) {
    if (c.exit_code < 0 || c.exit_code > 255) bad("exit_code", "'exit_code': expected 0 to 255");
    regex_ok("stdout_regex", c.stdout_regex);
  }
  void operator()(const checks::HttpCheck& c) {
    if (!has_template(c.url) && c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) {
      bad("url", "'url': expected an http:// or https:// URL, got '" + c.url + "'");
    }
    if (c.status < 100 || c.status > 599)
      bad("status", "'status': expected an HTTP status 100 to 599");
    regex_ok("body_regex", c.body_regex);
  }
  void operator()(const checks::LdapCheck& c) {
    if (!has_template(c.url) && c.url.rfind("ldap://", 0) != 0 && c.url.rfind("ldaps://", 0) != 0) {
      bad("url", "'url': expected an ldap:// or ldaps:// URL, got '" + c.url + "'");
    }
    if (c.count && *c.count < 0) bad("count", "'count': expected 0 or more");
    if (c.value && !c.attribute)
      bad("value", "'value' needs 'attribute': the attribute that must have it");
  }
  void operator()(const checks::SqlCheck& c) {
    if (c.count && *c.count < 0) bad("count", "'count': expected 0 or more");
  }
  void operator()(const checks::PingCheck& c) {
    if (c.count < 1 || c.count > 100) bad("count", "'count': expected 1 to 100");
  }
  void operator()(const checks::FirewallCheck& c) {
    static const std::vector<std::string> kFamilies = {"inet", "ip",     "ip6",
                                                       "arp",  "bridge", "netdev"};
    if (std::find(kFamilies.begin(), kFamilies.end(), c.family) == kFamilies.end()) {
      bad("family",
          "'family': expected one of inet, ip, ip6, arp, bridge, netdev, got '" + c.family + "'");
    }
    if (c.policy && *c.policy != "accept" && *c.policy != "drop") {
      bad("policy", "'policy': expected accept or drop, got '" + *c.policy + "'");
    }
    if (c.policy && !c.chain) bad("policy", "'policy' needs 'chain': the chain whose policy it is");
  }
  void operator()(const checks::RouteCheck& c) {
    if (c.destination != "default" && !has_template(c.destination) &&
        !Ipv4Network::parse(c.destination).ok()) {
      bad("destination",
          "'destination': expected \"default\" or a network like 10.20.0.0/24, got '" +
              c.destination + "'");
    }
    if (c.gateway && !has_template(*c.gateway) && !Ipv4Address::parse(*c.gateway)) {
      bad("gateway", "'gateway': expected an IPv4 address, got '" + *c.gateway + "'");
    }
  }
  void operator()(const checks::InterfaceCheck& c) {
    if (c.address && !has_template(*c.address)) {
      auto slash = c.address->find('/');
      bool good = slash != std::string::npos &&
                  Ipv4Address::parse(std::string_view(*c.address).substr(0, slash)) &&
                  Ipv4Network::parse("0.0.0.0" + c.address->substr(slash)).ok();
      if (!good)
        bad("address", "'address': expected an address with its prefix like 10.10.0.5/24, got '" +
                           *c.address + "'");
    }
  }
  void operator()(const checks::DiskFreeCheck& c) {
    if (!c.min_free_bytes && !c.min_free_percent) {
      r_.ctx().error(r_.mark(), "a disk_free check needs 'min_free_bytes' or 'min_free_percent'");
    }
    if (c.min_free_percent && (*c.min_free_percent < 0 || *c.min_free_percent > 100)) {
      bad("min_free_percent", "'min_free_percent': expected 0 to 100");
    }
  }
  template <class T>
  void operator()(const T&) {}

 private:
  void bad(std::string_view key, std::string message) {
    for (auto& e : r_.entries()) {
      if (e.key == key) {
        r_.ctx().error(e.value, std::move(message));
        return;
      }
    }
    r_.ctx().error(r_.mark(), std::move(message));
  }
  void regex_ok(std::string_view key, const std::optional<std::string>& re) {
    if (!re || has_template(*re)) return;
    if (re->size() > 512) {
      bad(key, "'" + std::string(key) + "': regex longer than 512 characters");
      return;
    }
    if (auto compiled = text::Regex::compile(*re); !compiled) {
      bad(key, "'" + std::string(key) + "': " + compiled.error().message() +
                   " (RE2 syntax: no backreferences or lookaround)");
    }
  }
  MapReader& r_;
};

std::string kind_list() {
  std::string out;
  for (const char* k : checks::kCheckKindNames) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

}  // namespace

bool parse_check(Ctx& ctx, const YAML::Node& n, const std::string& path, bool on_required,
                 checks::Check& out) {
  ctx.record(path, n);
  MapReader r(ctx, n, path, "a check", "",
              "a check: a map with one kind key such as file: or service:");
  if (!r.is_map()) return false;
  std::size_t errors_before = ctx.error_count();
  std::vector<std::pair<std::size_t, MapReader::Entry*>> kinds;
  bool unknown = false;
  for (auto& e : r.entries()) {
    bool is_kind = false;
    for (std::size_t i = 0; i < std::size(checks::kCheckKindNames); ++i) {
      if (e.key == checks::kCheckKindNames[i]) {
        kinds.emplace_back(i, &e);
        is_kind = true;
      }
    }
    if (!is_kind && e.key != "on" && e.key != "description" && e.key != "timeout") unknown = true;
  }
  for (const char* k : checks::kCheckKindNames) r.know(k);
  if (on_required) {
    r.req("on", out.on);
  } else {
    r.opt("on", out.on);
  }
  r.opt("description", out.description);
  r.opt("timeout", out.timeout);
  if (out.timeout.count() <= 0) {
    ctx.error(*r.get("timeout"), "'timeout': expected a duration above zero");
  }
  if (kinds.empty() && !unknown) {
    ctx.error(r.mark(), "a check needs one kind key: one of " + kind_list());
  } else if (kinds.size() > 1) {
    ctx.error(kinds[1].second->key_node, "a check has one kind, this one has '" +
                                             kinds[0].second->key + "' and '" +
                                             kinds[1].second->key + "'; write two checks");
  } else if (kinds.size() == 1) {
    auto& [index, entry] = kinds[0];
    entry->used = true;
    out.kind = checks::make_check_kind(index);
    std::string kind_name = entry->key;
    MapReader kr(ctx, entry->value, path + "." + kind_name, "the '" + kind_name + "' check",
                 kind_name, "a map of the " + kind_name + " check's fields");
    if (kr.is_map()) {
      std::size_t before = ctx.error_count();
      std::visit(
          [&](auto& kind) {
            KindReader v{kr};
            checks::visit_fields(kind, v);
          },
          out.kind);
      kr.finish();
      if (ctx.error_count() == before) std::visit(KindRules(kr), out.kind);
    }
  }
  r.finish();
  return ctx.error_count() == errors_before;
}

}  // namespace atelier::lab::detail
