// The protocol probes against real servers the test starts on 127.0.0.1: an HTTP server
// (python3 http.server), DNS (dnsmasq, no upstream), SMTP (aiosmtpd), IMAP (dovecot),
// PostgreSQL, OpenLDAP (slapd) and MariaDB. Each kind: pass and fail cases, with the evidence text
// checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "agent/checks/check.h"
#include "tests/integration/agent/servers.h"
#include "tests/unit/agent/evidence_expect.h"

namespace atelier::agent {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace atelier::agent::testing;

Evidence run(checks::CheckKind kind, std::chrono::milliseconds timeout = 10s) {
  return run_check(checks::Check{"", "", timeout, std::move(kind)});
}

const auto kPass = CheckStatus::kPass;
const auto kFail = CheckStatus::kFail;
const auto kError = CheckStatus::kError;
const std::string kPython = "/usr/bin/python3";  // Debian's, where python3-aiosmtpd lives

TEST(Probes, Http) {
  TempDir dir;
  write_file(dir.path() / "index.html", "<h1>atelier lab web</h1>\n");
  std::uint16_t port = free_port();
  Background server({kPython, "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1",
                     "--directory", dir.path().string()},
                    dir.path() / "log");
  ASSERT_TRUE(wait_tcp(port, 10s)) << read_text(dir.path() / "log");
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_EVIDENCE(run(checks::HttpCheck{base + "/", 200, "atelier lab"}), kPass,
                  "status 200, body 25 bytes, matched \"atelier lab\"");
  EXPECT_EVIDENCE(run(checks::HttpCheck{base + "/missing", 200}), kFail, "status 404");
  EXPECT_EVIDENCE(run(checks::HttpCheck{base + "/missing", 404}), kPass, "status 404");
  EXPECT_EVIDENCE(run(checks::HttpCheck{base + "/", 200, "welcome"}), kFail,
                  "not matching: \"<h1>atelier lab web</h1>\\n\"");
  server.stop();
  EXPECT_EVIDENCE(run(checks::HttpCheck{base + "/", 200}), kFail, "no HTTP answer: ");
}

TEST(Probes, Dns) {
  TempDir dir;
  std::uint16_t port = free_port(true);
  Background server(
      {"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
       "--pid-file=", "--user=root", "--port=" + std::to_string(port), "--listen-address=127.0.0.1",
       "--bind-interfaces", "--local=/lab.test/", "--host-record=web.lab.test,10.0.0.80",
       "--host-record=mail.lab.test,10.0.0.25", "--mx-host=lab.test,mail.lab.test,10",
       "--srv-host=_ldap._tcp.lab.test,ldap.lab.test,389,0,100",
       "--cname=www.lab.test,web.lab.test", "--txt-record=lab.test,v=spf1 -all"},
      dir.path() / "log");
  std::string server_addr = "127.0.0.1:" + std::to_string(port);
  // dnsmasq answers as soon as it is up; poll with a real query.
  EXPECT_TRUE(test_support::wait_until(
      [&] {
        return run(checks::DnsCheck{server_addr, "web.lab.test"}, 1s).status == kPass;
      },
      5s, "dnsmasq to answer"));
  using T = checks::DnsType;
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "web.lab.test", T::kA, {"10.0.0.80"}}), kPass,
                  "A web.lab.test = 10.0.0.80");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "web.lab.test", T::kA, {"10.0.0.81"}}), kFail,
                  "A web.lab.test = 10.0.0.80");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "lab.test", T::kMX, {"mail.lab.test"}}), kPass,
                  "MX lab.test = 10 mail.lab.test");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "lab.test", T::kMX, {"10 mail.lab.test."}}),
                  kPass, "10 mail.lab.test");
  EXPECT_EVIDENCE(
      run(checks::DnsCheck{server_addr, "_ldap._tcp.lab.test", T::kSRV, {"ldap.lab.test"}}), kPass,
      "SRV _ldap._tcp.lab.test = 0 100 389 ldap.lab.test");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "10.0.0.25", T::kPTR, {"mail.lab.test"}}),
                  kPass, "PTR 10.0.0.25 = mail.lab.test");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "www.lab.test", T::kCNAME, {"web.lab.test"}}),
                  kPass, "CNAME www.lab.test = web.lab.test");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "lab.test", T::kTXT, {"v=spf1 -all"}}), kPass,
                  "TXT lab.test = v=spf1 -all");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "nope.lab.test"}), kFail,
                  "NXDOMAIN for nope.lab.test");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "nope.lab.test", T::kA, {}, false}), kPass,
                  "NXDOMAIN");
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "web.lab.test", T::kA, {}, false}), kFail,
                  "10.0.0.80");
  EXPECT_EVIDENCE(run(checks::DnsCheck{"not-an-address", "web.lab.test"}), kError,
                  "is not an address[:port]");
  server.stop();
  EXPECT_EVIDENCE(run(checks::DnsCheck{server_addr, "web.lab.test"}, 2s), kError,
                  "no usable answer from " + server_addr);
}

// A real SMTP server (aiosmtpd) that refuses recipients outside lab.test like a mail server
// with local recipient checks, and writes accepted messages to a file.
const char* kSmtpServer = R"PY(
import sys, time
from aiosmtpd.controller import Controller
class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not address.endswith('@lab.test'):
            return '550 5.1.1 <%s>: Recipient address rejected: User unknown' % address
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 Ok'
    async def handle_DATA(self, server, session, envelope):
        with open(sys.argv[2], 'a') as f:
            f.write(envelope.content.decode('utf8', 'replace') + '\n.\n')
        return '250 2.0.0 Ok: queued as ATELIER1'
c = Controller(Handler(), hostname='127.0.0.1', port=int(sys.argv[1]))
c.start()
print('ready', flush=True)
while True:
    time.sleep(3600)
)PY";

TEST(Probes, Smtp) {
  TempDir dir;
  write_file(dir.path() / "smtpd.py", kSmtpServer);
  std::uint16_t port = free_port();
  Background server({kPython, (dir.path() / "smtpd.py").string(), std::to_string(port),
                     (dir.path() / "mbox").string()},
                    dir.path() / "log");
  ASSERT_TRUE(wait_tcp(port, 15s)) << read_text(dir.path() / "log");
  EXPECT_EVIDENCE(
      run(checks::SmtpCheck{"127.0.0.1", port, "client@lab.test", "bob@lab.test", true}), kPass,
      "accepted: 250 2.0.0 Ok: queued as ATELIER1");
  EXPECT_NE(read_text(dir.path() / "mbox").find("Subject: atelier check"), std::string::npos);
  EXPECT_EVIDENCE(
      run(checks::SmtpCheck{"127.0.0.1", port, "client@lab.test", "eve@elsewhere.test", true}),
      kFail, "refused: 550 5.1.1 <eve@elsewhere.test>: Recipient address rejected");
  EXPECT_EVIDENCE(
      run(checks::SmtpCheck{"127.0.0.1", port, "client@lab.test", "eve@elsewhere.test", false}),
      kPass, "refused: 550");
  EXPECT_EVIDENCE(
      run(checks::SmtpCheck{"127.0.0.1", port, "client@lab.test", "bob@lab.test", false}), kFail,
      "accepted: 250");
  server.stop();
  EXPECT_EVIDENCE(run(checks::SmtpCheck{"127.0.0.1", port, "a@lab.test", "bob@lab.test", true}),
                  kFail, "no SMTP dialogue");
}

TEST(Probes, Imap) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the server runs as its own user";
  TempDir dir;
  const fs::path& d = dir.path();
  std::uint16_t port = free_port();
  write_file(d / "dovecot.conf",
             "protocols = imap\nlisten = 127.0.0.1\nbase_dir = " + (d / "run").string() +
                 "\nstate_dir = " + (d / "state").string() +
                 "\nlog_path = " + (d / "dovecot.log").string() +
                 "\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n"
                 "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN " +
                 (d / "passwd").string() +
                 "\n}\n"
                 "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=" +
                 (d / "home").string() +
                 "/%u\n}\n"
                 "mail_location = maildir:" +
                 (d / "mail").string() +
                 "/%u\n"
                 "service imap-login {\n  chroot =\n  inet_listener imap {\n    address = "
                 "127.0.0.1\n    port = " +
                 std::to_string(port) +
                 "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
                 "service anvil {\n  chroot =\n}\n");
  write_file(d / "passwd", "bob:{PLAIN}bobpw\n");
  for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(d / "mail" / "bob" / sub);
  fs::create_directories(d / "home" / "bob");
  write_file(
      d / "mail" / "bob" / "cur" / "1700000000.1.lab:2,S",
      "From: alice@lab.test\r\nTo: bob@lab.test\r\nSubject: Welcome aboard\r\n\r\nhello\r\n");
  ASSERT_EQ(
      run_tool({"chown", "-R", "nobody:nogroup", (d / "mail").string(), (d / "home").string()}), 0);
  Background server({"dovecot", "-F", "-c", (d / "dovecot.conf").string()}, d / "out.log");
  ASSERT_TRUE(wait_tcp(port, 15s)) << read_text(d / "out.log") << read_text(d / "dovecot.log");
  EXPECT_EVIDENCE(run(checks::ImapCheck{"127.0.0.1", port, "bob", "bobpw", "INBOX", "Welcome"}),
                  kPass, "message(s) 1 match subject \"Welcome\"");
  EXPECT_EVIDENCE(run(checks::ImapCheck{"127.0.0.1", port, "bob", "bobpw", "INBOX", "Invoice"}),
                  kFail, "no message in INBOX has subject \"Invoice\"");
  EXPECT_EVIDENCE(run(checks::ImapCheck{"127.0.0.1", port, "bob", "bobpw", "INBOX"}), kPass,
                  "logged in, INBOX opened");
  EXPECT_EVIDENCE(run(checks::ImapCheck{"127.0.0.1", port, "bob", "wrong", "INBOX"}), kFail,
                  "login as bob refused: A002 NO [AUTHENTICATIONFAILED] Authentication failed.");
  EXPECT_EVIDENCE(run(checks::ImapCheck{"127.0.0.1", port, "bob", "bobpw", "Archive", "Welcome"}),
                  kFail, "IMAP failed: A003 NO Mailbox doesn't exist: Archive");
  server.stop();
  EXPECT_EVIDENCE(run(checks::ImapCheck{"127.0.0.1", port, "bob", "bobpw", "INBOX", "Welcome"}),
                  kFail, "IMAP failed: ");
}

TEST(Probes, PostgreSql) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the server runs as its own user";
  TempDir dir;
  const std::string bin = "/usr/lib/postgresql/15/bin/";
  fs::path data = dir.path() / "data";
  std::string out;
  ASSERT_EQ(run_tool({"chown", "postgres", dir.path().string()}), 0);
  ASSERT_EQ(run_tool({"runuser", "-u", "postgres", "--", bin + "initdb", "-D", data.string(), "-U",
                      "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                      "--no-sync"},
                     &out),
            0)
      << out;
  std::uint16_t port = free_port();
  ASSERT_EQ(run_tool({"runuser", "-u", "postgres", "--", bin + "pg_ctl", "-D", data.string(), "-l",
                      (dir.path() / "log").string(), "-w", "-o",
                      "-p " + std::to_string(port) + " -k " + dir.path().string() +
                          " -c listen_addresses=127.0.0.1 -c fsync=off",
                      "start"},
                     &out),
            0)
      << out << read_text(dir.path() / "log");
  struct Stop {
    std::string bin, data;
    ~Stop() {
      run_tool({"runuser", "-u", "postgres", "--", bin + "pg_ctl", "-D", data, "-m", "immediate",
                "-w", "stop"});
    }
  } stop{bin, data.string()};
  ASSERT_EQ(
      run_tool(
          {"runuser", "-u", "postgres", "--", bin + "psql", "-h", dir.path().string(), "-p",
           std::to_string(port), "-v", "ON_ERROR_STOP=1", "-c",
           "ALTER USER postgres PASSWORD 'secret'", "-c", "CREATE DATABASE shop", "-c", "\\c shop",
           "-c",
           "CREATE TABLE orders(id int, item text); INSERT INTO orders VALUES (1,'pen'),(2,NULL);"},
          &out),
      0)
      << out;
  using checks::SqlCheck;
  auto pg = [&](std::string query, std::vector<std::vector<std::string>> rows,
                std::optional<int> count = std::nullopt, bool succeeds = true,
                std::string password = "secret") {
    return SqlCheck{checks::SqlEngine::kPostgresql,
                    "127.0.0.1",
                    port,
                    "postgres",
                    password,
                    "shop",
                    query,
                    rows,
                    count,
                    succeeds};
  };
  EXPECT_EVIDENCE(run(pg("SELECT id, item FROM orders ORDER BY id", {{"1", "pen"}, {"2", "NULL"}})),
                  kPass, "2 rows [(1, pen), (2, NULL)]");
  EXPECT_EVIDENCE(run(pg("SELECT id, item FROM orders ORDER BY id", {{"1", "pen"}})), kFail,
                  "2 rows [(1, pen), (2, NULL)]");
  EXPECT_EVIDENCE(run(pg("SELECT * FROM orders", {}, 2)), kPass, "2 rows");
  EXPECT_EVIDENCE(run(pg("SELECT * FROM orders", {}, 3)), kFail, "2 rows");
  EXPECT_EVIDENCE(run(pg("SELECT 1", {}, std::nullopt, true, "wrong")), kFail,
                  "failed: login: connection to server at \"127.0.0.1\", port " +
                      std::to_string(port) +
                      " failed: FATAL:  password authentication failed for user \"postgres\"");
  EXPECT_EVIDENCE(run(pg("SELECT * FROM customers", {}, std::nullopt, false)), kPass,
                  "failed: query: ERROR:  relation \"customers\" does not exist");
  EXPECT_EVIDENCE(run(pg("SELECT * FROM orders", {}, std::nullopt, false)), kFail, "2 rows");
}

TEST(Probes, Ldap) {
  TempDir dir;
  fs::path db = dir.path() / "db";
  fs::create_directories(db);
  write_file(dir.path() / "slapd.conf",
             "include /etc/ldap/schema/core.schema\n"
             "include /etc/ldap/schema/cosine.schema\n"
             "include /etc/ldap/schema/nis.schema\n"
             "include /etc/ldap/schema/inetorgperson.schema\n"
             "pidfile " +
                 (dir.path() / "slapd.pid").string() +
                 "\n"
                 "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
                 "database mdb\nmaxsize 10485760\nsuffix \"dc=lab,dc=test\"\n"
                 "rootdn \"cn=admin,dc=lab,dc=test\"\nrootpw secret\n"
                 "directory " +
                 db.string() + "\n");
  write_file(
      dir.path() / "data.ldif",
      "dn: dc=lab,dc=test\nobjectClass: dcObject\nobjectClass: organization\no: lab\ndc: lab\n\n"
      "dn: ou=people,dc=lab,dc=test\nobjectClass: organizationalUnit\nou: people\n\n"
      "dn: uid=bob,ou=people,dc=lab,dc=test\nobjectClass: inetOrgPerson\nuid: bob\ncn: Bob\nsn: "
      "Builder\n"
      "mail: bob@lab.test\nuserPassword: bobpw\n\n"
      "dn: uid=alice,ou=people,dc=lab,dc=test\nobjectClass: inetOrgPerson\nuid: alice\ncn: "
      "Alice\nsn: A\n"
      "mail: alice@lab.test\n\n"
      "dn: cn=staff,dc=lab,dc=test\nobjectClass: groupOfNames\ncn: staff\n"
      "member: uid=bob,ou=people,dc=lab,dc=test\n");
  std::string out;
  ASSERT_EQ(run_tool({"slapadd", "-f", (dir.path() / "slapd.conf").string(), "-l",
                      (dir.path() / "data.ldif").string()},
                     &out),
            0)
      << out;
  std::uint16_t port = free_port();
  std::string url = "ldap://127.0.0.1:" + std::to_string(port);
  Background server(
      {"slapd", "-d", "0", "-f", (dir.path() / "slapd.conf").string(), "-h", url + "/"},
      dir.path() / "log");
  ASSERT_TRUE(wait_tcp(port, 15s)) << read_text(dir.path() / "log");
  using checks::LdapCheck;
  using checks::LdapScope;
  std::optional<std::string> admin = "cn=admin,dc=lab,dc=test", pw = "secret";
  EXPECT_EVIDENCE(run(LdapCheck{url, admin, pw, "ou=people,dc=lab,dc=test", "(uid=bob)",
                                LdapScope::kSub, "mail", "bob@lab.test"}),
                  kPass,
                  "1 entries (first uid=bob,ou=people,dc=lab,dc=test), mail: \"bob@lab.test\"");
  EXPECT_EVIDENCE(run(LdapCheck{url, admin, pw, "ou=people,dc=lab,dc=test", "(uid=bob)",
                                LdapScope::kSub, "mail", "robert@lab.test"}),
                  kFail, "mail: \"bob@lab.test\"");
  EXPECT_EVIDENCE(
      run(LdapCheck{url, admin, pw, "ou=people,dc=lab,dc=test", "(objectClass=inetOrgPerson)",
                    LdapScope::kOne, std::nullopt, std::nullopt, 2}),
      kPass, "2 entries");
  EXPECT_EVIDENCE(run(LdapCheck{url, admin, pw, "dc=lab,dc=test", "(uid=carol)"}), kFail,
                  "0 entries");
  // Group membership: the group's member attribute holds bob's DN.
  EXPECT_EVIDENCE(
      run(LdapCheck{url, std::nullopt, std::nullopt, "cn=staff,dc=lab,dc=test", "(objectClass=*)",
                    LdapScope::kBase, "member", "uid=bob,ou=people,dc=lab,dc=test"}),
      kPass, "member: \"uid=bob,ou=people,dc=lab,dc=test\"");
  EXPECT_EVIDENCE(run(LdapCheck{url, admin, std::string("wrong"), "dc=lab,dc=test"}), kFail,
                  "bind as cn=admin,dc=lab,dc=test refused: Invalid credentials");
  // A user binding with their own password: what a lab's "bob can log in" task checks.
  EXPECT_EVIDENCE(run(LdapCheck{url, std::string("uid=bob,ou=people,dc=lab,dc=test"),
                                std::string("bobpw"), "dc=lab,dc=test", "(uid=bob)"}),
                  kPass, "1 entries");
  EXPECT_EVIDENCE(run(LdapCheck{url, admin, pw, "ou=nowhere,dc=lab,dc=test"}), kFail,
                  "no such base ou=nowhere,dc=lab,dc=test");
  server.stop();
  EXPECT_EVIDENCE(run(LdapCheck{url, admin, pw, "dc=lab,dc=test"}, 2s), kFail,
                  "bind as cn=admin,dc=lab,dc=test failed: Can't contact LDAP server");
}

TEST(Probes, MariaDb) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the server runs as its own user";
  TempDir dir;
  fs::path data = dir.path() / "data";
  std::string out;
  ASSERT_EQ(run_tool({"mariadb-install-db", "--no-defaults", "--datadir=" + data.string(),
                      "--user=mysql", "--auth-root-authentication-method=normal", "--skip-test-db"},
                     &out),
            0)
      << out;
  std::uint16_t port = free_port();
  // mariadbd runs as mysql: its socket and pid file go in the data folder it owns.
  std::string sock = (data / "mysqld.sock").string();
  Background server({"mariadbd", "--no-defaults", "--datadir=" + data.string(), "--user=mysql",
                     "--port=" + std::to_string(port), "--bind-address=127.0.0.1",
                     "--socket=" + sock, "--pid-file=" + (data / "mysqld.pid").string(),
                     "--skip-name-resolve", "--innodb-buffer-pool-size=16M", "--skip-log-bin"},
                    dir.path() / "log");
  ASSERT_TRUE(wait_tcp(port, 60s)) << read_text(dir.path() / "log");
  // The TCP port can open before the local socket the setup below uses.
  ASSERT_TRUE(test_support::wait_until([&] { return fs::exists(sock); }, 30s, "mariadb's socket"));
  ASSERT_EQ(run_tool({"mariadb", "--no-defaults", "-S", sock, "-u", "root", "-e",
                      "CREATE DATABASE shop; CREATE USER app@'%' IDENTIFIED BY 'apppw'; GRANT ALL "
                      "ON shop.* TO app@'%'; "
                      "CREATE TABLE shop.orders(id int, item varchar(20)); INSERT INTO shop.orders "
                      "VALUES (1,'pen'),(2,NULL);"},
                     &out),
            0)
      << out;
  auto my = [&](std::string query, std::vector<std::vector<std::string>> rows,
                std::optional<int> count = std::nullopt, bool succeeds = true,
                std::string password = "apppw") {
    return checks::SqlCheck{checks::SqlEngine::kMariadb,
                            "127.0.0.1",
                            port,
                            "app",
                            password,
                            "shop",
                            query,
                            rows,
                            count,
                            succeeds};
  };
  EXPECT_EVIDENCE(run(my("SELECT id, item FROM orders ORDER BY id", {{"1", "pen"}, {"2", "NULL"}})),
                  kPass, "2 rows [(1, pen), (2, NULL)]");
  EXPECT_EVIDENCE(run(my("SELECT id FROM orders ORDER BY id", {{"2"}, {"1"}})), kFail,
                  "2 rows [(1), (2)]");
  EXPECT_EVIDENCE(run(my("SELECT 1", {}, std::nullopt, true, "wrong")), kFail,
                  "failed: login: Access denied for user 'app'");
  EXPECT_EVIDENCE(run(my("SELECT * FROM customers", {}, std::nullopt, false)), kPass,
                  "failed: query: Table 'shop.customers' doesn't exist");
}

}  // namespace
}  // namespace atelier::agent
