// Every local check kind against this machine's real state (temp files, the current user, a
// port the test opens, lo, /proc), each with a pass and a fail case and its evidence checked.
#include <arpa/inet.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/checks/check.h"
#include "agent/checks/parsers.h"
#include "agent/checks/sock_diag.h"
#include "agent/runner.h"
#include "tests/support/test_support.h"
#include "tests/unit/agent/evidence_expect.h"

namespace atelier::agent {
namespace {
namespace fs = std::filesystem;
using checks::Check;

Evidence run(checks::CheckKind kind, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return run_check(Check{"", "", timeout, std::move(kind)});
}

const auto kPass = CheckStatus::kPass;
const auto kFail = CheckStatus::kFail;
const auto kError = CheckStatus::kError;

class LocalChecks : public ::testing::Test {
 protected:
  void SetUp() override { me_ = getpwuid(geteuid())->pw_name; }
  test_support::TempDir tmp_{"atelier-checks"};
  fs::path dir_ = tmp_.path();
  std::string me_;
};

TEST_F(LocalChecks, File) {
  fs::path f = dir_ / "motd";
  std::ofstream(f) << "hello\nworld 42\n";
  ::chmod(f.c_str(), 0640);
  // sha256 of "hello\nworld 42\n", computed independently with sha256sum.
  std::string sum;
  {
    FILE* p = popen(("sha256sum " + f.string()).c_str(), "r");
    char buf[128] = {};
    ASSERT_TRUE(fgets(buf, sizeof buf, p));
    pclose(p);
    sum = std::string(buf).substr(0, 64);
  }
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, "0640", me_, std::nullopt, "world",
                                        "^world [0-9]+$", sum}),
                  kPass,
                  "mode 0640; owner " + me_ +
                      "; content contains \"world\"; matched \"world 42\"; sha256 " + sum);
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, "0644"}), kFail, "mode 0640");
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, std::nullopt, "atelier-nobody"}), kFail,
                  "owner " + me_);
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, std::nullopt, std::nullopt, std::nullopt,
                                        "absent text"}),
                  kFail, "does not contain \"absent text\"");
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, std::nullopt, std::nullopt, std::nullopt,
                                        std::nullopt, "^bye"}),
                  kFail, "no line matches /^bye/");
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, std::nullopt, std::nullopt, std::nullopt,
                                        std::nullopt, std::nullopt, std::string(64, '0')}),
                  kFail, "sha256 " + sum);
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, true}), kFail, "is a file");
  EXPECT_EVIDENCE(run(checks::FileCheck{dir_, true, true}), kPass, "is a directory");
  EXPECT_EVIDENCE(run(checks::FileCheck{dir_ / "none", true}), kFail, "does not exist");
  EXPECT_EVIDENCE(run(checks::FileCheck{dir_ / "none", false}), kPass, "does not exist");
  EXPECT_EVIDENCE(run(checks::FileCheck{f, false}), kFail, "exists (a file)");
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, "9999"}), kError, "not an octal mode");
  EXPECT_EVIDENCE(run(checks::FileCheck{f, true, false, std::nullopt, std::nullopt, std::nullopt,
                                        std::nullopt, "("}),
                  kError, "invalid regex");
}

// Candidate-controlled content cannot crash or stall a regex check (issue 19: std::regex recursed
// once per character and was killed by SIGSEGV on 200,000 spaces; 20,000 newlines took 4 s).
TEST_F(LocalChecks, RegexOnHostileContentAnswersWithoutCrashing) {
  fs::path spaces = dir_ / "spaces";
  std::ofstream(spaces) << std::string(200000, ' ') << "root /var/www;\n";
  const std::optional<std::string> none;
  EXPECT_EVIDENCE(
      run(checks::FileCheck{spaces, true, false, none, none, none, none, "^\\s*root\\s"}), kPass,
      "matched");
  fs::path lines = dir_ / "newlines";
  std::ofstream(lines) << std::string(20000, '\n') << "x";
  EXPECT_EVIDENCE(
      run(checks::FileCheck{lines, true, false, none, none, none, none, "^\\s*root\\s"}), kFail,
      "no line matches");
  EXPECT_EVIDENCE(
      run(checks::CommandCheck{"head -c 300000 /dev/zero | tr '\\0' ' '", 0, "^\\s*(a|\\s)*b"}),
      kFail, "exit 0");
  // Lookaround is not RE2: the check says the pattern is invalid, it does not guess.
  EXPECT_EVIDENCE(run(checks::FileCheck{spaces, true, false, none, none, none, none, "(?=root)"}),
                  kError, "invalid regex");
}

TEST_F(LocalChecks, Package) {
  EXPECT_EVIDENCE(run(checks::PackageCheck{"dpkg"}), kPass, "package dpkg installed, version 1.");
  EXPECT_EVIDENCE(run(checks::PackageCheck{"dpkg", true, "0.0.1"}), kFail, "installed, version 1.");
  EXPECT_EVIDENCE(run(checks::PackageCheck{"atelier-no-such-package"}), kFail,
                  "not installed (unknown to dpkg)");
  EXPECT_EVIDENCE(run(checks::PackageCheck{"atelier-no-such-package", false}), kPass,
                  "not installed");
}

TEST_F(LocalChecks, Service) {
  if (fs::exists("/run/systemd/system")) {
    EXPECT_EVIDENCE(
        run(checks::ServiceCheck{"atelier-no-such.service", checks::ServiceState::kRunning}), kFail,
        "atelier-no-such.service is inactive");
  } else {
    // No systemd as PID 1 (containers, this CI): the check must say it could not look, not fail.
    EXPECT_EVIDENCE(run(checks::ServiceCheck{"ssh", checks::ServiceState::kRunning}), kError,
                    "systemctl is-active ssh:");
  }
  // is-enabled reads unit files, so it works without systemd running.
  ASSERT_TRUE(fs::exists("/lib/systemd/system/debug-shell.service"))
      << "systemd's unit files are expected here";
  EXPECT_EVIDENCE(run(checks::ServiceCheck{"debug-shell", std::nullopt, true}), kFail,
                  "debug-shell is disabled");
  EXPECT_EVIDENCE(run(checks::ServiceCheck{"debug-shell", std::nullopt, false}), kPass,
                  "debug-shell is disabled");
  EXPECT_EVIDENCE(run(checks::ServiceCheck{"atelier-nope", std::nullopt, true}), kError,
                  "systemctl is-enabled atelier-nope: Failed to get unit file state");
}

TEST_F(LocalChecks, UserAndGroupThroughNss) {
  passwd* pw = getpwuid(geteuid());
  std::string home = pw->pw_dir;
  std::string primary = getgrgid(pw->pw_gid)->gr_name;
  EXPECT_EVIDENCE(run(checks::UserCheck{me_, true, pw->pw_shell, home, {primary}}), kPass,
                  "member of " + primary);
  EXPECT_EVIDENCE(run(checks::UserCheck{me_, true, "/bin/atelier-sh"}), kFail,
                  std::string("shell ") + pw->pw_shell);
  EXPECT_EVIDENCE(
      run(checks::UserCheck{me_, true, std::nullopt, std::nullopt, {"atelier-no-group"}}), kFail,
      "not in atelier-no-group (groups: " + primary);
  EXPECT_EVIDENCE(run(checks::UserCheck{"atelier-no-user"}), kFail,
                  "no user atelier-no-user (NSS)");
  EXPECT_EVIDENCE(run(checks::UserCheck{"atelier-no-user", false}), kPass, "no user");
  EXPECT_EVIDENCE(run(checks::UserCheck{me_, false}), kFail, "user " + me_ + " exists, uid");

  EXPECT_EVIDENCE(run(checks::GroupCheck{primary, true, {me_}}), kPass,
                  "member " + me_ + " (primary group)");
  EXPECT_EVIDENCE(run(checks::GroupCheck{primary, true, {"atelier-no-user"}}), kFail,
                  "atelier-no-user is not a member");
  EXPECT_EVIDENCE(run(checks::GroupCheck{"atelier-no-group"}), kFail, "no group atelier-no-group");
  EXPECT_EVIDENCE(run(checks::GroupCheck{"atelier-no-group", false}), kPass, "no group");
}

TEST_F(LocalChecks, Process) {
  std::string comm;
  std::getline(std::ifstream("/proc/self/comm"), comm);
  EXPECT_EVIDENCE(run(checks::ProcessCheck{comm, true, me_}), kPass,
                  "named " + comm + " (user " + me_);
  EXPECT_EVIDENCE(run(checks::ProcessCheck{comm, true, "atelier-no-user"}), kFail, "(user " + me_);
  EXPECT_EVIDENCE(run(checks::ProcessCheck{comm, false}), kFail, "process(es) named " + comm);
  EXPECT_EVIDENCE(run(checks::ProcessCheck{"atelier-nope"}), kFail,
                  "no process named atelier-nope");
  EXPECT_EVIDENCE(run(checks::ProcessCheck{"atelier-nope", false}), kPass,
                  "no process named atelier-nope");
}

// Binds a socket on 127.0.0.1, port chosen by the kernel.
int bind_loopback(int type, std::uint16_t& port) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  if (type == SOCK_STREAM) ::listen(fd, 4);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

bool has_entry(const std::vector<SocketEntry>& entries, std::uint16_t port, int state) {
  for (const auto& e : entries) {
    if (e.port == port && e.state == state && e.address == "127.0.0.1") return true;
  }
  return false;
}

std::string slurp(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The port check asks sock_diag first: it must see what /proc/net shows (a tcp listener in
// LISTEN, 0x0A; a bound udp socket in CLOSE, 0x07), and nothing of a state not asked for.
TEST(SockDiag, SeesWhatProcNetShows) {
  std::uint16_t tcp_port = 0, udp_port = 0;
  int tcp = bind_loopback(SOCK_STREAM, tcp_port);
  int udp = bind_loopback(SOCK_DGRAM, udp_port);
  auto listeners = diag_sockets(false, IPPROTO_TCP, 1U << 0x0A);
  auto unconnected = diag_sockets(false, IPPROTO_UDP, 1U << 0x07);
  auto established = diag_sockets(false, IPPROTO_TCP, 1U << 0x01);
  ASSERT_TRUE(listeners && unconnected && established) << "the kernel did not answer sock_diag";
  EXPECT_TRUE(has_entry(*listeners, tcp_port, 0x0A));
  EXPECT_TRUE(has_entry(parse_proc_net(slurp("/proc/net/tcp"), false), tcp_port, 0x0A));
  EXPECT_TRUE(has_entry(*unconnected, udp_port, 0x07));
  EXPECT_TRUE(has_entry(parse_proc_net(slurp("/proc/net/udp"), false), udp_port, 0x07));
  EXPECT_FALSE(has_entry(*established, tcp_port, 0x0A));
  ::close(tcp);
  ::close(udp);
  listeners = diag_sockets(false, IPPROTO_TCP, 1U << 0x0A);
  ASSERT_TRUE(listeners);
  EXPECT_FALSE(has_entry(*listeners, tcp_port, 0x0A));
}

TEST_F(LocalChecks, PortTcpFlowAndUdp) {
  std::uint16_t port = 0;
  int fd = bind_loopback(SOCK_STREAM, port);
  std::string p = std::to_string(port);
  EXPECT_EVIDENCE(run(checks::PortCheck{port, checks::Transport::kTcp, true, "127.0.0.1"}), kPass,
                  "tcp/" + p + " listening on 127.0.0.1");
  EXPECT_EVIDENCE(run(checks::PortCheck{port, checks::Transport::kTcp, true, "10.1.2.3"}), kFail,
                  "listening on 127.0.0.1");
  EXPECT_EVIDENCE(run(checks::PortCheck{port, checks::Transport::kTcp, false}), kFail,
                  "listening on 127.0.0.1");
  EXPECT_EVIDENCE(run(checks::TcpCheck{"127.0.0.1", port, true}), kPass,
                  "connected to 127.0.0.1:" + p);
  EXPECT_EVIDENCE(run(checks::FlowCheck{"127.0.0.1", port, checks::Transport::kTcp, true}), kPass,
                  "allowed: connected");
  EXPECT_EVIDENCE(run(checks::FlowCheck{"127.0.0.1", port, checks::Transport::kTcp, false}), kFail,
                  "allowed: connected");
  ::close(fd);
  EXPECT_EVIDENCE(run(checks::PortCheck{port}), kFail, "nothing listens on tcp/" + p);
  EXPECT_EVIDENCE(run(checks::PortCheck{port, checks::Transport::kTcp, false}), kPass,
                  "nothing listens");
  EXPECT_EVIDENCE(run(checks::TcpCheck{"127.0.0.1", port, true}), kFail, "Connection refused");
  EXPECT_EVIDENCE(run(checks::TcpCheck{"127.0.0.1", port, false}), kPass, "Connection refused");
  EXPECT_EVIDENCE(run(checks::FlowCheck{"127.0.0.1", port, checks::Transport::kTcp, false}), kPass,
                  "blocked: connect to 127.0.0.1:" + p + ": Connection refused");
  EXPECT_EVIDENCE(run(checks::TcpCheck{"atelier-no-such-host.invalid", 80, true}), kError,
                  "cannot resolve");

  int ufd = bind_loopback(SOCK_DGRAM, port);
  p = std::to_string(port);
  EXPECT_EVIDENCE(run(checks::PortCheck{port, checks::Transport::kUdp}), kPass,
                  "udp/" + p + " listening on 127.0.0.1");
  // A bound udp socket that never answers: silence, reported as such.
  EXPECT_EVIDENCE(run(checks::FlowCheck{"127.0.0.1", port, checks::Transport::kUdp, true},
                      std::chrono::milliseconds(300)),
                  kFail, "no reply and no refusal");
  // The silent probe above left one datagram queued; drain it before the echo responder
  // starts, so that the responder answers the next probe, not the old one.
  char drain[64];
  while (::recv(ufd, drain, sizeof drain, MSG_DONTWAIT) >= 0) {
  }
  // An echo responder: allowed.
  std::thread echo([&] {
    char buf[64];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(ufd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n >= 0)
      ::sendto(ufd, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
  });
  EXPECT_EVIDENCE(run(checks::FlowCheck{"127.0.0.1", port, checks::Transport::kUdp, true}), kPass,
                  "allowed: reply of");
  echo.join();
  ::close(ufd);
  EXPECT_EVIDENCE(run(checks::FlowCheck{"127.0.0.1", port, checks::Transport::kUdp, false}), kPass,
                  "blocked: udp to 127.0.0.1:" + p + ": Connection refused");
}

TEST_F(LocalChecks, RouteAndInterface) {
  EXPECT_EVIDENCE(run(checks::RouteCheck{"127.0.0.0/8", std::nullopt, "lo"}), kPass,
                  "127.0.0.0/8 dev lo table local");
  EXPECT_EVIDENCE(run(checks::RouteCheck{"127.0.0.0/8", std::nullopt, "eth9"}), kFail,
                  "127.0.0.0/8 dev lo");
  EXPECT_EVIDENCE(run(checks::RouteCheck{"203.0.113.0/24"}), kFail, "no route to 203.0.113.0/24");
  EXPECT_EVIDENCE(run(checks::RouteCheck{"203.0.113.0/24", std::nullopt, std::nullopt, false}),
                  kPass, "no route");
  EXPECT_EVIDENCE(run(checks::InterfaceCheck{"lo", "127.0.0.1/8", true}), kPass, "lo up");
  EXPECT_EVIDENCE(run(checks::InterfaceCheck{"lo", "10.99.0.1/24"}), kFail,
                  "addresses 127.0.0.1/8");
  EXPECT_EVIDENCE(run(checks::InterfaceCheck{"lo", std::nullopt, false}), kFail, "lo up");
  EXPECT_EVIDENCE(run(checks::InterfaceCheck{"atelier9"}), kFail,
                  "no interface atelier9 (have: lo");
}

TEST_F(LocalChecks, FirewallReadsTheRealRulesetWithoutChangingIt) {
  EXPECT_EVIDENCE(run(checks::FirewallCheck{"inet", "atelier-no-such-table"}), kFail,
                  "no table inet atelier-no-such-table");
  EXPECT_EVIDENCE(run(checks::FirewallCheck{"inet", "atelier-no-such-table", std::nullopt,
                                            std::nullopt, std::nullopt, false}),
                  kPass, "no table");
}

TEST_F(LocalChecks, CommandWithTimeoutKillingTheProcessGroup) {
  EXPECT_EVIDENCE(run(checks::CommandCheck{"echo ready; echo oops >&2", 0, "^ready$"}), kPass,
                  "exit 0, stdout \"ready\\n\", stderr \"oops\\n\"");
  EXPECT_EVIDENCE(run(checks::CommandCheck{"exit 3"}), kFail, "exit 3");
  EXPECT_EVIDENCE(run(checks::CommandCheck{"echo nope", 0, "^ready$"}), kFail,
                  "stdout \"nope\\n\"");
  EXPECT_EVIDENCE(run(checks::CommandCheck{"id -un", 0, "^nobody$", "nobody"}), kPass,
                  "stdout \"nobody\\n\"");
  // Plain words run without a shell, and read the same as under sh: a missing program is
  // sh's exit 127, a builtin still goes to the shell, a redirection too.
  EXPECT_EVIDENCE(run(checks::CommandCheck{"no-such-program-atelier x", 127}), kPass, "not found");
  EXPECT_EVIDENCE(run(checks::CommandCheck{"cd /", 0}), kPass, "exit 0");
  EXPECT_EVIDENCE(run(checks::CommandCheck{"uname -s", 0, "^Linux$"}), kPass,
                  "stdout \"Linux\\n\"");
  EXPECT_EVIDENCE(run(checks::CommandCheck{"echo to-stderr 1>&2", 0}), kPass,
                  "stderr \"to-stderr\\n\"");

  // A command that leaves a child behind and then hangs: the timeout kills both.
  fs::path pidfile = dir_ / "child.pid";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EVIDENCE(
      run(checks::CommandCheck{"sleep 60 & echo $! > " + pidfile.string() + "; sleep 60"},
          std::chrono::milliseconds(700)),
      kError, "no exit within 700 ms: the process group was killed");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  pid_t child = 0;
  std::ifstream(pidfile) >> child;
  ASSERT_GT(child, 0);
  // Reaped by its parent's death or by init; either way no longer running.
  bool gone = false;
  gone = test_support::wait_until(
      [&] {
        std::string pid, comm, state;
        std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
        if (!stat) return true;
        stat >> pid >> comm >> state;
        return state == "Z";
      },
      std::chrono::milliseconds(2500), "the background child to die");
  EXPECT_TRUE(gone) << "the background child " << child << " survived the timeout";
  if (!gone) ::kill(child, SIGKILL);
}

TEST_F(LocalChecks, SysctlMountDiskFree) {
  EXPECT_EVIDENCE(run(checks::SysctlCheck{"kernel.ostype", "Linux"}), kPass,
                  "kernel.ostype = Linux");
  EXPECT_EVIDENCE(run(checks::SysctlCheck{"kernel.ostype", "FreeBSD"}), kFail,
                  "kernel.ostype = Linux");
  EXPECT_EVIDENCE(run(checks::SysctlCheck{"kernel.atelier_nope", "1"}), kFail,
                  "no sysctl kernel.atelier_nope");

  EXPECT_EVIDENCE(run(checks::MountCheck{"/proc", true, "proc"}), kPass,
                  "/proc mounted, type proc");
  EXPECT_EVIDENCE(run(checks::MountCheck{"/proc", true, "ext4"}), kFail,
                  "/proc mounted, type proc");
  EXPECT_EVIDENCE(run(checks::MountCheck{dir_, true}), kFail, "is not a mount point");
  EXPECT_EVIDENCE(run(checks::MountCheck{dir_, false}), kPass, "is not a mount point");

  EXPECT_EVIDENCE(run(checks::DiskFreeCheck{dir_, 1, 0.001}), kPass, "free on " + dir_.string());
  EXPECT_EVIDENCE(run(checks::DiskFreeCheck{dir_, std::uint64_t(1) << 62}), kFail,
                  "free on " + dir_.string());
  EXPECT_EVIDENCE(run(checks::DiskFreeCheck{dir_, std::nullopt, 100.5}), kFail, "%) free");
  EXPECT_EVIDENCE(run(checks::DiskFreeCheck{dir_ / "none", 1}), kError,
                  "No such file or directory");
}

TEST_F(LocalChecks, PingLoopback) {
  EXPECT_EVIDENCE(run(checks::PingCheck{"127.0.0.1", true, 2}), kPass,
                  "2 of 2 echo replies from 127.0.0.1");
  EXPECT_EVIDENCE(run(checks::PingCheck{"127.0.0.1", false, 1}), kFail, "1 of 1 echo replies");
}

TEST_F(LocalChecks, BundleGivesIdsTimingAndDescriptions) {
  protocol::RunChecks bundle{
      "b7",
      {Check{"", "", std::chrono::seconds(5), checks::FileCheck{dir_}},
       Check{"", "motd is there", std::chrono::seconds(5), checks::FileCheck{dir_ / "motd"}}}};
  auto results = run_bundle(bundle, "web");
  ASSERT_EQ(results.results.size(), 2u);
  EXPECT_EQ(results.bundle_id, "b7");
  EXPECT_EQ(results.host, "web");
  EXPECT_EQ(results.results[0].result_id, "b7/0");
  EXPECT_EQ(results.results[1].result_id, "b7/1");
  EXPECT_EQ(results.results[0].status, kPass);
  EXPECT_EQ(results.results[1].status, kFail);
  EXPECT_EQ(results.results[0].description, "file: " + dir_.string() + " exists");
  EXPECT_EQ(results.results[1].description, "motd is there");
  EXPECT_GT(results.results[0].started_unix_ms, 1600000000000);
  EXPECT_GE(results.finished_unix_ms, results.results[1].started_unix_ms);
}

}  // namespace
}  // namespace atelier::agent
