// atelierd as a process: started on port 0 with a temporary state dir, a token made against
// the same store while it runs (the bootstrap path), a session created and read back over
// HTTP, then SIGTERM: it must exit 0 promptly, and a restart must find the session again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "controller/api/http_client.h"
#include "controller/store/store.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class Daemon {
 public:
  Daemon(const fs::path& dir, const fs::path& labs, std::vector<std::string> extra = {}) {
    fs::path port_file = dir / "port";
    fs::remove(port_file);
    std::vector<std::string> args = {
        ATELIERD_PATH,
        "--listen",
        "127.0.0.1:0",
        "--state-dir",
        (dir / "state").string(),
        "--labs-dir",
        labs.string(),
        "--recipes-dir",
        (fs::path(ATELIER_SOURCE_DIR) / "ansible-free-recipes" / "recipes").string(),
        "--libvirt-uri",
        "test:///default",
        "--port-file",
        port_file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = (dir / "atelierd.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot start " << argv[0];
    EXPECT_TRUE(test_support::wait_until(
        [&] {
          std::ifstream in(port_file);
          return static_cast<bool>(in >> port_) && port_ != 0;
        },
        std::chrono::seconds(10), "atelierd to write its port"));
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Sends SIGTERM and returns the exit status, or -1 if it did not exit within `limit`.
  int terminate(std::chrono::milliseconds limit) {
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(DaemonTest, ServesBootstrapsAndStopsOnSigterm) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelierd-test-" + std::to_string(rd()));
  fs::create_directories(dir);
  fs::path labs = fs::path(ATELIER_SOURCE_DIR) / "labs";
  std::string token;
  {
    Daemon d(dir, labs);
    ASSERT_EQ(http_call(d.url(), {"GET", "/healthz", "", "", ""})->status, 200);
    ASSERT_EQ(http_call(d.url(), {"GET", "/sessions", "", "", ""})->status, 401);
    {
      // The bootstrap: a second process-level user of the same SQLite file while atelierd runs.
      auto store = store::Store::open(dir / "state");
      ASSERT_TRUE(store.ok()) << store.error().to_string();
      auto t = store->create_token(store::Role::kTrainer, std::nullopt, std::nullopt, "test",
                                   store::Clock::now(), "cli");
      ASSERT_TRUE(t.ok());
      token = *t;
    }
    auto created = http_call(
        d.url(), {"POST", "/sessions", token,
                  R"({"lab":"demo","candidates":["alice","bob"],"name":"exam1","seed":3})", ""});
    ASSERT_TRUE(created.ok());
    ASSERT_EQ(created->status, 201) << created->body;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(d.terminate(std::chrono::seconds(5)), 0);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::cerr << "atelierd stopped " << took.count() << " ms after SIGTERM\n";
  }
  {
    Daemon again(dir, labs);
    auto got = http_call(again.url(), {"GET", "/sessions/exam1", token, "", ""});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->status, 200) << got->body;
    json::value v = json::parse(got->body);
    EXPECT_EQ(v.at("candidates").as_array().size(), 2u);
    EXPECT_EQ(v.at("seed").to_number<int>(), 3);
    EXPECT_EQ(again.terminate(std::chrono::seconds(5)), 0);
  }
  std::ifstream log(dir / "atelierd.log");
  std::string all((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(all.find("msg=\"listening\""), std::string::npos);
  EXPECT_NE(all.find("path=/sessions status=201"), std::string::npos);
  EXPECT_EQ(all.find(token), std::string::npos) << "the log must never hold a token";
  fs::remove_all(dir);
}

// The trainer's "new session" page answers 303 (to the session's page), where POST /sessions
// answers 201: the reconciler must start on the new session at once all the same, not at its next
// tick (here 10 minutes away). The session is created after the reconciler's first pass has begun
// (its "reconciler started" line), which on an empty store ends within milliseconds.
TEST(DaemonTest, SessionCreatedFromThePageStartsAtOnce) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelierd-page-test-" + std::to_string(rd()));
  fs::create_directories(dir);
  Daemon d(dir, fs::path(ATELIER_SOURCE_DIR) / "labs", {"--reconcile-interval-ms", "600000"});
  auto store = store::Store::open(dir / "state");
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  auto token = store->create_token(store::Role::kTrainer, std::nullopt, std::nullopt, "test",
                                   store::Clock::now(), "cli");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(test_support::wait_until(
      [&] {
        return test_support::read_text(dir / "atelierd.log").find("reconciler started") !=
               std::string::npos;
      },
      std::chrono::seconds(10), "the reconciler to start"));
  ClientRequest form{"POST", "/trainer/sessions/new", *token,
                     "lab=demo&name=page1&candidates=alice", ""};
  form.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  auto created = http_call(d.url(), form);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  ASSERT_EQ(created->status, 303) << created->body;
  std::string last;
  EXPECT_TRUE(test_support::wait_until(
      [&] {
        auto got = http_call(d.url(), {"GET", "/sessions/page1", *token, "", ""});
        if (!got.ok() || got->status != 200) return false;
        last = got->body;
        return json::parse(got->body).at("candidates").at(0).at("status") != "pending";
      },
      std::chrono::seconds(20), "the reconciler to take up the session made by the page"))
      << last;
  EXPECT_EQ(d.terminate(std::chrono::seconds(10)), 0);
  fs::remove_all(dir);
}

// Runs a shell command (openssl, curl: real clients) and returns its stdout; exit code in *rc.
std::string shell(const std::string& command, int* rc) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(DaemonTest, TrainerCliAgainstARunningAtelierd) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelier-cli-test-" + std::to_string(rd()));
  fs::create_directories(dir / "labs");
  fs::copy(fs::path(ATELIER_SOURCE_DIR) / "labs" / "demo", dir / "labs" / "demo",
           fs::copy_options::recursive);
  fs::create_directories(dir / "labs" / "broken");
  std::ofstream(dir / "labs" / "broken" / "lab.yaml") << "lab: broken\nhosts: {a: {image: 1}}\n";
  // The new-session form's format: a header line, "id,display name", '#' comment lines.
  std::ofstream(dir / "candidates.txt") << "name,display\n# group A\nalice,Alice Martin\nbob\n\n";
  // API only: this test is about the CLI and the API; provisioning has tests/e2e/session.
  Daemon d(dir, dir / "labs", {"--no-reconcile"});
  const std::string cli = ATELIER_CLI_PATH;
  int rc = -1;
  std::string token = shell(
      cli + " token create --role trainer --state-dir " + (dir / "state").string() + " 2>/dev/null",
      &rc);
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(token.size(), 69u) << token;  // atl_ + 64 hex + newline
  token.pop_back();
  const std::string env =
      "ATELIER_SERVER=" + d.url() + " ATELIER_TOKEN=" + token + " HOME=" + dir.string() + " ";

  std::string out =
      shell(env + cli + " session create --lab " + (dir / "labs" / "demo").string() +
                " --candidates " + (dir / "candidates.txt").string() + " --name exam1 --seed 5",
            &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("session exam1: lab demo, seed 5"), std::string::npos) << out;
  EXPECT_NE(out.find("  bob  pending"), std::string::npos) << out;
  EXPECT_NE(out.find("  alice (Alice Martin)  pending"), std::string::npos) << out;

  out = shell(env + cli + " session create --lab broken --candidates a 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("lab.yaml:"), std::string::npos) << out;  // FILE:LINE:COL diagnostics

  out = shell(env + cli + " session create --lab demo --candidates a --name exam1 2>&1", &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("already exists"), std::string::npos) << out;

  out = shell(env + cli + " session list --output json", &rc);
  EXPECT_EQ(rc, 0);
  json::value list = json::parse(out);
  ASSERT_EQ(list.at("sessions").as_array().size(), 1u);
  EXPECT_EQ(list.at("sessions").at(0).at("candidates").to_number<int>(), 2);

  // A session's own check interval: shown by status; a bad one is refused with exit 2.
  out = shell(env + cli + " session status exam1", &rc);
  EXPECT_NE(out.find("periodic checks: off (set by atelierd)"), std::string::npos) << out;
  out = shell(
      env + cli + " session create --lab demo --candidates a --name every90 --check-interval 90s",
      &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("periodic checks: every 1m30s (set by the session)"), std::string::npos)
      << out;
  out = shell(env + cli + " session status every90", &rc);
  EXPECT_NE(out.find("periodic checks: every 1m30s (set by the session)"), std::string::npos)
      << out;
  out =
      shell(env + cli +
                " session create --lab demo --candidates a --name fast --check-interval fast 2>&1",
            &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("like 30s, 2m"), std::string::npos) << out;
  shell(env + cli + " session destroy every90", &rc);
  EXPECT_EQ(rc, 0);

  shell(env + cli + " session status nope 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
  shell("ATELIER_SERVER=" + d.url() + " HOME=" + dir.string() + " " + cli +
            " session list --token atl_bad 2>/dev/null",
        &rc);
  EXPECT_EQ(rc, 1);
  shell(env + cli + " session list --server http://127.0.0.1:1 2>/dev/null",
        &rc);  // nobody listens
  EXPECT_EQ(rc, 1);

  // The config file is the last resort, after flags and the environment.
  fs::create_directories(dir / ".config" / "atelier");
  std::ofstream(dir / ".config" / "atelier" / "cli.yaml")
      << "server: " << d.url() << "\ntoken: " << token << "\n";
  out = shell("HOME=" + dir.string() + " " + cli + " session status exam1", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("alice"), std::string::npos);

  out = shell(env + cli + " session destroy exam1", &rc);
  EXPECT_EQ(rc, 0);
  out = shell(env + cli + " session status exam1 --output json", &rc);
  EXPECT_EQ(json::parse(out).at("desired"), "destroyed");

  out = shell(env + cli + " session create --lab demo --candidates x --wait --timeout 1 2>&1", &rc);
  EXPECT_EQ(rc, 1) << out;  // nothing provisions (--no-reconcile): --wait ends by its timeout
  EXPECT_NE(out.find("timed out"), std::string::npos) << out;
  EXPECT_EQ(d.terminate(std::chrono::seconds(5)), 0);
  fs::remove_all(dir);
}

TEST(DaemonTest, ServesHttpsWithTheGivenCertificate) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelierd-tls-test-" + std::to_string(rd()));
  fs::create_directories(dir);
  int rc = -1;
  shell(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
          (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>/dev/null",
      &rc);
  ASSERT_EQ(rc, 0) << "openssl could not make a test certificate";
  {
    Daemon d(dir, fs::path(ATELIER_SOURCE_DIR) / "labs",
             {"--tls-cert", (dir / "cert.pem").string(), "--tls-key", (dir / "key.pem").string()});
    std::string base = "https://127.0.0.1:" + std::to_string(d.port());
    std::string out = shell(
        "curl -sS --max-time 10 --cacert " + (dir / "cert.pem").string() + " " + base + "/healthz",
        &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(out, "{\"status\":\"ok\"}\n");
    out = shell("curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert " +
                    (dir / "cert.pem").string() + " " + base + "/sessions",
                &rc);
    EXPECT_EQ(out, "401");
    // atelier's own client, trusting the certificate, and not trusting it.
    ClientRequest req{"GET", "/healthz", "", "", ""};
    req.ca_file = (dir / "cert.pem").string();
    auto ours = http_call(base, req);
    ASSERT_TRUE(ours.ok()) << ours.error().to_string();
    EXPECT_EQ(ours->status, 200);
    auto untrusted = http_call(base, {"GET", "/healthz", "", "", ""});
    ASSERT_FALSE(untrusted.ok());
    EXPECT_NE(untrusted.error().to_string().find("TLS handshake failed"), std::string::npos);
    // Only forward-secret AEAD suites: under TLS 1.2 a CBC suite is refused, a GCM one served
    // (TLS 1.3's suites are all AEAD with ephemeral keys).
    const std::string tls12 = "curl -sS --max-time 10 -o /dev/null --tls-max 1.2 --cacert " +
                              (dir / "cert.pem").string() + " --ciphers ";
    shell(tls12 + "ECDHE-ECDSA-AES128-SHA " + base + "/healthz 2>/dev/null", &rc);
    EXPECT_NE(rc, 0) << "a CBC suite (no AEAD) was accepted";
    shell(tls12 + "ECDHE-ECDSA-AES128-GCM-SHA256 " + base + "/healthz", &rc);
    EXPECT_EQ(rc, 0) << "the AEAD suite browsers use was refused";
    // Without trusting the certificate, curl refuses; plain HTTP gets no HTTP answer.
    shell("curl -sS --max-time 10 " + base + "/healthz 2>/dev/null", &rc);
    EXPECT_NE(rc, 0);
    shell("curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(d.port()) +
              "/healthz 2>/dev/null",
          &rc);
    EXPECT_NE(rc, 0);
    EXPECT_EQ(d.terminate(std::chrono::seconds(5)), 0);
  }
  // A key that does not load is a configuration error: exit 2, said in the log.
  std::ofstream(dir / "bad.pem") << "not a key\n";
  std::string cmd = std::string(ATELIERD_PATH) + " --listen 127.0.0.1:0 --state-dir " +
                    (dir / "state").string() + " --tls-cert " + (dir / "cert.pem").string() +
                    " --tls-key " + (dir / "bad.pem").string() + " 2>&1";
  std::string out = shell(cmd, &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("load TLS key"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace atelier::api
