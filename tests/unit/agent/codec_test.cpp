// Table tests of the protocol codec: every check kind and every message type survives a round
// trip, and malformed input is refused with an error naming the field.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "common/protocol/codec.h"

namespace atelier::protocol {
namespace {
using namespace atelier::checks;

// One fully populated example of each kind, in the variant's order.
std::vector<CheckKind> all_kinds() {
  return {
      FileCheck{"/etc/x", true, false, "0644", "root", "adm", "needle", "^a.*b$", "abcd"},
      PackageCheck{"postfix", true, "3.7"},
      ServiceCheck{"postfix", ServiceState::kRunning, true},
      UserCheck{"bob", true, "/bin/bash", "/home/bob", {"sudo", "mail"}},
      GroupCheck{"mail", true, {"bob", "alice"}},
      ProcessCheck{"master", true, "root"},
      PortCheck{25, Transport::kUdp, true, "0.0.0.0"},
      RouteCheck{"default", "10.0.0.1", "eth0", false},
      InterfaceCheck{"eth0", "10.0.0.5/24", true},
      FirewallCheck{"inet", "filter", "input", "drop", "tcp dport 22 accept", true},
      CommandCheck{"test -f /x", 1, "ok", "nobody"},
      SysctlCheck{"net.ipv4.ip_forward", "1"},
      MountCheck{"/srv", true, "ext4", "/dev/vdb"},
      DiskFreeCheck{"/", 1000000, 12.5},
      TcpCheck{"10.0.0.1", 443, false},
      DnsCheck{"10.0.0.53", "mail.lab", DnsType::kMX, {"10 mail.lab"}, true},
      HttpCheck{"http://web/", 301, "Moved"},
      SmtpCheck{"10.0.0.25", 587, "a@lab", "b@lab", false},
      ImapCheck{"10.0.0.25", 993, "bob", "secret", "Sent", "hello"},
      LdapCheck{"ldap://10.0.0.10", "cn=admin,dc=lab", "pw", "dc=lab", "(uid=bob)", LdapScope::kOne,
                "mail", "bob@lab", 1},
      SqlCheck{SqlEngine::kMariadb,
               "db",
               3307,
               "app",
               "pw",
               "shop",
               "SELECT 1",
               {{"1", "x"}, {"2", "NULL"}},
               2,
               false},
      PingCheck{"10.0.0.1", false, 3},
      FlowCheck{"mail", 25, Transport::kTcp, false},
  };
}

TEST(CheckCodec, EveryKindRoundTrips) {
  auto kinds = all_kinds();
  ASSERT_EQ(kinds.size(), std::variant_size_v<CheckKind>);
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    ASSERT_EQ(kinds[i].index(), i) << "examples are in the variant's order";
    Check check{"web", "a description", std::chrono::milliseconds(1234), kinds[i]};
    auto json = check_to_json(check);
    auto back = check_from_json(json);
    ASSERT_TRUE(back.ok()) << kCheckKindNames[i] << ": " << back.error().to_string();
    // Re-encoding the decoded check gives the same JSON: every field survived.
    EXPECT_EQ(boost::json::serialize(check_to_json(*back)), boost::json::serialize(json))
        << kCheckKindNames[i];
    EXPECT_EQ(back->on, "web");
    EXPECT_EQ(back->timeout.count(), 1234);
    EXPECT_EQ(back->kind.index(), i);
  }
}

TEST(CheckCodec, DefaultsApplyWhenKeysAreAbsent) {
  auto c = check_from_json(boost::json::parse(R"({"kind":"port","args":{"port":53}})"));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  const auto& port = std::get<PortCheck>(c->kind);
  EXPECT_EQ(port.port, 53);
  EXPECT_EQ(port.protocol, Transport::kTcp);
  EXPECT_TRUE(port.listening);
  EXPECT_FALSE(port.address.has_value());
  EXPECT_EQ(c->timeout.count(), 10000);
}

TEST(CheckCodec, RefusesBadChecksNamingTheField) {
  struct Case {
    const char* json;
    const char* error_part;
  } cases[] = {
      {R"({"kind":"nope","args":{}})", "\"nope\" is not a check kind"},
      {R"({"args":{}})", "kind: missing"},
      {R"({"kind":"file","args":{}})", "args.path: missing"},
      {R"({"kind":"file","args":{"path":"/x","mdoe":"0644"}})", "args.mdoe: unknown key"},
      {R"({"kind":"port","args":{"port":70000}})", "args.port: number out of range"},
      {R"({"kind":"port","args":{"port":"25"}})", "args.port: expected an integer"},
      {R"({"kind":"port","args":{"port":25,"protocol":"sctp"}})",
       "args.protocol: expected one of tcp, udp"},
      {R"({"kind":"dns","args":{"server":"a","name":"b","type":"AXFR"}})",
       "args.type: expected one of A, AAAA"},
      {R"({"kind":"user","args":{"name":"bob","groups":"sudo"}})", "args.groups: expected a list"},
      {R"({"kind":"sql","args":{"host":"h","user":"u","database":"d","query":"q","rows":[[1]]}})",
       "args.rows[0][0]: expected a string"},
      {R"({"kind":"file","args":{"path":"/x"},"extra":1})", "extra: unknown key"},
      {R"([1])", "a check must be an object"},
  };
  for (const auto& c : cases) {
    auto r = check_from_json(boost::json::parse(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.error().to_string().find(c.error_part), std::string::npos)
        << c.json << " gave: " << r.error().to_string();
  }
}

std::vector<Body> all_bodies() {
  Hello hello;
  hello.agent_version = "0.1.0";
  hello.identity = {"s1", "c03", "web"};
  hello.facts = {"web",
                 "6.1.0",
                 "Debian GNU/Linux 12",
                 {{"eth0", "52:54:00:00:00:01", true, {"10.0.0.5/24"}}}};
  hello.spooled = 2;
  hello.instance = AgentInstance{"00ff", 1700000000000, "b0e1"};
  ExecRequest exec;
  exec.shell = "echo hi";
  exec.timeout = std::chrono::milliseconds(5000);
  exec.user = "bob";
  exec.stdin_data = "in";
  ExecResult exec_result{3, 9, true, "out", "err\n", true, false, std::chrono::milliseconds(12)};
  PutFileRequest put{"/etc/motd", std::string("bin\0ary\xff", 7), 0640, "root", "adm", true};
  GetFileRequest get{"/etc/hosts", 100};
  FileContent file{"/etc/hosts", "127.0.0.1 localhost\n", 0644, "root", "root", 20, false};
  RunChecks run{"b-1",
                {Check{"", "", std::chrono::milliseconds(500), FileCheck{"/x"}},
                 Check{"web", "d", std::chrono::milliseconds(10000), TcpCheck{"a", 80, true}}}};
  CheckResult result{"b-1/0",
                     0,
                     "file",
                     "file /x",
                     CheckStatus::kFail,
                     "/x exists",
                     "/x does not exist",
                     std::chrono::milliseconds(3),
                     1700000000000};
  Results results{"b-1", "web", {result}, 1700000000123};
  return {hello,
          HelloRequest{},
          Heartbeat{7, 1700000000000},
          exec,
          exec_result,
          put,
          get,
          file,
          Ok{},
          run,
          results,
          Ack{"b-1", {"b-1/0", "b-1/1"}},
          ErrorReply{"bad_request", "what"}};
}

TEST(MessageCodec, EveryMessageTypeRoundTrips) {
  auto bodies = all_bodies();
  ASSERT_EQ(bodies.size(), std::variant_size_v<Body>);
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    ASSERT_EQ(bodies[i].index(), i);
    Envelope e{42, i % 2 ? std::optional<std::uint64_t>(7) : std::nullopt, bodies[i]};
    std::string line = encode(e);
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "one message, one line: " << line;
    auto back = decode(line);
    ASSERT_TRUE(back.ok()) << kBodyTypeNames[i] << ": " << back.error().to_string() << "\n" << line;
    EXPECT_EQ(back->id, 42u);
    EXPECT_EQ(back->re, e.re);
    EXPECT_EQ(back->body.index(), i);
    EXPECT_EQ(encode(*back), line) << kBodyTypeNames[i];
  }
}

// Issue 20: the hello carries the agent's instance; a hello without one (an older agent) is
// still read, and an instance without its nonce is refused.
TEST(MessageCodec, HelloInstanceIsOptionalButNeedsANonce) {
  auto old = decode(R"({"v":1,"type":"hello","id":0,"body":{"protocol_version":1,)"
                    R"("agent_version":"0.9"}})");
  ASSERT_TRUE(old.ok()) << old.error().to_string();
  EXPECT_FALSE(std::get<Hello>(old->body).instance.has_value());
  auto current = decode(R"({"v":1,"type":"hello","id":0,"body":{"protocol_version":1,)"
                        R"("agent_version":"1","instance":{"nonce":"ab","started_unix_ms":5,)"
                        R"("boot_id":"b"}}})");
  ASSERT_TRUE(current.ok()) << current.error().to_string();
  EXPECT_EQ(std::get<Hello>(current->body).instance, (AgentInstance{"ab", 5, "b"}));
  auto bad = decode(R"({"v":1,"type":"hello","id":0,"body":{"protocol_version":1,)"
                    R"("agent_version":"1","instance":{"boot_id":"b"}}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().to_string().find("instance.nonce: missing"), std::string::npos)
      << bad.error().to_string();
}

TEST(MessageCodec, BinaryContentTravelsAsBase64) {
  auto back = decode(
      encode(Envelope{1, std::nullopt, PutFileRequest{"/x", std::string("\0\x01\xfe\xff", 4)}}));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<PutFileRequest>(back->body).content, std::string("\0\x01\xfe\xff", 4));
}

TEST(MessageCodec, RefusesMalformedMessages) {
  struct Case {
    const char* line;
    const char* error_part;
  } cases[] = {
      {"not json", "not JSON"},
      {"[1,2]", "must be a JSON object"},
      {R"({"type":"ok","body":{}})", "v: missing"},
      {R"({"v":2,"type":"ok","body":{}})", "version 2 is not supported"},
      {R"({"v":1,"type":"teleport","body":{}})", "unknown message type \"teleport\""},
      {R"({"v":1,"type":"exec","body":{"argv":"ls"}})", "argv: expected a list"},
      {R"({"v":1,"type":"put_file","body":{"path":"/x","content_base64":"abc"}})", "base64 length"},
      {R"({"v":1,"type":"put_file","body":{"path":"/x","content_base64":"ab!="}})",
       "invalid base64"},
      {R"({"v":1,"type":"run_checks","body":{"bundle_id":"b","checks":[{"kind":"file","args":{}}]}})",
       "checks[0]"},
      {R"({"v":1,"type":"results","body":{"bundle_id":"b","results":[{"result_id":"x","status":"maybe"}]}})",
       "status: expected one of pass, fail, error"},
      {R"({"v":1,"type":"ack","body":{}})", "bundle_id: missing"},
  };
  for (const auto& c : cases) {
    auto r = decode(c.line);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_NE(r.error().to_string().find(c.error_part), std::string::npos)
        << c.line << " gave: " << r.error().to_string();
  }
}

TEST(Base64, KnownVectors) {
  // RFC 4648 section 10.
  const char* vectors[][2] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="},
                              {"foobar", "Zm9vYmFy"}};
  for (auto& v : vectors) {
    EXPECT_EQ(base64_encode(v[0]), v[1]);
    auto d = base64_decode(v[1]);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, v[0]);
  }
  EXPECT_FALSE(base64_decode("Zg=a").ok());
}

}  // namespace
}  // namespace atelier::protocol

// The lab loader (common/lab/check_fields.h) and this codec each list the fields of every
// kind; they must name the same keys, or a check would mean one thing in lab.yaml and another
// on the wire.
#include "common/lab/check_fields.h"

namespace atelier::protocol {
namespace {

struct KeyCollector {
  std::set<std::string> keys;
  template <typename T>
  void req(std::string_view name, T&) {
    keys.emplace(name);
  }
  template <typename T>
  void opt(std::string_view name, T&) {
    keys.emplace(name);
  }
};

TEST(CheckCodec, UsesTheSameKeysAsTheLabLoader) {
  for (auto kind : all_kinds()) {
    KeyCollector lab;
    std::visit([&](auto& k) { checks::visit_fields(k, lab); }, kind);
    std::set<std::string> wire;
    auto json = check_to_json(Check{"", "", std::chrono::milliseconds(1), kind});
    for (const auto& kv : json.at("args").as_object()) wire.emplace(kv.key());
    EXPECT_EQ(wire, lab.keys) << kind_name(kind);
  }
}

// docs/checks.md documents every kind.
TEST(CheckDocs, EveryKindHasASection) {
  std::ifstream in(std::string(ATELIER_SOURCE_DIR) + "/docs/checks.md");
  ASSERT_TRUE(in) << "docs/checks.md";
  std::stringstream text;
  text << in.rdbuf();
  for (const char* name : checks::kCheckKindNames) {
    EXPECT_NE(text.str().find(std::string("\n### ") + name + "\n"), std::string::npos) << name;
  }
}

// Issue 19: max_output 2^64-1 dropped all output and timeout_ms 2^63-1 killed at once (overflow
// in the agent); decode() now refuses values out of range with the field's name.
TEST(MessageCodec, RefusesIntegersOutOfRange) {
  auto exec = [](const std::string& fields) {
    return decode(R"({"v":1,"type":"exec","id":1,"body":{"argv":["true"],)" + fields + "}}\n");
  };
  struct Case {
    const char* fields;
    const char* error;  // "" when accepted
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"("max_output":18446744073709551615)", "max_output: expected at most"},
           {R"("timeout_ms":9223372036854775807)", "timeout_ms: expected 1 to"},
           {R"("timeout_ms":0)", "timeout_ms: expected 1 to"},
           {R"("timeout_ms":-5)", "timeout_ms: expected 1 to"},
           {R"("timeout_ms":86400000,"max_output":33554432)", ""},
           {R"("timeout_ms":1,"max_output":0)", ""}}) {
    auto r = exec(c.fields);
    if (std::string(c.error).empty()) {
      EXPECT_TRUE(r.ok()) << c.fields << ": " << r.error().to_string();
    } else {
      ASSERT_FALSE(r.ok()) << c.fields;
      EXPECT_NE(r.error().to_string().find(c.error), std::string::npos) << r.error().to_string();
    }
  }
  auto put = decode(
      R"({"v":1,"type":"put_file","id":1,"body":{"path":"/x","content_base64":"","mode":8191}})"
      "\n");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().to_string().find("mode: expected at most 07777"), std::string::npos);
  EXPECT_TRUE(
      decode(
          R"({"v":1,"type":"put_file","id":1,"body":{"path":"/x","content_base64":"","mode":4095}})"
          "\n")
          .ok());
}

}  // namespace
}  // namespace atelier::protocol
