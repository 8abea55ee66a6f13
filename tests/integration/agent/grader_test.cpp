// The grader's runner (issue 20) without its network namespace: the real `atelier-agent grade`
// answers a bundle of protocol checks against a listener on loopback and refuses checks of a
// host's own state; run_checks sends a lab's checks `on: grader` to it beside the agents, with
// no decoys and no integrity flags, and turns a grader that cannot run into `error` results.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/process/run_process.h"
#include "common/protocol/codec.h"
#include "controller/provisioning/grader.h"
#include "controller/provisioning/lab_actions.h"
#include "tests/integration/agent/servers.h"

namespace atelier::provisioning {
namespace {
using namespace std::chrono_literals;
using namespace atelier::agent::testing;

const std::string kAgent = ATELIER_AGENT_BINARY;

// A TCP socket listening on 127.0.0.1 (the kernel completes handshakes without accept()).
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0 && ::listen(fd_, 8) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~Listener() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

Result<protocol::Results> grade_here(const protocol::RunChecks& bundle,
                                     std::chrono::milliseconds timeout) {
  return run_grade_process([](process::ProcessSpec s) { return process::run_process(s); },
                           {kAgent, "grade"}, bundle, timeout);
}

checks::Check tcp(std::uint16_t port, bool open) {
  return checks::Check{lab::kGraderHost, "", 5s, checks::TcpCheck{"127.0.0.1", port, open}};
}

TEST(Grader, AgentGradeRunsProtocolChecksAndRefusesLocalOnes) {
  Listener listening;
  ASSERT_NE(listening.port(), 0);
  const std::uint16_t closed = free_port();
  protocol::RunChecks bundle{
      "run-1/grader",
      {tcp(listening.port(), true), tcp(closed, true),
       checks::Check{lab::kGraderHost, "", 5s, checks::FileCheck{"/etc/passwd"}}}};
  auto results = grade_here(bundle, 20s);
  ASSERT_TRUE(results.ok()) << results.error().to_string();
  ASSERT_EQ(results->results.size(), 3u);
  EXPECT_EQ(results->host, "grader");
  EXPECT_EQ(results->results[0].status, protocol::CheckStatus::kPass)
      << results->results[0].observed;
  EXPECT_EQ(results->results[1].status, protocol::CheckStatus::kFail)
      << results->results[1].observed;
  // /etc/passwd exists here: a pass would mean the grader read its own disk.
  EXPECT_EQ(results->results[2].status, protocol::CheckStatus::kError);
  EXPECT_NE(results->results[2].observed.find("protocol checks only"), std::string::npos)
      << results->results[2].observed;
}

TEST(Grader, AnAnswerThatIsNotTheBundlesResultsIsAnError) {
  protocol::RunChecks bundle{"run-2/grader", {tcp(1, false)}};
  auto garbage = run_grade_process([](process::ProcessSpec s) { return process::run_process(s); },
                                   {"sh", "-c", "cat >/dev/null; echo not-a-message"}, bundle, 5s);
  ASSERT_FALSE(garbage.ok());
  auto failing = run_grade_process([](process::ProcessSpec s) { return process::run_process(s); },
                                   {"sh", "-c", "echo nope >&2; exit 3"}, bundle, 5s);
  ASSERT_FALSE(failing.ok());
  EXPECT_NE(failing.error().to_string().find("exited 3: nope"), std::string::npos)
      << failing.error().to_string();
  // Another bundle's results (a replay) are refused too.
  auto other = grade_here(protocol::RunChecks{"run-3/grader", {tcp(1, false)}}, 5s);
  ASSERT_TRUE(other.ok()) << other.error().to_string();
  const std::string replay = protocol::encode(protocol::Envelope{2, 1, *other});
  auto replayed =
      run_grade_process([](process::ProcessSpec s) { return process::run_process(s); },
                        {"sh", "-c", "cat >/dev/null; printf '%s' \"$0\"", replay}, bundle, 5s);
  EXPECT_FALSE(replayed.ok());
}

lab::Lab grader_lab(std::uint16_t open_port, std::uint16_t closed_port) {
  lab::Lab lab;
  lab.id = "grader";
  lab.hosts.push_back(lab::Host{});
  lab.hosts.back().name = "web";
  lab::Task up;
  up.id = "up";
  up.points = 1;
  up.checks = {tcp(open_port, true)};
  lab::Task down;
  down.id = "down";
  down.points = 1;
  down.checks = {tcp(closed_port, true), tcp(open_port, true)};
  lab.tasks = {up, down};
  return lab;
}

TEST(Grader, RunChecksSendsTheGradersChecksToItWithoutDecoys) {
  Listener listening;
  ASSERT_NE(listening.port(), 0);
  const lab::Lab lab = grader_lab(listening.port(), free_port());
  int bundles = 0;
  std::size_t sent_checks = 0;
  GraderRun grader = [&](const protocol::RunChecks& bundle, std::chrono::milliseconds t) {
    ++bundles;
    sent_checks = bundle.checks.size();
    return grade_here(bundle, t);
  };
  KnownInstances known;
  auto outcomes = run_checks([](const std::string&) { return nullptr; }, lab, "run-4", 20s,
                             random_source(), known, grader);
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().to_string();
  EXPECT_EQ(bundles, 1);
  EXPECT_EQ(sent_checks, 3u) << "the lab's three grader checks and no decoy";
  ASSERT_EQ(outcomes->size(), 2u);
  EXPECT_TRUE((*outcomes)[0].passed);
  EXPECT_FALSE((*outcomes)[1].passed);
  EXPECT_EQ((*outcomes)[1].results[0].status, protocol::CheckStatus::kFail);
  EXPECT_EQ((*outcomes)[1].results[1].status, protocol::CheckStatus::kPass);
  for (const auto& o : *outcomes) {
    for (const auto& flag : o.integrity) EXPECT_EQ(flag, "");
  }

  // Where no grader endpoint can run: every grader check is an error saying why.
  auto without = run_checks([](const std::string&) { return nullptr; }, lab, "run-5", 5s,
                            random_source(), known);
  ASSERT_TRUE(without.ok()) << without.error().to_string();
  EXPECT_FALSE((*without)[0].passed);
  EXPECT_EQ((*without)[0].results[0].status, protocol::CheckStatus::kError);
  EXPECT_EQ((*without)[0].results[0].kind, "tcp");
  EXPECT_NE((*without)[0].results[0].observed.find("no grader endpoint"), std::string::npos);
}

}  // namespace
}  // namespace atelier::provisioning
