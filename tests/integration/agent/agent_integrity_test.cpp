// The agent itself as tamper evidence (issue 20), through the controller's run_checks over the
// agent channel's UNIX sockets (the test plays QEMU's part): the real atelier-agent executable
// restarted between runs is flagged once, naming both instances, and one brought up again by
// atelierd (a reset: the instance it greets is remembered) is not; a rogue that answers a
// bundle with garbage, with another message type or not at all is flagged with what it did.
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

// An agent that speaks the protocol until it is sent a bundle, then misbehaves as told.
class Rogue {
 public:
  enum class Mode { kGarbage, kWrongType, kSilent };
  Rogue(const std::string& socket_path, Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, socket_path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (connected_) thread_ = std::thread([this] { serve(); });
  }
  ~Rogue() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  bool connected() const { return connected_; }

 private:
  void send_line(const std::string& line) { (void)protocol::write_all(fd_, line, 5s); }
  protocol::Hello hello() const {
    protocol::Hello h;
    h.agent_version = "rogue";
    h.identity = {"s1", "c03", "srv"};
    h.instance = protocol::AgentInstance{"0123456789abcdef0123456789abcdef", 1, "boot"};
    return h;
  }
  void serve() {
    send_line(protocol::encode({0, std::nullopt, hello()}));
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
        send_line(protocol::encode({0, message->id, hello()}));
      if (!std::holds_alternative<protocol::RunChecks>(message->body)) continue;
      if (mode_ == Mode::kGarbage) send_line("PASS PASS PASS\n");
      if (mode_ == Mode::kWrongType) send_line(protocol::encode({0, message->id, protocol::Ok{}}));
    }
  }

  Mode mode_;
  int fd_ = -1;
  bool connected_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class AgentIntegrity : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.path() / "motd", "fixed\n");
    lab_.id = "integrity";
    lab_.hosts.push_back(lab::Host{});
    lab_.hosts.back().name = "srv";
    auto task = [&](const std::string& id, const std::string& path) {
      lab::Task t;
      t.id = id;
      t.points = 1;
      t.checks.push_back(checks::Check{"srv", id + " file", 5s, checks::FileCheck{path}});
      lab_.tasks.push_back(std::move(t));
    };
    task("fixed", (dir_.path() / "motd").string());    // true: pass
    task("open", (dir_.path() / "missing").string());  // true: fail
    socket_ = (dir_.path() / "srv.sock").string();
    listen_ = listen_on(socket_);
    ASSERT_GE(listen_, 0);
  }
  void TearDown() override {
    if (client_) client_->close();
    rogue_.reset();
    agent_.stop();
    ::close(listen_);
  }

  // Starts the real agent (a new process: a new instance) and accepts its channel.
  protocol::Hello start_agent() {
    if (client_) client_->close();
    agent_.stop();
    agent_ = Background({ATELIER_AGENT_BINARY, "serve", "--port", socket_, "--spool",
                         (dir_.path() / "spool").string()},
                        dir_.path() / "agent.log");
    return accept_client();
  }
  protocol::Hello accept_client() {
    client_ = protocol::AgentClient::adopt(::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC));
    auto hello = client_->wait_hello(10s);
    EXPECT_TRUE(hello.ok()) << hello.error().to_string();
    return hello.ok() ? *hello : protocol::Hello{};
  }

  Result<std::vector<TaskOutcome>> run(const std::string& run_id,
                                       std::chrono::milliseconds timeout = 10s) {
    return run_checks([this](const std::string&) { return client_.get(); }, lab_, run_id, timeout,
                      random_source(), known_);
  }

  TempDir dir_;
  lab::Lab lab_;
  std::string socket_;
  int listen_ = -1;
  Background agent_;
  std::unique_ptr<Rogue> rogue_;
  std::unique_ptr<protocol::AgentClient> client_;
  KnownInstances known_;
};

void expect_clean(const std::vector<TaskOutcome>& outcomes, const std::string& run) {
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].passed) << run << ": " << outcomes[0].integrity[0];
  EXPECT_EQ(outcomes[0].integrity[0], "") << run;
  EXPECT_EQ(outcomes[1].results[0].status, protocol::CheckStatus::kFail) << run;
  EXPECT_EQ(outcomes[1].integrity[0], "") << run;
}

TEST_F(AgentIntegrity, ARestartedAgentIsFlaggedOnceAndOneAtelierdBroughtUpIsNot) {
  // Provisioning: atelierd waits for the agent's hello and remembers its instance.
  const protocol::Hello first = start_agent();
  ASSERT_TRUE(first.instance.has_value());
  known_["srv"] = first.instance;
  auto one = run("run-1-c03");
  ASSERT_TRUE(one.ok()) << one.error().to_string();
  expect_clean(*one, "run 1");

  // Root in the guest restarts the agent (systemctl restart, or a kill and Restart=always).
  const protocol::Hello second = start_agent();
  ASSERT_TRUE(second.instance.has_value());
  ASSERT_NE(second.instance->nonce, first.instance->nonce);
  auto two = run("run-2-c03");
  ASSERT_TRUE(two.ok());
  const std::string wanted = "agent restarted since the last run (instance " +
                             first.instance->nonce.substr(0, 8) + " started ";
  for (const auto& o : *two) {
    EXPECT_FALSE(o.passed) << o.task;
    EXPECT_EQ(o.integrity[0].rfind(wanted, 0), 0u) << o.integrity[0];
    EXPECT_NE(o.integrity[0].find(" -> " + second.instance->nonce.substr(0, 8) + " started "),
              std::string::npos)
        << o.integrity[0];
    EXPECT_EQ(o.integrity[0].find("rebooted"), std::string::npos) << "same boot";
  }
  // The honest verdicts are still there beside the evidence.
  EXPECT_EQ((*two)[0].results[0].status, protocol::CheckStatus::kPass);
  // Flagged in the run that saw it; the next run of the same agent is clean.
  auto three = run("run-3-c03");
  ASSERT_TRUE(three.ok());
  expect_clean(*three, "run 3");

  // A reset by atelierd: it brings the host up again and remembers the instance that greets
  // it (CandidateLab::wait_agent), so the new agent is not a restart to flag.
  const protocol::Hello after_reset = start_agent();
  known_["srv"] = after_reset.instance;
  auto four = run("run-4-c03");
  ASSERT_TRUE(four.ok());
  expect_clean(*four, "run 4 after a reset");
}

TEST_F(AgentIntegrity, GarbageAnotherTypeOrSilenceIsFlaggedWithWhatHappened) {
  struct Row {
    Rogue::Mode mode;
    std::vector<std::string> wanted;
  };
  const Row rows[] = {
      {Rogue::Mode::kGarbage,
       {"out of protocol: 1 malformed frame(s) from the agent during the run (last: ",
        "agent silent: no reply to run_checks within 1500 ms (waited "}},
      {Rogue::Mode::kWrongType,
       {"out of protocol: the agent answered run_checks with a \"ok\" message"}},
      {Rogue::Mode::kSilent, {"agent silent: no reply to run_checks within 1500 ms (waited "}},
  };
  int n = 0;
  for (const auto& row : rows) {
    if (client_) client_->close();
    rogue_.reset();
    rogue_ = std::make_unique<Rogue>(socket_, row.mode);
    ASSERT_TRUE(rogue_->connected());
    const protocol::Hello hello = accept_client();
    known_["srv"] = hello.instance;  // the same instance throughout: no restart evidence
    auto outcomes = run("run-r" + std::to_string(++n) + "-c03", 1500ms);
    ASSERT_TRUE(outcomes.ok());
    for (const auto& o : *outcomes) {
      EXPECT_FALSE(o.passed) << o.task;
      EXPECT_EQ(o.results[0].status, protocol::CheckStatus::kError) << o.task;
      for (const auto& w : row.wanted)
        EXPECT_NE(o.integrity[0].find(w), std::string::npos) << o.integrity[0];
      EXPECT_EQ(o.integrity[0].find("restarted"), std::string::npos) << o.integrity[0];
    }
  }
}

}  // namespace
}  // namespace atelier::provisioning
