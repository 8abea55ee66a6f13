// Table tests of the lab loader's pieces: durations, sizes, addresses, edit distance, every
// field of the lab, every check kind and field, and the JSON round trip of checks.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/lab/check_fields.h"
#include "common/lab/lab_json.h"
#include "common/lab/loader.h"
#include "common/lab/names.h"

namespace atelier::lab {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, Table) {
  struct Case {
    const char* text;
    std::optional<std::chrono::milliseconds> want;
  };
  const Case cases[] = {
      {"2h", 2h},
      {"30m", 30min},
      {"1h30m", 90min},
      {"45s", 45s},
      {"500ms", 500ms},
      {"1h0m5s", 3605s},
      {"", std::nullopt},
      {"30", std::nullopt},
      {"m", std::nullopt},
      {"30m1h", std::nullopt},
      {"1h1h", std::nullopt},
      {"2 h", std::nullopt},
      {"-5m", std::nullopt},
      {"1d", std::nullopt},
      {"1234567890h", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_duration(c.text), c.want) << c.text;
}

TEST(ParseSize, Table) {
  struct Case {
    const char* text;
    std::optional<std::uint64_t> want;
  };
  const Case cases[] = {
      {"512MiB", 512 * kMiB},
      {"1GiB", 1024 * kMiB},
      {"64KiB", 64 * 1024},
      {"1TiB", 1024 * 1024 * kMiB},
      {"4096", 4096},
      {"10B", 10},
      {"512MB", std::nullopt},
      {"1.5GiB", std::nullopt},
      {"", std::nullopt},
      {"GiB", std::nullopt},
      {"99999999999999TiB", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_size(c.text), c.want) << c.text;
}

TEST(Ipv4, AddressTable) {
  EXPECT_EQ(Ipv4Address::parse("10.10.0.5")->bits, 0x0A0A0005u);
  EXPECT_EQ(Ipv4Address::parse("255.255.255.255")->to_string(), "255.255.255.255");
  for (const char* bad :
       {"10.10.0", "10.10.0.256", "10.010.0.1", "a.b.c.d", "1.2.3.4 ", "", "1..2.3"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
  }
}

TEST(Ipv4, NetworkTable) {
  auto net = Ipv4Network::parse("10.10.0.0/24");
  ASSERT_TRUE(net.ok());
  EXPECT_EQ(net->netmask().to_string(), "255.255.255.0");
  EXPECT_EQ(net->broadcast().to_string(), "10.10.0.255");
  EXPECT_TRUE(net->contains(*Ipv4Address::parse("10.10.0.200")));
  EXPECT_FALSE(net->contains(*Ipv4Address::parse("10.10.1.1")));
  EXPECT_EQ(Ipv4Network::parse("0.0.0.0/0")->broadcast().to_string(), "255.255.255.255");
  EXPECT_EQ(Ipv4Network::parse("10.0.0.1/32")->to_string(), "10.0.0.1/32");
  EXPECT_EQ(Ipv4Network::parse("10.0.0.1/24").error().message(),
            "'10.0.0.1/24' has host bits set; did you mean '10.0.0.0/24'?");
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/024", "10.0.0/8"}) {
    EXPECT_FALSE(Ipv4Network::parse(bad).ok()) << bad;
  }
}

TEST(EditDistance, Table) {
  EXPECT_EQ(edit_distance("memory", "memroy"), 1u);  // a transposition is one edit
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(closest("hostz", {"hosts", "tasks"}), "hosts");
  EXPECT_EQ(closest("colour", {"image", "roles"}), "");
}

TEST(Competencies, CompiledInList) {
  const auto& codes = competency_codes();
  ASSERT_EQ(codes.size(), 20u);
  EXPECT_EQ(codes.front(), "C01");
  EXPECT_EQ(codes[18], "C19");
  EXPECT_EQ(codes.back(), "EPREUVE");
}

constexpr const char* kFullLab = R"(lab: full-lab
title: {fr: "Titre", en: "Title"}
description: {fr: "Desc", en: "Description"}
competencies: [EPREUVE, C07]
duration: 1h30m
variables:
  user: {choice: [alice, bob]}
  secret: {password: 16}
  port: {range: [2000, 2999]}
networks:
  lan: {cidr: 10.10.0.0/24}
  dmz: {cidr: 10.20.0.0/24, secured: true}
hosts:
  router:
    image: debian12
    roles: [router-firewall, base]
    memory: 1GiB
    vcpus: 2
    nics: {lan: 10.10.0.1, dmz: 10.20.0.1}
    vars: {domain: "acme.lan", list: [a, b], nested: {x: "1"}, empty: ~}
  client: {image: debian12, display: true, nics: {lan: 10.10.0.100}}
incidents:
  - {id: fw-closed, recipe: incidents/fw-closed, on: router, with: {port: "{{port}}"}}
tasks:
  - id: T1
    ticket:
      title: {fr: "T", en: "T"}
      from: "{{user}}"
      priority: P1
      sla: 45m
      text: {fr: a.md, en: b.md}
    points: 5
    competencies: [C07, C08]
    checks:
      - {on: client, description: "ping {{host.router.ip.lan}}", timeout: 1500ms, ping: {host: "{{host.router.ip}}", reachable: false, count: 3}}
    near_misses:
      - {description: wrong port, recipe: solutions/open-port, on: router, with: {port: "1"}}
      - {recipe: solutions/open-port, on: router}
  - id: T2
    ticket: {title: {fr: "U", en: "U"}, from: x, priority: P4, text: {fr: c.md, en: d.md}}
    checks: [{on: router, sysctl: {key: net.ipv4.ip_forward, value: "1"}}]
solution:
  - {task: T1, recipe: solutions/open-port, on: router, with: {port: "{{port}}", cidr: "{{network.dmz.cidr}}"}}
)";

LoadReport parse_only(std::string_view text) {
  LoadOptions options;
  options.check_files = false;
  return parse_lab_report(text, "labs/full/lab.yaml", options);
}

TEST(LabParse, EveryField) {
  auto report = parse_only(kFullLab);
  ASSERT_TRUE(report.ok()) << report.to_string();
  const Lab& lab = *report.lab;
  EXPECT_EQ(lab.id, "full-lab");
  EXPECT_EQ(lab.title, (Text{"Titre", "Title"}));
  EXPECT_EQ(lab.description->en, "Description");
  EXPECT_EQ(lab.competencies, (std::vector<std::string>{"EPREUVE", "C07"}));
  EXPECT_EQ(lab.duration, 90min);
  ASSERT_EQ(lab.variables.size(), 3u);
  EXPECT_EQ(std::get<ChoiceVariable>(lab.variables[0].kind).values,
            (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(std::get<PasswordVariable>(lab.variables[1].kind).length, 16);
  EXPECT_EQ(std::get<RangeVariable>(lab.variables[2].kind).min, 2000);
  EXPECT_EQ(std::get<RangeVariable>(lab.variables[2].kind).max, 2999);
  ASSERT_EQ(lab.networks.size(), 2u);
  EXPECT_EQ(lab.networks[1].cidr.to_string(), "10.20.0.0/24");
  EXPECT_TRUE(lab.networks[1].secured);
  EXPECT_FALSE(lab.networks[0].secured);
  const Host* router = lab.host("router");
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->image, "debian12");
  EXPECT_EQ(router->roles, (std::vector<std::string>{"router-firewall", "base"}));
  EXPECT_EQ(router->memory_bytes, 1024 * kMiB);
  EXPECT_EQ(router->vcpus, 2);
  EXPECT_FALSE(router->display);  // the default
  ASSERT_EQ(router->nics.size(), 2u);
  EXPECT_EQ(router->nics[1].network, "dmz");
  EXPECT_EQ(router->nics[1].address.to_string(), "10.20.0.1");
  EXPECT_EQ(find_param(router->vars, "domain")->scalar, "acme.lan");
  EXPECT_EQ(find_param(router->vars, "list")->items.size(), 2u);
  EXPECT_EQ(find_param(router->vars, "nested")->fields[0].value.scalar, "1");
  EXPECT_EQ(find_param(router->vars, "empty")->type, Value::Type::kNull);
  const Host* client = lab.host("client");
  EXPECT_EQ(client->memory_bytes, 256 * kMiB);  // defaults
  EXPECT_EQ(client->vcpus, 1);
  EXPECT_TRUE(client->display);
  EXPECT_TRUE(client->roles.empty());
  ASSERT_EQ(lab.incidents.size(), 1u);
  EXPECT_EQ(lab.incidents[0].recipe, "incidents/fw-closed");
  EXPECT_EQ(lab.incidents[0].on, "router");
  EXPECT_EQ(find_param(lab.incidents[0].with, "port")->scalar, "{{port}}");
  ASSERT_EQ(lab.tasks.size(), 2u);
  const Task& t1 = lab.tasks[0];
  EXPECT_EQ(t1.ticket.priority, Priority::kP1);
  EXPECT_EQ(t1.ticket.sla, 45min);
  EXPECT_EQ(t1.ticket.from, "{{user}}");
  EXPECT_EQ(t1.ticket.text_files.en, "b.md");
  EXPECT_EQ(t1.points, 5);
  EXPECT_EQ(t1.competencies, (std::vector<std::string>{"C07", "C08"}));
  ASSERT_EQ(t1.checks.size(), 1u);
  EXPECT_EQ(t1.checks[0].on, "client");
  EXPECT_EQ(t1.checks[0].timeout, 1500ms);
  const auto& ping = std::get<checks::PingCheck>(t1.checks[0].kind);
  EXPECT_FALSE(ping.reachable);
  EXPECT_EQ(ping.count, 3);
  ASSERT_EQ(t1.near_misses.size(), 2u);
  EXPECT_EQ(t1.near_misses[0].description, "wrong port");
  EXPECT_TRUE(t1.near_misses[1].with.empty());
  EXPECT_EQ(lab.tasks[1].points, 1);  // default
  EXPECT_EQ(lab.tasks[1].ticket.priority, Priority::kP4);
  EXPECT_EQ(lab.tasks[1].ticket.sla, 0s);
  ASSERT_EQ(lab.solution.size(), 1u);
  EXPECT_EQ(lab.solution[0].task, "T1");
  EXPECT_EQ(lab.total_points(), 6);
  // Positions are kept for tools that report on a loaded lab.
  EXPECT_EQ(lab.source.at("hosts.router.nics.dmz"), (Mark{19, 33}));
  EXPECT_EQ(lab.source.at("tasks[0].checks[0].on"), (Mark{35, 14}));
  EXPECT_EQ(lab.source.at("solution[0].task"), (Mark{43, 12}));
}

// `scoring:` per task (all by default) and the lab's `check_interval:` (0 when absent).
TEST(LabParse, ScoringAndCheckInterval) {
  auto plain = parse_only(kFullLab);
  ASSERT_TRUE(plain.ok()) << plain.to_string();
  EXPECT_EQ(plain.lab->check_interval, 0s);
  EXPECT_EQ(plain.lab->tasks[0].scoring, Scoring::kAll);
  std::string text = kFullLab;
  text.replace(text.find("duration: 1h30m"), 15, "duration: 1h30m\ncheck_interval: 2m30s");
  text.replace(text.find("    points: 5"), 13, "    points: 5\n    scoring: partial");
  auto report = parse_only(text);
  ASSERT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(report.lab->check_interval, 150s);
  EXPECT_EQ(report.lab->tasks[0].scoring, Scoring::kPartial);
  EXPECT_EQ(report.lab->tasks[1].scoring, Scoring::kAll);
  EXPECT_EQ(to_string(Scoring::kPartial), "partial");
  EXPECT_EQ(to_string(Scoring::kAll), "all");
  // Sub-second intervals are refused: the checks would run back to back.
  text.replace(text.find("check_interval: 2m30s"), 21, "check_interval: 500ms");
  EXPECT_FALSE(parse_only(text).ok());
}

// Every check kind with every one of its fields, parsed and printed back.
constexpr const char* kAllChecks = R"yaml(
- file: {path: /etc/x, exists: true, directory: false, mode: "0644", owner: root, group: adm, contains: abc, regex: "^a.*$", sha256: "0000000000000000000000000000000000000000000000000000000000000000"}
- package: {name: nginx, installed: true, version: "1.22"}
- service: {name: nginx, state: stopped, enabled: false}
- user: {name: bob, exists: true, shell: /bin/sh, home: /home/bob, groups: [adm, sudo]}
- group: {name: adm, exists: false, members: [bob]}
- process: {name: sshd, running: true, user: root}
- port: {port: 53, protocol: udp, listening: true, address: 0.0.0.0}
- route: {destination: default, gateway: 10.0.0.1, device: eth0, present: true}
- interface: {name: eth0, address: 10.0.0.5/24, up: true}
- firewall: {family: inet, table: filter, chain: input, policy: drop, rule: "tcp dport 22 accept", present: true}
- command: {run: "true", exit_code: 3, stdout_regex: "ok", user: nobody}
- sysctl: {key: net.ipv4.ip_forward, value: "1"}
- mount: {path: /srv, mounted: true, fstype: ext4, source: /dev/vdb}
- disk_free: {path: /, min_free_bytes: 1GiB, min_free_percent: 12.5}
- tcp: {host: 10.0.0.1, port: 25, open: false}
- dns: {server: 10.0.0.53, name: acme.lan, type: MX, expect: [mail.acme.lan], exists: true}
- http: {url: "http://10.0.0.80/", status: 404, body_regex: "Not"}
- smtp: {server: 10.0.0.25, port: 587, from: a@acme.lan, to: b@acme.lan, accepted: false}
- imap: {server: 10.0.0.25, port: 993, user: bob, password: pw, mailbox: Sent, subject: Hi}
- ldap: {url: "ldap://10.0.0.10", bind_dn: "cn=admin", password: pw, base: "dc=acme", filter: "(uid=bob)", scope: one, attribute: mail, value: b@acme.lan, count: 1}
- sql: {engine: mariadb, host: db, port: 3306, user: app, password: pw, database: app, query: "select 1", rows: [["1"]], count: 1, succeeds: true}
- ping: {host: 10.0.0.1, reachable: true, count: 5}
- flow: {to: mail, port: 25, protocol: tcp, allowed: false}
)yaml";

TEST(CheckParse, EveryKindAndField) {
  auto report = parse_check_file_report(kAllChecks, "all.yaml");
  ASSERT_TRUE(report.ok()) << report.to_string();
  ASSERT_EQ(report.checks.size(), std::variant_size_v<checks::CheckKind>);
  for (std::size_t i = 0; i < report.checks.size(); ++i) {
    EXPECT_EQ(report.checks[i].kind.index(), i) << "kinds are listed in the variant's order";
  }
  const auto& file = std::get<checks::FileCheck>(report.checks[0].kind);
  EXPECT_EQ(file.mode, "0644");
  EXPECT_EQ(file.group, "adm");
  EXPECT_EQ(std::get<checks::ServiceCheck>(report.checks[2].kind).state,
            checks::ServiceState::kStopped);
  EXPECT_EQ(std::get<checks::UserCheck>(report.checks[3].kind).groups.size(), 2u);
  EXPECT_EQ(std::get<checks::PortCheck>(report.checks[6].kind).protocol, checks::Transport::kUdp);
  EXPECT_EQ(std::get<checks::CommandCheck>(report.checks[10].kind).exit_code, 3);
  const auto& df = std::get<checks::DiskFreeCheck>(report.checks[13].kind);
  EXPECT_EQ(df.min_free_bytes, 1024 * kMiB);
  EXPECT_DOUBLE_EQ(*df.min_free_percent, 12.5);
  EXPECT_EQ(std::get<checks::DnsCheck>(report.checks[15].kind).type, checks::DnsType::kMX);
  EXPECT_EQ(std::get<checks::SmtpCheck>(report.checks[17].kind).port, 587);
  EXPECT_EQ(std::get<checks::ImapCheck>(report.checks[18].kind).mailbox, "Sent");
  EXPECT_EQ(std::get<checks::LdapCheck>(report.checks[19].kind).scope, checks::LdapScope::kOne);
  const auto& sql = std::get<checks::SqlCheck>(report.checks[20].kind);
  EXPECT_EQ(sql.engine, checks::SqlEngine::kMariadb);
  EXPECT_EQ(sql.rows, (std::vector<std::vector<std::string>>{{"1"}}));
  EXPECT_FALSE(std::get<checks::FlowCheck>(report.checks[22].kind).allowed);

  // JSON round trip: to_json then check_from_json gives the same JSON again.
  for (const auto& c : report.checks) {
    auto json = to_json(c);
    auto back = check_from_json(json);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(boost::json::serialize(to_json(*back)), boost::json::serialize(json));
  }
}

TEST(CheckParse, FieldErrorsTable) {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  const Case cases[] = {
      {"- {file: {path: /x, exists: perhaps}}",
       "c.yaml:1:29: error: 'exists': expected true or false, got 'perhaps'\n"},
      {"- {user: {name: bob, groups: adm}}",
       "c.yaml:1:30: error: 'groups': expected a list of strings, got 'adm'\n"},
      {"- {command: {run: x, exit_code: 300}}",
       "c.yaml:1:33: error: 'exit_code': expected 0 to 255\n"},
      {"- {firewall: {table: t, policy: deny, chain: c}}",
       "c.yaml:1:33: error: 'policy': expected accept or drop, got 'deny'\n"},
      {"- {firewall: {table: t, policy: drop}}",
       "c.yaml:1:33: error: 'policy' needs 'chain': the chain whose policy it is\n"},
      {"- {route: {destination: 10.0.0.1/8}}",
       "c.yaml:1:25: error: 'destination': expected \"default\" or a network like 10.20.0.0/24, "
       "got '10.0.0.1/8'\n"},
      {"- {interface: {name: e, address: 10.0.0.5}}",
       "c.yaml:1:34: error: 'address': expected an address with its prefix like 10.10.0.5/24, got "
       "'10.0.0.5'\n"},
      {"- {ldap: {url: ldap://x, base: b, value: v}}",
       "c.yaml:1:42: error: 'value' needs 'attribute': the attribute that must have it\n"},
      {"- {http: {url: 'http://x', status: 42}}",
       "c.yaml:1:36: error: 'status': expected an HTTP status 100 to 599\n"},
      {"- {ping: {host: x, count: 0}}", "c.yaml:1:27: error: 'count': expected 1 to 100\n"},
      {"- {disk_free: {path: /, min_free_percent: 120}}",
       "c.yaml:1:43: error: 'min_free_percent': expected 0 to 100\n"},
      {"- {file: {path: /x, sha256: abc}}",
       "c.yaml:1:29: error: 'sha256': expected 64 lowercase hex digits\n"},
      {"- {service: {name: x}, timeout: 0s}",
       "c.yaml:1:33: error: 'timeout': expected a duration above zero\n"},
      {"- {sql: {engine: oracle, host: h, user: u, database: d, query: q}}",
       "c.yaml:1:18: error: 'engine': expected one of postgresql, mariadb, got 'oracle'\n"},
      {"- {flow: {to: x, port: 22, protocol: icmp}}",
       "c.yaml:1:38: error: 'protocol': expected one of tcp, udp, got 'icmp'\n"},
      {"- {dns: {server: s, name: n, expect: [[a]]}}",
       "c.yaml:1:39: error: expected a string, got a list\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_check_file_report(c.yaml, "c.yaml").to_string(), c.expected) << c.yaml;
  }
}

TEST(LabParse, BuiltinTemplates) {
  auto report = parse_only(kFullLab);
  ASSERT_TRUE(report.ok());
  const Lab& lab = *report.lab;
  for (const char* ok : {"candidate", "lab", "seed", "host.router.ip", "host.router.ip.dmz",
                         "network.lan.cidr", "network.dmz.netmask", "network.dmz.prefix"}) {
    EXPECT_TRUE(is_builtin_template(lab, ok)) << ok;
  }
  for (const char* bad : {"host.router.ip.wan", "host.nobody.ip", "network.wan.cidr",
                          "network.lan.gateway", "host.router", "user"}) {
    EXPECT_FALSE(is_builtin_template(lab, bad)) << bad;
  }
}

TEST(LabParse, NeverThrowsOnOddInput) {
  for (const char* text :
       {"", "---", "[", "{", "lab: [", "? a\n: b", "*x", "&a [*a]", "!!binary x",
        "lab: x\nhosts: {a: {nics: {lan: [1]}}}", "tasks: [{checks: [{file: ~}]}]", "\t",
        "a: b\n a: c", "%YAML 1.2\n---\nx", "lab: {{x}}", ", a", "a: 1\n---\n, b"}) {
    auto report = parse_only(text);
    EXPECT_FALSE(report.ok()) << text;
    EXPECT_FALSE(report.diagnostics.empty()) << text;
  }
}

TEST(LabParse, AliasBombsAndCyclesAreBounded) {
  std::string bomb =
      "lab: x\nhosts:\n  h:\n    vars:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    bomb += "      a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  auto start = std::chrono::steady_clock::now();
  auto report = parse_only(bomb);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(report.to_string().find("more than 100000 values in recipe arguments"),
            std::string::npos)
      << report.to_string();
  auto cycle = parse_only("lab: x\nhosts:\n  h:\n    vars: &v {self: *v}\n");
  EXPECT_FALSE(cycle.ok());
}

// Issue 19: std::regex recursed once per character, so a 30,000-character lab id or a recipe
// name of "a/" x 100,000 crashed the validator (and atelierd). Now: a clear diagnostic, at the
// line and column of the field, naming the limit.
std::string with_lab_id(const std::string& id) {
  std::string text(kFullLab);
  auto at = text.find("lab: ");
  auto end = text.find('\n', at);
  return text.replace(at, end - at, "lab: " + id);
}

TEST(LabParse, LongLabIdIsRefusedNotCrashed) {
  auto report = parse_only(with_lab_id(std::string(30000, 'a')));
  ASSERT_FALSE(report.ok());
  bool found = false;
  for (const auto& d : report.diagnostics) {
    if (d.message.find("too long (64 at most)") != std::string::npos) {
      found = true;
      EXPECT_GT(d.at.line, 0) << d.to_string();
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(parse_only(with_lab_id(std::string(64, 'a'))).ok());
  EXPECT_FALSE(parse_only(with_lab_id(std::string(65, 'a'))).ok());
}

TEST(LabParse, LongRecipeNameIsRefusedNotCrashed) {
  std::string text(kFullLab);
  std::string long_name;
  for (int i = 0; i < 100000; ++i) long_name += "a/";
  long_name += "a";
  auto at = text.find("recipe: incidents/fw-closed");
  text.replace(at, std::string("recipe: incidents/fw-closed").size(), "recipe: " + long_name);
  auto report = parse_only(text);
  ASSERT_FALSE(report.ok());
  bool found = false;
  for (const auto& d : report.diagnostics) {
    found = found || d.message.find("too long (4096 at most)") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST(LabNames, ScannersMatchTheOldGrammar) {
  EXPECT_TRUE(is_recipe_name("incidents/fw-closed"));
  EXPECT_TRUE(is_recipe_name("a_b-c"));
  for (const char* bad : {"", "/a", "a/", "a//b", "A/b", "a.yaml", "a b"})
    EXPECT_FALSE(is_recipe_name(bad)) << bad;
  EXPECT_TRUE(is_host_name("router-1"));
  EXPECT_FALSE(is_host_name("1router"));
  EXPECT_FALSE(is_host_name(std::string(33, 'a')));
  EXPECT_TRUE(is_task_id("T1_a-B"));
  EXPECT_FALSE(is_task_id("T.1"));
  EXPECT_TRUE(is_var_name("_port2"));
  EXPECT_FALSE(is_var_name("Port"));
  EXPECT_TRUE(is_lab_id("base-de-donnees"));
  EXPECT_FALSE(is_lab_id("Base"));
  EXPECT_TRUE(is_recipe_id("0web_server-2"));
  for (const char* bad : {"", "-web", "_web", "Web", "web/x", "web.yaml"})
    EXPECT_FALSE(is_recipe_id(bad)) << bad;
  EXPECT_FALSE(is_recipe_id(std::string(30000, 'a')));
}

}  // namespace
}  // namespace atelier::lab
