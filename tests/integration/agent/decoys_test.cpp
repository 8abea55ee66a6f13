// Decoys against real agents (issue 20): the controller's run_checks path with its decoys, over
// the agent channel's UNIX sockets (the test plays QEMU's part), against the real atelier-agent
// executable and a forger that answers "pass" to every check it is sent, copying ids and kinds
// as a careful forger would. Honest: no flag; forger: every result of its host tampered, and
// no task of that host passed in the grade.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "common/protocol/agent_client.h"
#include "common/protocol/codec.h"
#include "common/protocol/line_io.h"
#include "controller/grading/competencies.h"
#include "controller/grading/grade.h"
#include "controller/provisioning/lab_actions.h"
#include "tests/integration/agent/servers.h"

namespace atelier::provisioning {
namespace {
using namespace std::chrono_literals;
using agent::testing::Background;
using agent::testing::TempDir;
using agent::testing::write_file;

int listen_on(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) return -1;
  return fd;
}

// What root in a guest can put in the agent's place: it speaks the protocol and answers every
// check "pass", with the result id, index and kind the real agent would give.
class Forger {
 public:
  explicit Forger(const std::string& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, socket_path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (connected_) thread_ = std::thread([this] { serve(); });
  }
  ~Forger() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  bool connected() const { return connected_; }
  int bundles() const { return bundles_; }

 private:
  void send(const protocol::Envelope& e) {
    (void)protocol::write_all(fd_, protocol::encode(e), 5s);
  }
  protocol::Hello hello() const {
    protocol::Hello h;
    h.agent_version = "forged";
    h.identity = {"s1", "c03", "srv"};
    return h;
  }
  void serve() {
    send({0, std::nullopt, hello()});
    protocol::LineReader reader(fd_, protocol::kMaxLineBytes);
    while (!stop_) {
      auto line = reader.read_line(100ms);
      if (!line.ok()) {
        if (line.error().code() == ErrorCode::kTimeout) continue;
        return;
      }
      auto message = protocol::decode(*line);
      if (!message.ok()) continue;
      if (std::holds_alternative<protocol::HelloRequest>(message->body))
        send({0, message->id, hello()});
      const auto* run = std::get_if<protocol::RunChecks>(&message->body);
      if (run == nullptr) continue;
      ++bundles_;
      protocol::Results r;
      r.bundle_id = run->bundle_id;
      r.host = "srv";
      for (std::size_t i = 0; i < run->checks.size(); ++i) {
        protocol::CheckResult c;
        c.result_id = run->bundle_id + "/" + std::to_string(i);
        c.index = i;
        c.kind = checks::kind_name(run->checks[i].kind);
        c.description = run->checks[i].description;
        c.status = protocol::CheckStatus::kPass;
        c.expected = "as asked";
        c.observed = "as asked";
        r.results.push_back(std::move(c));
      }
      send({0, message->id, std::move(r)});
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> bundles_{0};
  std::thread thread_;
};

checks::Check file_check(const std::string& host, const std::string& path,
                         const std::string& description) {
  return checks::Check{host, description, 5s, checks::FileCheck{path}};
}

class DecoysAgainstAgents : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.path() / "motd", "fixed\n");
    lab_.id = "decoys";
    lab_.hosts.push_back(lab::Host{});
    lab_.hosts.back().name = "web";
    lab_.hosts.push_back(lab::Host{});
    lab_.hosts.back().name = "srv";
    auto task = [&](const std::string& id, const std::string& host, const std::string& path) {
      lab::Task t;
      t.id = id;
      t.points = 1;
      t.checks.push_back(file_check(host, path, id + " file"));
      lab_.tasks.push_back(std::move(t));
    };
    task("web-fixed", "web", (dir_.path() / "motd").string());     // true: pass
    task("web-open", "web", (dir_.path() / "missing").string());   // true: fail
    task("srv-one", "srv", (dir_.path() / "missing-1").string());  // true: fail, forged pass
    task("srv-two", "srv", (dir_.path() / "motd").string());       // true: pass, forged pass too

    const std::string web_sock = (dir_.path() / "web.sock").string();
    const std::string srv_sock = (dir_.path() / "srv.sock").string();
    web_listen_ = listen_on(web_sock);
    srv_listen_ = listen_on(srv_sock);
    ASSERT_GE(web_listen_, 0);
    ASSERT_GE(srv_listen_, 0);
    agent_ = Background({ATELIER_AGENT_BINARY, "serve", "--port", web_sock, "--spool",
                         (dir_.path() / "spool").string()},
                        dir_.path() / "agent.log");
    forger_ = std::make_unique<Forger>(srv_sock);
    ASSERT_TRUE(forger_->connected());
    web_ = protocol::AgentClient::adopt(::accept4(web_listen_, nullptr, nullptr, SOCK_CLOEXEC));
    srv_ = protocol::AgentClient::adopt(::accept4(srv_listen_, nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(web_->wait_hello(10s).ok());
    ASSERT_TRUE(srv_->wait_hello(10s).ok());
  }
  void TearDown() override {
    if (web_) web_->close();
    if (srv_) srv_->close();
    forger_.reset();
    agent_.stop();
    ::close(web_listen_);
    ::close(srv_listen_);
  }

  AgentLookup agents() {
    return [this](const std::string& host) -> protocol::AgentClient* {
      return host == "web" ? web_.get() : host == "srv" ? srv_.get() : nullptr;
    };
  }

  // The run's outcomes graded as the controller grades stored results.
  grading::CandidateGrade grade(const std::vector<TaskOutcome>& outcomes,
                                const std::string& run_id) {
    std::vector<grading::CheckResult> results;
    for (const auto& o : outcomes) {
      for (std::size_t i = 0; i < o.results.size(); ++i) {
        grading::CheckResult c;
        c.result_id = run_id + "/" + o.task + "/" + std::to_string(i);
        c.session = "s1";
        c.candidate = "c03";
        c.task_id = o.task;
        c.check_index = i;
        c.status = o.results[i].status == protocol::CheckStatus::kPass ? grading::CheckStatus::kPass
                   : o.results[i].status == protocol::CheckStatus::kFail
                       ? grading::CheckStatus::kFail
                       : grading::CheckStatus::kError;
        c.run_id = run_id;
        c.started_at = c.finished_at = grading::Clock::now();
        c.integrity = o.integrity[i];
        results.push_back(std::move(c));
      }
    }
    grading::SessionInput in;
    in.session = "s1";
    in.lab = grading::lab_spec_from_lab(lab_);
    in.policy = grading::policy_from_lab(lab_);
    in.candidates.push_back(
        {"c03", std::nullopt, grading::runs_from_results(std::move(results)), {}, {}, {}});
    auto catalog = grading::builtin_competency_catalog();
    EXPECT_TRUE(catalog.ok());
    auto graded = grading::grade_session(in, *catalog, grading::Clock::now());
    EXPECT_TRUE(graded.ok()) << graded.error().to_string();
    return graded->candidates.front();
  }

  TempDir dir_;
  lab::Lab lab_;
  int web_listen_ = -1, srv_listen_ = -1;
  Background agent_;
  std::unique_ptr<Forger> forger_;
  std::unique_ptr<protocol::AgentClient> web_, srv_;
};

TEST_F(DecoysAgainstAgents, TheRealAgentIsCleanAndTheForgerIsCaughtEveryRun) {
  auto random = random_source();
  KnownInstances known;
  for (int run = 0; run < 5; ++run) {
    const std::string run_id = "run-" + std::to_string(run) + "-c03";
    auto outcomes = run_checks(agents(), lab_, run_id, 10s, random, known);
    ASSERT_TRUE(outcomes.ok()) << outcomes.error().to_string();
    ASSERT_EQ(outcomes->size(), 4u);
    const auto& fixed = (*outcomes)[0];
    const auto& open = (*outcomes)[1];
    // The real agent: its true verdicts, no evidence against it.
    EXPECT_TRUE(fixed.passed) << fixed.results[0].observed;
    EXPECT_EQ(fixed.results[0].description, "web-fixed file");
    EXPECT_EQ(fixed.integrity[0], "");
    EXPECT_FALSE(open.passed);
    EXPECT_EQ(open.results[0].status, protocol::CheckStatus::kFail);
    EXPECT_EQ(open.integrity[0], "");
    // The forger: it said pass, and every one of its results carries the decoy's evidence.
    for (std::size_t t = 2; t < 4; ++t) {
      const auto& o = (*outcomes)[t];
      EXPECT_EQ(o.results[0].status, protocol::CheckStatus::kPass);
      EXPECT_FALSE(o.passed) << o.task;
      EXPECT_NE(o.integrity[0].find("expected fail, agent answered pass"), std::string::npos)
          << o.integrity[0];
      EXPECT_NE(o.integrity[0].find("decoy "), std::string::npos) << o.integrity[0];
    }
    const grading::CandidateGrade g = grade(*outcomes, run_id);
    ASSERT_EQ(g.tasks.size(), 4u);
    EXPECT_EQ(g.tasks[0].status, grading::TaskStatus::kPassed);
    EXPECT_FALSE(g.tasks[0].tampered);
    EXPECT_EQ(g.tasks[1].status, grading::TaskStatus::kFailed);
    EXPECT_FALSE(g.tasks[1].tampered);
    for (std::size_t t = 2; t < 4; ++t) {
      EXPECT_EQ(g.tasks[t].status, grading::TaskStatus::kFailed) << g.tasks[t].task_id;
      EXPECT_EQ(g.tasks[t].points_earned, 0);
      EXPECT_TRUE(g.tasks[t].tampered);
      EXPECT_EQ(g.tasks[t].checks[0].status, grading::CheckStatus::kFail);
      EXPECT_FALSE(g.tasks[t].checks[0].integrity.empty());
    }
    EXPECT_EQ(g.points_earned, 1);
  }
  EXPECT_EQ(forger_->bundles(), 5);
}

// Issue 20: an agent that is gone is recorded (its checks are errors, with the evidence); the
// other host's run is untouched.
TEST_F(DecoysAgainstAgents, AHostWithoutAnAgentIsAnErrorWithEvidence) {
  KnownInstances known;
  auto outcomes =
      run_checks([this](const std::string& host) { return host == "web" ? web_.get() : nullptr; },
                 lab_, "run-x-c03", 10s, random_source(), known);
  ASSERT_TRUE(outcomes.ok());
  const auto& srv = (*outcomes)[2];
  EXPECT_EQ(srv.results[0].status, protocol::CheckStatus::kError);
  EXPECT_NE(srv.results[0].observed.find("not connected"), std::string::npos)
      << srv.results[0].observed;
  EXPECT_EQ(srv.integrity[0].rfind("agent gone: the agent of host srv is not connected", 0), 0u)
      << srv.integrity[0];
  EXPECT_TRUE((*outcomes)[0].passed);
  EXPECT_EQ((*outcomes)[0].integrity[0], "");
}

}  // namespace
}  // namespace atelier::provisioning
