// Table tests of the agent's pure parsers on captured input, and of the firewall evaluation
// on a ruleset captured from a real nft in a throwaway network namespace.
#include <gtest/gtest.h>

#include <cstdio>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "common/process/run_process.h"

namespace atelier::agent {
Evidence evaluate_firewall(const checks::FirewallCheck& c, const NftRuleset& rs);

namespace {

TEST(ProcNet, ParsesIpv4AndIpv6Listeners) {
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
      "inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
      "1 1 0\n"
      "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
      "2 1 0\n"
      "   2: 0100007F:A0B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 "
      "3 1 0\n";
  auto v4 = parse_proc_net(tcp, false);
  ASSERT_EQ(v4.size(), 3u);
  EXPECT_EQ(v4[0].address, "127.0.0.1");
  EXPECT_EQ(v4[0].port, 8080);
  EXPECT_EQ(v4[0].state, 0x0A);
  EXPECT_EQ(v4[1].address, "0.0.0.0");
  EXPECT_EQ(v4[1].port, 22);
  EXPECT_EQ(v4[2].state, 0x01);
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st "
      "tx_queue\n"
      "   0: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 0A "
      "00000000:00000000\n"
      "   1: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A "
      "00000000:00000000\n";
  auto v6 = parse_proc_net(tcp6, true);
  ASSERT_EQ(v6.size(), 2u);
  EXPECT_EQ(v6[0].address, "::1");
  EXPECT_EQ(v6[0].port, 53);
  EXPECT_EQ(v6[1].address, "::");
  EXPECT_EQ(v6[1].port, 443);
  EXPECT_TRUE(parse_proc_net("header only\n", false).empty());
}

TEST(Mounts, DecodesOctalEscapes) {
  auto m = parse_mounts("proc /proc proc rw,nosuid 0 0\n/dev/vdb /srv/my\\040data ext4 rw 0 0\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].fstype, "proc");
  EXPECT_EQ(m[1].target, "/srv/my data");
  EXPECT_EQ(m[1].source, "/dev/vdb");
}

TEST(IpJson, ParsesRoutesAndAddresses) {
  auto routes = parse_ip_route_json(
      R"([{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]},)"
      R"({"type":"local","dst":"127.0.0.0/8","dev":"lo","table":"local","protocol":"kernel","flags":[]}])");
  ASSERT_TRUE(routes.ok());
  ASSERT_EQ(routes->size(), 2u);
  EXPECT_EQ((*routes)[0].gateway, "10.0.0.1");
  EXPECT_EQ((*routes)[0].table, "main");
  EXPECT_EQ((*routes)[1].table, "local");
  EXPECT_EQ((*routes)[1].type, "local");
  EXPECT_FALSE(parse_ip_route_json("{").ok());

  auto ifs = parse_ip_addr_json(
      R"([{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"operstate":"UNKNOWN","address":"00:00:00:00:00:00",)"
      R"("addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8},{"family":"inet6","local":"::1","prefixlen":128}]},)"
      R"({"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST"],"operstate":"DOWN","address":"52:54:00:12:34:56","addr_info":[]}])");
  ASSERT_TRUE(ifs.ok());
  ASSERT_EQ(ifs->size(), 2u);
  EXPECT_TRUE((*ifs)[0].admin_up());
  EXPECT_EQ((*ifs)[0].addresses, (std::vector<std::string>{"127.0.0.1/8", "::1/128"}));
  EXPECT_FALSE((*ifs)[1].admin_up());
  EXPECT_EQ((*ifs)[1].mac, "52:54:00:12:34:56");
}

// Captured from nft 1.0.6 (Debian 12) after:
//   nft add table inet t; nft add chain inet t input '{ type filter hook input priority 0; policy
//   drop; }' nft add rule inet t input tcp dport 25 accept nft add rule inet t input ip
//   saddr 10.0.0.0/8 udp dport { 53, 123 } counter accept nft add rule inet t input ct state
//   established,related accept
const char* kCapturedRuleset =
    R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},)"
    R"( {"table": {"family": "inet", "name": "t", "handle": 1}},)"
    R"( {"chain": {"family": "inet", "table": "t", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},)"
    R"( {"rule": {"family": "inet", "table": "t", "chain": "input", "handle": 2, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 25}}, {"accept": null}]}},)"
    R"( {"rule": {"family": "inet", "table": "t", "chain": "input", "handle": 4, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": {"set": [53, 123]}}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}},)"
    R"( {"rule": {"family": "inet", "table": "t", "chain": "input", "handle": 5, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}]})";

TEST(Nft, RendersRulesLikeNftDoes) {
  auto rs = parse_nft_json(kCapturedRuleset);
  ASSERT_TRUE(rs.ok()) << rs.error().to_string();
  ASSERT_EQ(rs->tables.size(), 1u);
  ASSERT_EQ(rs->chains.size(), 1u);
  EXPECT_EQ(rs->chains[0].policy, "drop");
  ASSERT_EQ(rs->rules.size(), 3u);
  EXPECT_EQ(rs->rules[0].text, "tcp dport 25 accept");
  EXPECT_EQ(rs->rules[1].text, "ip saddr 10.0.0.0/8 udp dport { 53, 123 } counter accept");
  EXPECT_EQ(rs->rules[2].text, "ct state established,related accept");
  EXPECT_FALSE(parse_nft_json("{}").ok());
}

TEST(Nft, EvaluatesFirewallChecksWithEvidence) {
  auto rs = parse_nft_json(kCapturedRuleset);
  ASSERT_TRUE(rs.ok());
  struct Case {
    checks::FirewallCheck check;
    CheckStatus status;
    const char* observed_part;
  } cases[] = {
      {{"inet", "t", "input", "drop", "tcp dport 25 accept", true},
       CheckStatus::kPass,
       "rule \"tcp dport 25 accept\" present"},
      {{"inet", "t", "input", "accept", std::nullopt, true},
       CheckStatus::kFail,
       "chain input policy drop"},
      {{"inet", "t", "input", std::nullopt, "tcp dport 22 accept", true},
       CheckStatus::kFail,
       "no rule contains \"tcp dport 22 accept\""},
      {{"inet", "t", "input", std::nullopt, "tcp dport 22 accept", false},
       CheckStatus::kPass,
       "no rule contains"},
      {{"inet", "t", std::nullopt, std::nullopt, "udp dport { 53, 123 }", true},
       CheckStatus::kPass,
       "rule in chain input"},
      {{"ip", "t", std::nullopt, std::nullopt, std::nullopt, true},
       CheckStatus::kFail,
       "no table ip t"},
      {{"inet", "t", "forward", std::nullopt, std::nullopt, true},
       CheckStatus::kFail,
       "no chain forward in table inet t"},
      {{"inet", "nat", std::nullopt, std::nullopt, std::nullopt, false},
       CheckStatus::kPass,
       "no table inet nat"},
  };
  for (const auto& c : cases) {
    Evidence e = evaluate_firewall(c.check, *rs);
    EXPECT_EQ(e.status, c.status) << e.expected << " / " << e.observed;
    EXPECT_NE(e.observed.find(c.observed_part), std::string::npos) << e.observed;
  }
}

// The same, on a ruleset written by the real nft into a private network namespace, so that
// this test follows nft's JSON if a newer nft changes it; the host's ruleset is never touched.
TEST(Nft, ParsesWhatTheRealNftPrints) {
  auto r = process::run_process(
      {{"unshare", "-n", "sh", "-c",
        "nft add table inet t && nft add chain inet t input '{ type filter hook input priority 0; "
        "policy drop; }' && "
        "nft add rule inet t input tcp dport 25 accept && nft -j list ruleset"},
       {},
       "",
       "",
       std::chrono::seconds(20)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  if (r->exit_code != 0) GTEST_SKIP() << "cannot create a network namespace here: " << r->err;
  auto rs = parse_nft_json(r->out);
  ASSERT_TRUE(rs.ok()) << rs.error().to_string();
  Evidence e = evaluate_firewall({"inet", "t", "input", "drop", "tcp dport 25 accept", true}, *rs);
  EXPECT_EQ(e.status, CheckStatus::kPass) << e.observed;
}

TEST(Dpkg, FindsPackagesInTheStatusFile) {
  const char* status =
      "Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9\n\n"
      "Package: postfix\nStatus: deinstall ok config-files\nVersion: "
      "3.7.10-0+deb12u1\nDescription: mail\n a long text\n\n"
      "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: "
      "2.36-9+deb12u4\n\n"
      "Package: bash\nEssential: yes\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n";
  auto bash = find_dpkg_package(status, "bash");
  ASSERT_TRUE(bash.has_value());
  EXPECT_EQ(bash->status, "install ok installed");
  EXPECT_EQ(bash->version, "5.2.15-2+b2");
  auto postfix = find_dpkg_package(status, "postfix");
  ASSERT_TRUE(postfix.has_value());
  EXPECT_EQ(postfix->status, "deinstall ok config-files");
  EXPECT_TRUE(find_dpkg_package(status, "libc6").has_value());
  EXPECT_FALSE(find_dpkg_package(status, "bas").has_value());
  EXPECT_FALSE(find_dpkg_package(status, "nginx").has_value());
  // A longer name that starts with the one asked for is another package; Package need not be the
  // stanza's first field.
  const std::string reordered =
      "Package: bash-completion\nStatus: install ok installed\nVersion: 1:2.11-6\n\n"
      "Status: install ok installed\nPackage: bash\nVersion: 5.2\n";
  auto b = find_dpkg_package(reordered, "bash");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->version, "5.2");
  EXPECT_EQ(find_dpkg_package(reordered, "bash-completion")->version, "1:2.11-6");
  EXPECT_FALSE(find_dpkg_package(reordered, "bash-comp").has_value());
}

TEST(Small, PingSummarySpacesAndModes) {
  EXPECT_EQ(parse_ping_received("2 packets transmitted, 2 received, 0% packet loss, time 201ms"),
            2);
  EXPECT_EQ(parse_ping_received("3 packets transmitted, 0 received, 100% packet loss"), 0);
  EXPECT_EQ(parse_ping_received("ping: connect: Network is unreachable"), std::nullopt);
  EXPECT_EQ(normalize_spaces(" 32768\t60999\n"), "32768 60999");
  EXPECT_EQ(parse_mode("0644"), 0644u);
  EXPECT_EQ(parse_mode("755"), 0755u);
  EXPECT_EQ(parse_mode("0855"), std::nullopt);
  EXPECT_EQ(parse_mode(""), std::nullopt);
}

}  // namespace
}  // namespace atelier::agent
