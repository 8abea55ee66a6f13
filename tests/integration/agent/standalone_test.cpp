// The atelier-agent executable itself: `run --checks FILE` exit codes and output formats,
// checks run inside a network namespace whose only interface is down, and the idle memory
// of `serve` (the issue asks for < 10 MB RSS).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/protocol/agent_client.h"
#include "tests/integration/agent/servers.h"

namespace atelier::agent {
namespace {
using namespace std::chrono_literals;
using namespace atelier::agent::testing;

const std::string kAgent = ATELIER_AGENT_BINARY;

TEST(Standalone, ExitCodesAndFormats) {
  TempDir dir;
  write_file(dir.path() / "motd", "welcome\n");
  write_file(dir.path() / "pass.yaml",
             "checks:\n"
             "  - {file: {path: " +
                 (dir.path() / "motd").string() +
                 ", contains: welcome}}\n"
                 "  - {description: loopback is up, interface: {name: lo, up: true}}\n");
  write_file(dir.path() / "fail.yaml", "- {file: {path: " + (dir.path() / "motd").string() +
                                           ", contains: goodbye}}\n"
                                           "- {command: {run: 'exit 0'}}\n");
  write_file(dir.path() / "invalid.yaml", "- {file: {pth: /x}}\n");
  std::string out;
  EXPECT_EQ(run_tool({kAgent, "run", "--checks", (dir.path() / "pass.yaml").string()}, &out), 0)
      << out;
  EXPECT_NE(out.find("PASS  [interface] loopback is up"), std::string::npos) << out;
  EXPECT_NE(out.find("2 passed, 0 failed, 0 errors"), std::string::npos) << out;

  EXPECT_EQ(
      run_tool({kAgent, "run", "--checks", (dir.path() / "fail.yaml").string(), "--output", "json"},
               &out),
      1)
      << out;
  boost::system::error_code ec;
  auto json = boost::json::parse(out, ec);
  ASSERT_FALSE(ec) << out;
  auto& results = json.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].at("status").as_string(), "fail");
  EXPECT_NE(std::string(results[0].at("observed").as_string()).find("does not contain \"goodbye\""),
            std::string::npos);
  EXPECT_EQ(json.at("summary").at("fail").as_int64(), 1);

  EXPECT_EQ(run_tool({kAgent, "run", "--checks", (dir.path() / "fail.yaml").string(), "--output",
                      "junit"},
                     &out),
            1);
  EXPECT_NE(out.find("<testsuite name=\"atelier-agent"), std::string::npos) << out;
  EXPECT_NE(out.find("failures=\"1\""), std::string::npos) << out;
  EXPECT_NE(out.find("<failure message=\""), std::string::npos) << out;

  EXPECT_EQ(run_tool({kAgent, "run", "--checks", (dir.path() / "invalid.yaml").string()}, &out), 2)
      << out;
  EXPECT_NE(out.find("invalid.yaml:1:"), std::string::npos) << out;
  EXPECT_EQ(run_tool({kAgent, "run", "--checks", (dir.path() / "none.yaml").string()}, &out), 2)
      << out;
  EXPECT_EQ(
      run_tool({kAgent, "run", "--checks", (dir.path() / "pass.yaml").string(), "--output", "xml"},
               &out),
      2)
      << out;
  EXPECT_EQ(run_tool({kAgent, "frobnicate"}, &out), 2) << out;
}

// A guest whose candidate took the network down: local checks still run and say so.
TEST(Standalone, ChecksRunWithTheNetworkDown) {
  TempDir dir;
  write_file(dir.path() / "net.yaml",
             "- {interface: {name: lo, up: true}}\n"
             "- {ping: {host: 127.0.0.1, count: 1}}\n"
             "- {flow: {to: 127.0.0.1, port: 80, allowed: false}}\n");
  std::string out;
  int rc = run_tool(
      {"unshare", "-n", kAgent, "run", "--checks", (dir.path() / "net.yaml").string()}, &out);
  if (out.find("unshare failed") != std::string::npos) GTEST_SKIP() << out;
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("lo down (state DOWN)"), std::string::npos) << out;
  EXPECT_NE(out.find("no echo sent: ping: connect: Network is unreachable"), std::string::npos)
      << out;
  EXPECT_NE(out.find("PASS  [flow]"), std::string::npos) << out;
}

TEST(Standalone, ServeIdlesUnderTenMegabytes) {
  TempDir dir;
  std::string path = (dir.path() / "port.sock").string();
  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  Background agent({kAgent, "serve", "--port", path, "--spool", (dir.path() / "spool").string()},
                   dir.path() / "log");
  int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto client = protocol::AgentClient::adopt(fd);
  ASSERT_TRUE(client->wait_hello(10s).ok());
  // Run a bundle of local checks first, so the figure is after real work, then idle.
  protocol::RunChecks bundle{"rss",
                             {checks::Check{"", "", 5s, checks::FileCheck{"/etc/passwd"}},
                              checks::Check{"", "", 5s, checks::PortCheck{22}},
                              checks::Check{"", "", 5s, checks::InterfaceCheck{"lo"}}}};
  auto results = client->run_checks(bundle, 10s);
  ASSERT_TRUE(results.ok());
  ASSERT_TRUE(client->ack(*results).ok());
  std::this_thread::sleep_for(500ms);
  // The agent is the only process named atelier-agent whose parent is this test.
  long rss_kb = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream status(entry.path() / "status");
    std::string line, name;
    long ppid = 0, rss = 0;
    while (std::getline(status, line)) {
      if (line.rfind("Name:", 0) == 0) name = line.substr(6);
      if (line.rfind("PPid:", 0) == 0) ppid = std::stol(line.substr(5));
      if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
    }
    if (name == "atelier-agent" && ppid == getpid()) rss_kb = rss;
  }
  ASSERT_GT(rss_kb, 0);
  std::printf("atelier-agent serve idle RSS: %ld kB\n", rss_kb);
  RecordProperty("idle_rss_kb", std::to_string(rss_kb));
  EXPECT_LT(rss_kb, 10 * 1024);
  client->close();
  agent.stop();
  ::close(listener);
}

}  // namespace
}  // namespace atelier::agent
