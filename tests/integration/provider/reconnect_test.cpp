// Reconnection and deadlines against a real, private libvirtd: the test starts its own daemon
// (session mode, as user nobody, in a temp dir) serving libvirt's test driver over a UNIX
// socket, then kills, restarts, stops (SIGSTOP) and resumes it. The shared system libvirtd is
// never touched.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "controller/provider/libvirt_provider.h"
#include "tests/integration/provider/fixture.h"

namespace atelier::provider {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

class PrivateLibvirtd {
 public:
  explicit PrivateLibvirtd(const std::filesystem::path& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_ / "run");
    const passwd* nobody = ::getpwnam("nobody");
    if (nobody != nullptr) {
      uid_ = nobody->pw_uid;
      gid_ = nobody->pw_gid;
      std::filesystem::path p = dir_;
      ::chown(p.c_str(), uid_, gid_);
      ::chown((p / "run").c_str(), uid_, gid_);
    }
  }
  ~PrivateLibvirtd() { stop(); }

  std::string socket() const { return (dir_ / "run/libvirt/libvirt-sock").string(); }
  std::string uri() const { return "test+unix:///default?socket=" + socket(); }

  bool start() {
    std::filesystem::remove(socket());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setgroups(0, nullptr);
      if (::setgid(gid_) != 0 || ::setuid(uid_) != 0) {
        ::_exit(126);
      }
      std::string d = dir_.string();
      ::setenv("HOME", d.c_str(), 1);
      ::setenv("XDG_RUNTIME_DIR", (d + "/run").c_str(), 1);
      ::setenv("XDG_CONFIG_HOME", (d + "/config").c_str(), 1);
      ::setenv("XDG_CACHE_HOME", (d + "/cache").c_str(), 1);
      std::string log = d + "/libvirtd.log";
      std::freopen(log.c_str(), "a", stderr);
      std::freopen(log.c_str(), "a", stdout);
      ::execlp("libvirtd", "libvirtd", "--timeout", "0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return static_cast<bool>(test_support::wait_until(
        [&] { return std::filesystem::exists(socket()); }, 10s, "libvirtd's socket"));
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGCONT);
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

 private:
  std::filesystem::path dir_;
  uid_t uid_ = 65534;
  gid_t gid_ = 65534;
  pid_t pid_ = -1;
};

class Reconnect : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "needs root to run a private libvirtd as nobody";
    daemon_ = std::make_unique<PrivateLibvirtd>(dir_.path() / "libvirtd");
    ASSERT_TRUE(daemon_->start()) << "private libvirtd did not start";
    connect(1);
  }
  // A provider on the private daemon; keepalive_interval_s x 2 unanswered probes and libvirt
  // closes the link. The call deadline is generous but for the hung-daemon test: a freshly
  // (re)started libvirtd on a loaded machine can take seconds to answer its first call.
  void connect(int keepalive_interval_s, std::chrono::milliseconds call_timeout = 10s) {
    LibvirtOptions opts;
    opts.uri = daemon_->uri();
    opts.overlay_dir = (dir_.path() / "overlays").string();
    opts.call_timeout = call_timeout;
    opts.keepalive_interval_s = keepalive_interval_s;
    opts.keepalive_count = 2;
    auto p = LibvirtProvider::connect(opts);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    p_ = std::move(*p);
  }
  void TearDown() override {
    if (daemon_) {
      daemon_->resume();
    }
    if (p_) {
      p_->wait_for_abandoned_calls();
      p_.reset();
    }
    daemon_.reset();
  }

  TempDir dir_;
  std::unique_ptr<PrivateLibvirtd> daemon_;
  std::unique_ptr<LibvirtProvider> p_;
};

TEST_F(Reconnect, DaemonRestartIsNoticedAndTheNextCallReconnects) {
  ATELIER_ASSERT_OK(p_->define_network({{"s1", "c1", "lan"}}));
  EXPECT_EQ(p_->list("s1")->size(), 1u);
  EXPECT_EQ(p_->connection_opens(), 1u);

  daemon_->stop();
  // With no daemon, a call says so (and which URI it tried).
  auto down = p_->list("s1");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), ErrorCode::kUnavailable) << down.error().to_string();
  EXPECT_NE(down.error().to_string().find("connect to \"" + daemon_->uri()), std::string::npos)
      << down.error().to_string();

  ASSERT_TRUE(daemon_->start());
  auto up = p_->list("s1");
  ATELIER_ASSERT_OK(up);
  EXPECT_TRUE(up->empty()) << "the restarted test driver starts from its default state";
  EXPECT_GE(p_->connection_opens(), 2u);
  ATELIER_EXPECT_OK(p_->define_network({{"s1", "c1", "lan"}}));
}

TEST_F(Reconnect, RestartBetweenCallsIsInvisibleToTheCaller) {
  ATELIER_ASSERT_OK(p_->list(std::nullopt));
  daemon_->stop();
  ASSERT_TRUE(daemon_->start());
  // The close callback (or virConnectIsAlive) marked the old link dead: the first call after
  // the restart reopens and succeeds.
  std::this_thread::sleep_for(200ms);
  ATELIER_EXPECT_OK(p_->list(std::nullopt));
  EXPECT_EQ(p_->connection_opens(), 2u);
}

TEST_F(Reconnect, AHungDaemonGivesTimeoutsAndTheAbandonedCallFinishesLater) {
  // Keepalive slower than the pause: on a busy machine the daemon stays stopped longer than the
  // 2 s deadline, and a 1 s x 2 keepalive would close the link under the abandoned call (the
  // flake seen under load), which is the other test's subject, not this one's.
  p_->wait_for_abandoned_calls();
  p_.reset();
  connect(30, 2s);
  ATELIER_ASSERT_OK(p_->define_network({{"s1", "c1", "lan"}}));
  daemon_->pause();
  auto start = std::chrono::steady_clock::now();
  Status st = p_->start_network({"s1", "c1", "lan"});
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kTimeout) << st.error().to_string();
  EXPECT_NE(st.error().to_string().find("start network \"lan\""), std::string::npos);
  EXPECT_LT(waited, 5s) << "the caller is released at the deadline";
  daemon_->resume();
  p_->wait_for_abandoned_calls();
  // The abandoned start went through once the daemon woke up.
  auto listed = p_->list("s1");
  ATELIER_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE((*listed)[0].active);
}

TEST_F(Reconnect, PingSaysWhetherTheDaemonAnswersWithinItsOwnDeadline) {
  ATELIER_EXPECT_OK(p_->ping(2s));
  daemon_->pause();
  auto start = std::chrono::steady_clock::now();
  Status hung = p_->ping(1s);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.error().code(), ErrorCode::kTimeout) << hung.error().to_string();
  EXPECT_NE(hung.error().to_string().find("ping \"" + daemon_->uri() + "\""), std::string::npos)
      << hung.error().to_string();
  EXPECT_LT(waited, 5s) << "released at the ping's deadline, not the calls' (10 s)";
  daemon_->resume();
  p_->wait_for_abandoned_calls();

  daemon_->stop();
  Status down = p_->ping(2s);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), ErrorCode::kUnavailable) << down.error().to_string();
  ASSERT_TRUE(daemon_->start());
  // Answers again once restarted: the link is reopened.
  ATELIER_EXPECT_OK(p_->ping(2s));
}

}  // namespace
}  // namespace atelier::provider
