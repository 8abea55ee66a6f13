// The check kinds and their typed arguments, shared by the lab loader (which parses them from
// lab.yaml and check files), the controller (which sends them) and the agent (which runs them).
// String fields may hold {{variable}} templates until a lab is resolved for one candidate.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace atelier::checks {

enum class Transport { kTcp, kUdp };
enum class ServiceState { kRunning, kStopped };
enum class DnsType { kA, kAAAA, kMX, kSRV, kPTR, kCNAME, kTXT, kNS };
enum class SqlEngine { kPostgresql, kMariadb };
enum class LdapScope { kBase, kOne, kSub };

// ---- local state -------------------------------------------------------------------------

struct FileCheck {
  std::string path;
  bool exists = true;
  bool directory = false;           // when set, the path must be a directory
  std::optional<std::string> mode;  // octal, "0644"
  std::optional<std::string> owner;
  std::optional<std::string> group;
  std::optional<std::string> contains;  // a substring of the content
  std::optional<std::string> regex;     // an RE2 regex searched in the content (^ $ per line)
  std::optional<std::string> sha256;    // hex digest of the content
};

struct PackageCheck {
  std::string name;
  bool installed = true;
  std::optional<std::string> version;  // a prefix of the installed version
};

struct ServiceCheck {
  std::string name;
  std::optional<ServiceState> state;
  std::optional<bool> enabled;
};

struct UserCheck {  // through NSS, so directory users count
  std::string name;
  bool exists = true;
  std::optional<std::string> shell;
  std::optional<std::string> home;
  std::vector<std::string> groups;  // the user must belong to each
};

struct GroupCheck {
  std::string name;
  bool exists = true;
  std::vector<std::string> members;  // each must be a member
};

struct ProcessCheck {
  std::string name;  // the process name (comm), exact
  bool running = true;
  std::optional<std::string> user;
};

struct PortCheck {
  std::uint16_t port = 0;
  Transport protocol = Transport::kTcp;
  bool listening = true;
  std::optional<std::string> address;  // the local address it listens on
};

struct RouteCheck {
  std::string destination;  // a CIDR or "default"
  std::optional<std::string> gateway;
  std::optional<std::string> device;
  bool present = true;
};

struct InterfaceCheck {
  std::string name;
  std::optional<std::string> address;  // CIDR form, "10.10.0.5/24"
  std::optional<bool> up;
};

struct FirewallCheck {  // read from `nft -j list ruleset`
  std::string family = "inet";
  std::string table;
  std::optional<std::string> chain;
  std::optional<std::string> policy;  // the chain's policy: accept or drop
  std::optional<std::string> rule;    // a rule whose text contains this, e.g. "tcp dport 25 accept"
  bool present = true;
};

struct CommandCheck {
  std::string run;  // run by /bin/sh -c
  int exit_code = 0;
  std::optional<std::string> stdout_regex;
  std::optional<std::string> user;
};

struct SysctlCheck {
  std::string key;  // net.ipv4.ip_forward
  std::string value;
};

struct MountCheck {
  std::string path;
  bool mounted = true;
  std::optional<std::string> fstype;
  std::optional<std::string> source;
};

struct DiskFreeCheck {
  std::string path;
  std::optional<std::uint64_t> min_free_bytes;
  std::optional<double> min_free_percent;
};

// ---- protocol probes, run as a user of the lab would ----------------------------------------

struct TcpCheck {
  std::string host;
  std::uint16_t port = 0;
  bool open = true;
};

struct DnsCheck {
  std::string server;
  std::string name;
  DnsType type = DnsType::kA;
  std::vector<std::string> expect;  // each value must be in the answer; empty: any answer
  bool exists = true;
};

struct HttpCheck {
  std::string url;
  int status = 200;
  std::optional<std::string> body_regex;
};

struct SmtpCheck {
  std::string server;
  std::uint16_t port = 25;
  std::string from;
  std::string to;
  bool accepted = true;
};

struct ImapCheck {
  std::string server;
  std::uint16_t port = 143;
  std::string user;
  std::string password;
  std::string mailbox = "INBOX";
  std::optional<std::string> subject;  // a message with this subject must be there
};

struct LdapCheck {
  std::string url;  // ldap://10.10.0.10
  std::optional<std::string> bind_dn;
  std::optional<std::string> password;
  std::string base;
  std::string filter = "(objectClass=*)";
  LdapScope scope = LdapScope::kSub;
  std::optional<std::string> attribute;
  std::optional<std::string> value;  // the attribute must have this value
  std::optional<int> count;          // exact number of entries; default: at least one
};

struct SqlCheck {
  SqlEngine engine = SqlEngine::kPostgresql;
  std::string host;
  std::optional<std::uint16_t> port;
  std::string user;
  std::optional<std::string> password;
  std::string database;
  std::string query;
  std::vector<std::vector<std::string>> rows;  // expected rows, in order; empty: see `count`
  std::optional<int> count;                    // expected number of rows
  bool succeeds = true;                        // false: the query (or login) must fail
};

struct PingCheck {
  std::string host;
  bool reachable = true;
  int count = 2;
};

// A network policy, proved from the host the check runs on: "tcp/25 to mail is allowed".
struct FlowCheck {
  std::string to;  // a host of the lab or an address
  std::uint16_t port = 0;
  Transport protocol = Transport::kTcp;
  bool allowed = true;
};

using CheckKind =
    std::variant<FileCheck, PackageCheck, ServiceCheck, UserCheck, GroupCheck, ProcessCheck,
                 PortCheck, RouteCheck, InterfaceCheck, FirewallCheck, CommandCheck, SysctlCheck,
                 MountCheck, DiskFreeCheck, TcpCheck, DnsCheck, HttpCheck, SmtpCheck, ImapCheck,
                 LdapCheck, SqlCheck, PingCheck, FlowCheck>;

// The YAML key that names each kind, in the variant's order.
inline constexpr const char* kCheckKindNames[] = {
    "file",      "package",  "service", "user",   "group", "process",   "port", "route",
    "interface", "firewall", "command", "sysctl", "mount", "disk_free", "tcp",  "dns",
    "http",      "smtp",     "imap",    "ldap",   "sql",   "ping",      "flow"};
static_assert(std::size(kCheckKindNames) == std::variant_size_v<CheckKind>);

// One check as written in a lab's task or a check file.
struct Check {
  std::string on;           // the host it runs on (empty in a standalone file)
  std::string description;  // optional; generated from the kind when empty
  std::chrono::milliseconds timeout{10000};
  CheckKind kind;
};

inline const char* kind_name(const CheckKind& kind) {
  return kCheckKindNames[kind.index()];
}

// A protocol probe (tcp, dns, http, smtp, imap, ldap, sql, ping, flow): it talks to a lab's
// services over the network as a user would, so it can run from the grader endpoint (issue 20);
// the other kinds read the state of the host they run on.
inline bool is_protocol_check(const CheckKind& kind) {
  return std::holds_alternative<TcpCheck>(kind) || std::holds_alternative<DnsCheck>(kind) ||
         std::holds_alternative<HttpCheck>(kind) || std::holds_alternative<SmtpCheck>(kind) ||
         std::holds_alternative<ImapCheck>(kind) || std::holds_alternative<LdapCheck>(kind) ||
         std::holds_alternative<SqlCheck>(kind) || std::holds_alternative<PingCheck>(kind) ||
         std::holds_alternative<FlowCheck>(kind);
}

}  // namespace atelier::checks
