// The fields of every check kind, listed once: the loader, the JSON writer/reader and the variant
// resolver all walk a check through these lists, so a field added to common/check_spec.h is
// added here once and is then parsed, printed and resolved everywhere.
// A visitor provides req(name, T&) for required fields and opt(name, T&) for optional ones (a
// plain T keeps its default when absent; std::optional<T> stays empty).
#pragma once

#include <string_view>

#include "common/check_spec.h"

namespace atelier::checks {

template <class V>
void visit_fields(FileCheck& c, V& v) {
  v.req("path", c.path);
  v.opt("exists", c.exists);
  v.opt("directory", c.directory);
  v.opt("mode", c.mode);
  v.opt("owner", c.owner);
  v.opt("group", c.group);
  v.opt("contains", c.contains);
  v.opt("regex", c.regex);
  v.opt("sha256", c.sha256);
}
template <class V>
void visit_fields(PackageCheck& c, V& v) {
  v.req("name", c.name);
  v.opt("installed", c.installed);
  v.opt("version", c.version);
}
template <class V>
void visit_fields(ServiceCheck& c, V& v) {
  v.req("name", c.name);
  v.opt("state", c.state);
  v.opt("enabled", c.enabled);
}
template <class V>
void visit_fields(UserCheck& c, V& v) {
  v.req("name", c.name);
  v.opt("exists", c.exists);
  v.opt("shell", c.shell);
  v.opt("home", c.home);
  v.opt("groups", c.groups);
}
template <class V>
void visit_fields(GroupCheck& c, V& v) {
  v.req("name", c.name);
  v.opt("exists", c.exists);
  v.opt("members", c.members);
}
template <class V>
void visit_fields(ProcessCheck& c, V& v) {
  v.req("name", c.name);
  v.opt("running", c.running);
  v.opt("user", c.user);
}
template <class V>
void visit_fields(PortCheck& c, V& v) {
  v.req("port", c.port);
  v.opt("protocol", c.protocol);
  v.opt("listening", c.listening);
  v.opt("address", c.address);
}
template <class V>
void visit_fields(RouteCheck& c, V& v) {
  v.req("destination", c.destination);
  v.opt("gateway", c.gateway);
  v.opt("device", c.device);
  v.opt("present", c.present);
}
template <class V>
void visit_fields(InterfaceCheck& c, V& v) {
  v.req("name", c.name);
  v.opt("address", c.address);
  v.opt("up", c.up);
}
template <class V>
void visit_fields(FirewallCheck& c, V& v) {
  v.opt("family", c.family);
  v.req("table", c.table);
  v.opt("chain", c.chain);
  v.opt("policy", c.policy);
  v.opt("rule", c.rule);
  v.opt("present", c.present);
}
template <class V>
void visit_fields(CommandCheck& c, V& v) {
  v.req("run", c.run);
  v.opt("exit_code", c.exit_code);
  v.opt("stdout_regex", c.stdout_regex);
  v.opt("user", c.user);
}
template <class V>
void visit_fields(SysctlCheck& c, V& v) {
  v.req("key", c.key);
  v.req("value", c.value);
}
template <class V>
void visit_fields(MountCheck& c, V& v) {
  v.req("path", c.path);
  v.opt("mounted", c.mounted);
  v.opt("fstype", c.fstype);
  v.opt("source", c.source);
}
template <class V>
void visit_fields(DiskFreeCheck& c, V& v) {
  v.req("path", c.path);
  v.opt("min_free_bytes", c.min_free_bytes);
  v.opt("min_free_percent", c.min_free_percent);
}
template <class V>
void visit_fields(TcpCheck& c, V& v) {
  v.req("host", c.host);
  v.req("port", c.port);
  v.opt("open", c.open);
}
template <class V>
void visit_fields(DnsCheck& c, V& v) {
  v.req("server", c.server);
  v.req("name", c.name);
  v.opt("type", c.type);
  v.opt("expect", c.expect);
  v.opt("exists", c.exists);
}
template <class V>
void visit_fields(HttpCheck& c, V& v) {
  v.req("url", c.url);
  v.opt("status", c.status);
  v.opt("body_regex", c.body_regex);
}
template <class V>
void visit_fields(SmtpCheck& c, V& v) {
  v.req("server", c.server);
  v.opt("port", c.port);
  v.req("from", c.from);
  v.req("to", c.to);
  v.opt("accepted", c.accepted);
}
template <class V>
void visit_fields(ImapCheck& c, V& v) {
  v.req("server", c.server);
  v.opt("port", c.port);
  v.req("user", c.user);
  v.req("password", c.password);
  v.opt("mailbox", c.mailbox);
  v.opt("subject", c.subject);
}
template <class V>
void visit_fields(LdapCheck& c, V& v) {
  v.req("url", c.url);
  v.opt("bind_dn", c.bind_dn);
  v.opt("password", c.password);
  v.req("base", c.base);
  v.opt("filter", c.filter);
  v.opt("scope", c.scope);
  v.opt("attribute", c.attribute);
  v.opt("value", c.value);
  v.opt("count", c.count);
}
template <class V>
void visit_fields(SqlCheck& c, V& v) {
  v.opt("engine", c.engine);
  v.req("host", c.host);
  v.opt("port", c.port);
  v.req("user", c.user);
  v.opt("password", c.password);
  v.req("database", c.database);
  v.req("query", c.query);
  v.opt("rows", c.rows);
  v.opt("count", c.count);
  v.opt("succeeds", c.succeeds);
}
template <class V>
void visit_fields(PingCheck& c, V& v) {
  v.req("host", c.host);
  v.opt("reachable", c.reachable);
  v.opt("count", c.count);
}
template <class V>
void visit_fields(FlowCheck& c, V& v) {
  v.req("to", c.to);
  v.req("port", c.port);
  v.opt("protocol", c.protocol);
  v.opt("allowed", c.allowed);
}

// Names of the values of the enums that checks use, index = enumerator value.
template <class E>
struct EnumNames;
template <>
struct EnumNames<Transport> {
  static constexpr std::string_view kNames[] = {"tcp", "udp"};
};
template <>
struct EnumNames<ServiceState> {
  static constexpr std::string_view kNames[] = {"running", "stopped"};
};
template <>
struct EnumNames<DnsType> {
  static constexpr std::string_view kNames[] = {"A",   "AAAA",  "MX",  "SRV",
                                                "PTR", "CNAME", "TXT", "NS"};
};
template <>
struct EnumNames<SqlEngine> {
  static constexpr std::string_view kNames[] = {"postgresql", "mariadb"};
};
template <>
struct EnumNames<LdapScope> {
  static constexpr std::string_view kNames[] = {"base", "one", "sub"};
};

template <class E>
std::string_view enum_name(E e) {
  return EnumNames<E>::kNames[static_cast<int>(e)];
}

// Constructs the default value of the kind at `index` of CheckKind.
CheckKind make_check_kind(std::size_t index);

}  // namespace atelier::checks
