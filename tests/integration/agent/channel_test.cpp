// Both ends of the agent channel over a real UNIX socket: the test plays QEMU's part (it binds
// the socket the agent connects to, as the guest port) and hands each accepted connection to
// an AgentClient, the controller's end. Covers hello, exec, files, checks, errors, the spool,
// resend after a reconnect, and acks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/server.h"
#include "common/protocol/agent_client.h"
#include "common/protocol/codec.h"
#include "tests/support/test_support.h"

namespace atelier::agent {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using protocol::AgentClient;

class Channel : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_path_ = (dir_ / "port.sock").string();
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, socket_path_.c_str());
    ASSERT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listen_fd_, 4), 0);
  }
  void TearDown() override {
    stop_agent();
    ::close(listen_fd_);
  }

  void start_agent(std::chrono::milliseconds heartbeat = 10s) {
    ServerOptions o;
    o.port_path = socket_path_;
    o.spool_dir = dir_ / "spool";
    o.identity = {"s1", "c03", "web"};
    o.agent_version = "test";
    o.heartbeat = heartbeat;
    o.reconnect_min = 100ms;
    o.reconnect_max = 200ms;
    server_ = std::make_unique<AgentServer>(o);
    thread_ = std::thread([this] { (void)server_->run(); });
  }
  void stop_agent() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  // Accepts the agent's next connection, as QEMU would, and gives it to a controller client.
  std::unique_ptr<AgentClient> accept_client(AgentClient::Options options = {}) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    EXPECT_GE(fd, 0);
    return AgentClient::adopt(fd, std::move(options));
  }

  test_support::TempDir tmp_{"atelier-channel"};
  fs::path dir_ = tmp_.path();
  std::string socket_path_;
  int listen_fd_ = -1;
  std::unique_ptr<AgentServer> server_;
  std::thread thread_;
};

TEST_F(Channel, HelloExecAndFiles) {
  start_agent();
  auto client = accept_client();
  auto hello = client->wait_hello(5s);
  ASSERT_TRUE(hello.ok()) << hello.error().to_string();
  EXPECT_EQ(hello->protocol_version, protocol::kProtocolVersion);
  EXPECT_EQ(hello->identity.candidate, "c03");
  EXPECT_EQ(hello->identity.host, "web");
  EXPECT_FALSE(hello->facts.kernel.empty());
  bool has_lo = false;
  for (const auto& i : hello->facts.interfaces)
    has_lo = has_lo || (i.name == "lo" && !i.addresses.empty());
  EXPECT_TRUE(has_lo);

  protocol::ExecRequest exec;
  exec.argv = {"sh", "-c", "echo out; echo err >&2; exit 4"};
  auto r = client->exec(exec, 10s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");

  protocol::ExecRequest big;
  big.shell = "head -c 5000 /dev/zero | tr '\\0' x";
  big.max_output = 100;
  r = client->exec(big, 10s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_text.size(), 100u);
  EXPECT_TRUE(r->stdout_truncated);

  protocol::ExecRequest slow;
  slow.shell = "sleep 30";
  slow.timeout = 300ms;
  r = client->exec(slow, 10s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);

  protocol::ExecRequest both;
  both.argv = {"true"};
  both.shell = "true";
  auto bad = client->exec(both, 5s);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().to_string().find("bad_request"), std::string::npos)
      << bad.error().to_string();

  std::string path = (dir_ / "sub" / "f.conf").string();
  std::string content("line 1\n\0binary\xff", 15);
  ASSERT_TRUE(client->put_file({path, content, 0640, std::nullopt, std::nullopt, true}, 5s).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  auto got = client->get_file({path}, 5s);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->content, content);
  EXPECT_EQ(got->mode, 0640u);
  EXPECT_FALSE(got->truncated);
  got = client->get_file({path, 4}, 5s);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->content, "line");
  EXPECT_TRUE(got->truncated);
  EXPECT_EQ(got->size, 15u);
  // A /proc file reports size 0 and has content: it is read to its end.
  auto proc = client->get_file({"/proc/sys/kernel/ostype"}, 5s);
  ASSERT_TRUE(proc.ok()) << proc.error().to_string();
  EXPECT_EQ(proc->content, "Linux\n");
  EXPECT_FALSE(proc->truncated);
  auto missing = client->get_file({(dir_ / "none").string()}, 5s);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound) << missing.error().to_string();
  EXPECT_NE(missing.error().to_string().find("No such file"), std::string::npos);
  auto unknown_owner = client->put_file({path, "x", 0600, "atelier-no-user"}, 5s);
  ASSERT_FALSE(unknown_owner.ok());
  EXPECT_NE(unknown_owner.error().to_string().find("no user atelier-no-user"), std::string::npos);
}

TEST_F(Channel, HeartbeatsArrive) {
  start_agent(100ms);
  auto client = accept_client();
  ASSERT_TRUE(client->wait_hello(5s).ok());
  auto first = client->last_seen();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(test_support::wait_until([&] { return client->last_seen() > first; }, 5s,
                                       "a heartbeat after the hello"));
}

TEST_F(Channel, ChecksAreSpooledUntilAckedAndResentAfterReconnect) {
  start_agent();
  protocol::RunChecks bundle{
      "bundle-1",
      {checks::Check{"", "", 5s, checks::FileCheck{dir_.string()}},
       checks::Check{"", "", 5s, checks::FileCheck{(dir_ / "nope").string()}}}};
  {
    auto client = accept_client();
    auto results = client->run_checks(bundle, 10s);
    ASSERT_TRUE(results.ok()) << results.error().to_string();
    ASSERT_EQ(results->results.size(), 2u);
    EXPECT_EQ(results->results[0].status, protocol::CheckStatus::kPass);
    EXPECT_EQ(results->results[1].status, protocol::CheckStatus::kFail);
    EXPECT_EQ(results->results[1].observed, (dir_ / "nope").string() + " does not exist");
    // The controller "crashes" before storing them: no ack. The connection drops.
  }
  EXPECT_EQ(Spool(dir_ / "spool").size(), 1u);

  // The agent reconnects and resends; the new controller stores them and acks.
  std::mutex m;
  std::vector<protocol::Results> stored;
  AgentClient::Options options;
  options.on_results = [&](const protocol::Results& r) {
    std::lock_guard lock(m);
    stored.push_back(r);
    return ok_status();
  };
  auto client = accept_client(options);
  auto hello = client->wait_hello(5s);
  ASSERT_TRUE(hello.ok());
  EXPECT_TRUE(test_support::wait_until(
      [&] {
        std::lock_guard lock(m);
        return !stored.empty();
      },
      5s, "the agent's spooled results to reach the controller"));
  {
    std::lock_guard lock(m);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].bundle_id, "bundle-1");
    EXPECT_EQ(stored[0].results[1].result_id, "bundle-1/1");
  }
  // The ack reaches the agent, which empties its spool.
  EXPECT_TRUE(test_support::wait_until([&] { return Spool(dir_ / "spool").size() == 0; }, 5s,
                                       "the agent's spool to empty"));

  // A direct run acked by the caller leaves nothing behind either.
  auto again = client->run_checks({"bundle-2", bundle.checks}, 10s);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(client->ack(*again).ok());
  EXPECT_TRUE(test_support::wait_until([&] { return Spool(dir_ / "spool").size() == 0; }, 5s,
                                       "the agent's spool to empty"));
}

TEST_F(Channel, AgentWaitsForTheHostSideWithoutSpinning) {
  // Nobody accepts yet: the agent's connect succeeds into the backlog... so use a path that
  // does not exist at first, as a port whose host side is absent.
  ::close(listen_fd_);
  fs::remove(socket_path_);
  start_agent();
  std::this_thread::sleep_for(600ms);
  // While waiting it must sleep, not spin: its CPU time stays small.
  timespec cpu{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  double before = cpu.tv_sec + cpu.tv_nsec / 1e9;
  std::this_thread::sleep_for(1s);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  double used = cpu.tv_sec + cpu.tv_nsec / 1e9 - before;
  EXPECT_LT(used, 0.2) << "CPU seconds used while waiting for the host side";
  // The host side appears: the agent connects and says hello.
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, socket_path_.c_str());
  ASSERT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listen_fd_, 4), 0);
  auto client = accept_client();
  ASSERT_TRUE(client->wait_hello(5s).ok());
}

TEST_F(Channel, BadLinesGetAnErrorAndTheChannelStays) {
  start_agent();
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string garbage = "this is not json\n{\"v\":9,\"type\":\"ok\",\"body\":{}}\n";
  ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  auto client = AgentClient::adopt(fd);
  // The client's reader now sees hello, two error replies, and still works.
  auto hello = client->wait_hello(5s);
  ASSERT_TRUE(hello.ok());
  protocol::ExecRequest exec;
  exec.argv = {"true"};
  auto r = client->exec(exec, 5s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 0);
}

TEST_F(Channel, ClientDeadlinesAndClosedChannel) {
  start_agent();
  auto client = accept_client();
  ASSERT_TRUE(client->wait_hello(5s).ok());
  protocol::ExecRequest slow;
  slow.shell = "sleep 2";
  auto r = client->exec(slow, 200ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  stop_agent();
  EXPECT_TRUE(test_support::wait_until([&] { return !client->connected(); }, 5s,
                                       "the client to see the agent gone"));
  auto closed = client->exec(slow, 1s);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code(), ErrorCode::kUnavailable);
}

TEST(AgentClientConnect, NothingListening) {
  auto c = AgentClient::connect("/tmp/atelier-no-such-dir/agent.sock", 300ms);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(c.error().to_string().find("/tmp/atelier-no-such-dir/agent.sock"), std::string::npos);
}

}  // namespace
}  // namespace atelier::agent

namespace atelier::agent {
namespace {

// The guest side of the real channel is a character device, not a socket: serve over a
// pseudo-terminal in raw mode (the test holds the master, as QEMU holds the host side). When
// the master goes away the slave hangs up, as a virtio port does when the host side closes:
// the agent must notice, wait without spinning, and carry on.
TEST(CharacterDevice, ServesOverAPtyAndWaitsAfterTheHangup) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  std::string slave = ::ptsname(master);
  // Held open until the agent has said hello: while no process has the slave open, reads on
  // the master fail with EIO, and the client would take that for a closed channel if it read
  // before the agent opened its port (it did, on a loaded machine).
  int holder = ::open(slave.c_str(), O_RDWR | O_NOCTTY);
  ASSERT_GE(holder, 0);
  {
    termios t{};
    ::tcgetattr(holder, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(holder, TCSANOW, &t);
  }
  test_support::TempDir tmp("atelier-pty");
  fs::path dir = tmp.path();
  ServerOptions o;
  o.port_path = slave;
  o.spool_dir = dir / "spool";
  o.identity = {"s1", "c03", "pty"};
  // Longer than the test: once the pty is gone its number may be reused by another program,
  // whose terminal the agent must not open.
  o.reconnect_min = 5s;
  o.reconnect_max = 5s;
  AgentServer server(o);
  std::thread agent([&] { (void)server.run(); });

  auto client = AgentClient::adopt(master);
  auto hello = client->wait_hello(10s);
  ::close(holder);
  ASSERT_TRUE(hello.ok()) << hello.error().to_string();
  EXPECT_EQ(hello->identity.host, "pty");
  protocol::ExecRequest exec;
  exec.argv = {"echo", "through a character device"};
  auto r = client->exec(exec, 10s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->stdout_text, "through a character device\n");

  client->close();  // closes the master: the slave hangs up
  std::this_thread::sleep_for(500ms);
  timespec cpu{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  double before = cpu.tv_sec + cpu.tv_nsec / 1e9;
  std::this_thread::sleep_for(1s);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  EXPECT_LT(cpu.tv_sec + cpu.tv_nsec / 1e9 - before, 0.2) << "CPU seconds used after the hangup";
  server.stop();
  agent.join();
}

}  // namespace
}  // namespace atelier::agent
