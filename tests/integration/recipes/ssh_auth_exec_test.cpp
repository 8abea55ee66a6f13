// LibsshTransport against a real sshd on 127.0.0.1: authentication without --identity goes as
// OpenSSH's does (the agent, then id_ed25519, id_ecdsa, id_rsa in the ssh folder) and a refusal
// names every key it tried; exec reads both streams to the end, whichever fills first.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ansible-free-recipes/transport/libssh_transport.h"
#include "tests/integration/recipes/sshd_fixture.h"

namespace atelier::recipes {
namespace {

namespace fs = std::filesystem;

// An ssh-agent on a socket in a temp folder, stopped by its pid.
class AgentProcess {
 public:
  explicit AgentProcess(const fs::path& dir) : socket_((dir / "agent.sock").string()) {
    const char* argv[] = {"/usr/bin/ssh-agent", "-D", "-a", socket_.c_str(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, const_cast<char* const*>(argv), environ) != 0) {
      throw std::runtime_error("cannot start ssh-agent");
    }
    posix_spawn_file_actions_destroy(&fa);
    // ssh-agent -D binds before it serves; ssh-add retries until it answers.
    auto answers = [&] {
      return std::system(("SSH_AUTH_SOCK=" + socket_ + " ssh-add -l >/dev/null 2>&1; test $? -ne 2")
                             .c_str()) == 0;
    };
    if (!test_support::wait_until(answers, std::chrono::seconds(5), "ssh-agent to answer")) {
      throw std::runtime_error("ssh-agent did not answer");
    }
  }
  ~AgentProcess() {
    kill(pid_, SIGTERM);
    int st;
    waitpid(pid_, &st, 0);
  }
  bool add(const std::string& key) const {
    return std::system(
               ("SSH_AUTH_SOCK=" + socket_ + " ssh-add -q " + key + " 2>/dev/null").c_str()) == 0;
  }
  const std::string& socket() const { return socket_; }

 private:
  std::string socket_;
  pid_t pid_ = -1;
};

class SshAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sshd_ = new testing::SshdFixture(); }
  static void TearDownTestSuite() {
    delete sshd_;
    sshd_ = nullptr;
  }
  void SetUp() override {
    fs::create_directories(ssh_dir());
    unsetenv("SSH_AUTH_SOCK");
  }
  fs::path ssh_dir() const { return work_.path() / "dot-ssh"; }
  // No identity_file: the defaults decide.
  transport::SshOptions options() {
    transport::SshOptions o;
    o.host = "127.0.0.1";
    o.port = sshd_->port();
    o.user = "root";
    o.ssh_dir = ssh_dir().string();
    o.known_hosts_file = (work_.path() / "known_hosts").string();
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }
  // A key sshd does not know, at ssh_dir()/name.
  void stranger_key(const std::string& name) {
    ASSERT_EQ(
        std::system(("ssh-keygen -q -t ed25519 -N '' -f " + (ssh_dir() / name).string()).c_str()),
        0);
  }
  static testing::SshdFixture* sshd_;
  testing::TempDir work_;
};
testing::SshdFixture* SshAuth::sshd_ = nullptr;

TEST_F(SshAuth, NoKeyAnywhereSaysSo) {
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(t.error().to_string().find("tried nothing"), std::string::npos)
      << t.error().to_string();
}

TEST_F(SshAuth, DefaultKeysAreTriedInOpenSshOrderAndEachRefusalIsNamed) {
  stranger_key("id_ed25519");
  stranger_key("id_rsa");
  auto refused = transport::LibsshTransport::connect(options());
  ASSERT_FALSE(refused.ok());
  const std::string text = refused.error().to_string();
  auto ed = text.find("id_ed25519 (refused)");
  auto rsa = text.find("id_rsa (refused)");
  EXPECT_NE(ed, std::string::npos) << text;
  EXPECT_NE(rsa, std::string::npos) << text;
  EXPECT_LT(ed, rsa) << text;
  EXPECT_EQ(text.find("id_ecdsa"), std::string::npos) << "a missing key is not tried: " << text;

  // The known key as id_ecdsa: tried after the refused id_ed25519, and accepted.
  fs::copy_file(sshd_->client_key(), ssh_dir() / "id_ecdsa");
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ((*t)->exec("echo in", std::chrono::seconds(10))->stdout_text, "in\n");
}

TEST_F(SshAuth, AnExplicitIdentityIsTheOnlyKeyTried) {
  fs::copy_file(sshd_->client_key(), ssh_dir() / "id_ed25519");
  stranger_key("other");
  auto o = options();
  o.identity_file = (ssh_dir() / "other").string();
  auto t = transport::LibsshTransport::connect(o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().to_string().find("other (refused)"), std::string::npos)
      << t.error().to_string();
}

TEST_F(SshAuth, TheAgentIsAskedFirst) {
  AgentProcess agent(work_.path());
  stranger_key("id_ed25519");
  setenv("SSH_AUTH_SOCK", agent.socket().c_str(), 1);
  // An empty agent is tried and named, then the (refused) default key.
  auto refused = transport::LibsshTransport::connect(options());
  ASSERT_FALSE(refused.ok());
  const std::string text = refused.error().to_string();
  EXPECT_NE(text.find("the agent at " + agent.socket()), std::string::npos) << text;
  EXPECT_LT(text.find("agent"), text.find("id_ed25519")) << text;

  ASSERT_TRUE(agent.add(sshd_->client_key()));
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  auto o = options();
  o.use_agent = false;
  EXPECT_FALSE(transport::LibsshTransport::connect(o).ok());
  unsetenv("SSH_AUTH_SOCK");
}

class SshExec : public SshAuth {
 protected:
  transport::SshOptions keyed() {
    auto o = options();
    o.identity_file = sshd_->client_key();
    return o;
  }
};

TEST_F(SshExec, BothStreamsAreReadToTheEndWhicheverIsLarger) {
  auto t = transport::LibsshTransport::connect(keyed());
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  // Only stderr, more than libssh's channel window: it must be drained while the command runs.
  auto err =
      (*t)->exec("head -c 3000000 /dev/zero | tr '\\0' e >&2; exit 3", std::chrono::seconds(30));
  ASSERT_TRUE(err.ok()) << err.error().to_string();
  EXPECT_EQ(err->exit_code, 3);
  EXPECT_EQ(err->stderr_text.size(), 3000000u);
  EXPECT_TRUE(err->stdout_text.empty());
  // Both streams interleaved, stdin closed (cat ends at once), then the exit status.
  auto both = (*t)->exec("for i in $(seq 200); do echo o$i; echo e$i >&2; done; cat; exit 0",
                         std::chrono::seconds(30));
  ASSERT_TRUE(both.ok()) << both.error().to_string();
  EXPECT_EQ(both->exit_code, 0);
  EXPECT_EQ(both->stdout_text.substr(0, 6), "o1\no2\n");
  EXPECT_NE(both->stdout_text.find("o200\n"), std::string::npos);
  EXPECT_NE(both->stderr_text.find("e200\n"), std::string::npos);
  // One session for many commands and file calls in turn.
  const std::string p = (work_.path() / "n.txt").string();
  for (int i = 0; i < 5; ++i) {
    auto r = (*t)->exec("echo " + std::to_string(i), std::chrono::seconds(10));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->stdout_text, std::to_string(i) + "\n");
    ASSERT_TRUE((*t)->put_file(p, std::to_string(i), 0644, {}).ok());
    EXPECT_EQ(*(*t)->get_file(p), std::to_string(i));
  }
}

}  // namespace
}  // namespace atelier::recipes
