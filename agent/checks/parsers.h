// Pure parsers for the system state the local checks read: /proc/net/{tcp,udp}[6],
// /proc/self/mounts, `ip -j route`, `ip -j addr`, `nft -j list ruleset`, ping's summary.
// No I/O here: each takes the text and is table-tested on captured input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace atelier::agent {

struct SocketEntry {
  std::string address;  // "127.0.0.1", "::", "::1"
  std::uint16_t port = 0;
  int state = 0;  // the kernel's TCP state number: 0x0A listen, 0x07 close (bound udp)
};
// Parses /proc/net/tcp, tcp6, udp or udp6 (the format is the same; `ipv6` picks the width).
std::vector<SocketEntry> parse_proc_net(std::string_view text, bool ipv6);

struct MountEntry {
  std::string source;
  std::string target;
  std::string fstype;
  std::string options;
};
// Parses /proc/self/mounts, decoding the octal escapes (\040 for a space).
std::vector<MountEntry> parse_mounts(std::string_view text);

struct RouteEntry {
  std::string destination;  // "default", "10.0.0.0/24", "10.0.0.1" (a host route)
  std::string gateway;
  std::string device;
  std::string table;  // "main" when ip does not say
  std::string type;   // "unicast" when ip does not say
};
Result<std::vector<RouteEntry>> parse_ip_route_json(std::string_view text);

struct InterfaceEntry {
  std::string name;
  std::string mac;
  std::vector<std::string> flags;      // "UP", "LOWER_UP", ...
  std::string operstate;               // "UP", "DOWN", "UNKNOWN"
  std::vector<std::string> addresses;  // CIDR form
  bool admin_up() const;
};
Result<std::vector<InterfaceEntry>> parse_ip_addr_json(std::string_view text);

struct NftChain {
  std::string family, table, name;
  std::string policy;  // empty for a regular (non-base) chain
  std::string hook;
};
struct NftRule {
  std::string family, table, chain;
  std::string text;  // rendered like `nft list`: "tcp dport 25 accept"
};
struct NftRuleset {
  std::vector<std::pair<std::string, std::string>> tables;  // (family, name)
  std::vector<NftChain> chains;
  std::vector<NftRule> rules;
};
// Parses `nft -j list ruleset` and renders each rule's expressions as nft's own text does for
// the common statements (match, counter, verdicts, nat, log, limit); anything else renders as
// its JSON key, so a rule is still findable by the parts we do know.
Result<NftRuleset> parse_nft_json(std::string_view text);

struct DpkgEntry {
  std::string status;  // "install ok installed", "deinstall ok config-files", ...
  std::string version;
};
// Finds a package in /var/lib/dpkg/status (the database dpkg-query reads); with several
// architectures of one package, an installed one wins. nullopt when dpkg never heard of it.
std::optional<DpkgEntry> find_dpkg_package(std::string_view status_file, std::string_view name);

// From ping's summary "2 packets transmitted, 2 received, 0% packet loss": the received count.
std::optional<int> parse_ping_received(std::string_view text);

// Collapses runs of blanks (sysctl values like "32768\t60999") to one space and trims.
std::string normalize_spaces(std::string_view text);

// Parses an octal mode "0644" or "644"; nullopt when it is not octal or above 07777.
std::optional<unsigned> parse_mode(std::string_view text);

}  // namespace atelier::agent
