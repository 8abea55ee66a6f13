// LibsshTransport and the engine against a real sshd on 127.0.0.1 (started by the test): host-key
// policies, key and password authentication, exec/put/get/stat over SSH and SFTP, and a recipe
// applied over SSH to files in a temp folder — changed on the first run, changed=0 on the second,
// nothing touched by dry-run. Also `atelier recipe apply` itself, when the CLI is built.
#include <gtest/gtest.h>

#include "ansible-free-recipes/engine/engine.h"
#include "ansible-free-recipes/engine/loader.h"
#include "ansible-free-recipes/engine/report.h"
#include "ansible-free-recipes/transport/libssh_transport.h"
#include "tests/integration/recipes/sshd_fixture.h"

namespace atelier::recipes {
namespace {

using testing::read_text;
using testing::write_text;
namespace fs = std::filesystem;

class Ssh : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sshd_ = new testing::SshdFixture(); }
  static void TearDownTestSuite() {
    delete sshd_;
    sshd_ = nullptr;
  }
  transport::SshOptions options() {
    transport::SshOptions o;
    o.host = "127.0.0.1";
    o.port = sshd_->port();
    o.user = "root";
    o.identity_file = sshd_->client_key();
    o.known_hosts_file = (work_.path() / "known_hosts").string();
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }
  static testing::SshdFixture* sshd_;
  testing::TempDir work_;
};
testing::SshdFixture* Ssh::sshd_ = nullptr;

TEST_F(Ssh, AcceptNewRecordsTheKeyThenStrictAccepts) {
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_TRUE(t.ok()) << t.error().to_string() << "\n" << sshd_->log();
  auto known = read_text(work_.path() / "known_hosts");
  EXPECT_NE(known.find("[127.0.0.1]:" + std::to_string(sshd_->port())), std::string::npos) << known;
  auto o = options();
  o.host_key_policy = transport::HostKeyPolicy::kStrict;
  auto again = transport::LibsshTransport::connect(o);
  EXPECT_TRUE(again.ok()) << again.error().to_string();
}

TEST_F(Ssh, StrictRefusesAnUnknownHost) {
  auto o = options();
  o.host_key_policy = transport::HostKeyPolicy::kStrict;
  auto t = transport::LibsshTransport::connect(o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(t.error().to_string().find("unknown host key for 127.0.0.1 (SHA256:"),
            std::string::npos)
      << t.error().to_string();
  EXPECT_NE(t.error().to_string().find("connect ssh://root@127.0.0.1:"), std::string::npos);
}

TEST_F(Ssh, ChangedHostKeyIsRefused) {
  // known_hosts says the host has another key of the same type.
  auto other = sshd_->other_host_pub();
  write_text(work_.path() / "known_hosts", "[127.0.0.1]:" + std::to_string(sshd_->port()) + " " +
                                               other.substr(0, other.rfind(' ')) + "\n");
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(t.error().to_string().find("CHANGED"), std::string::npos) << t.error().to_string();
}

TEST_F(Ssh, WrongPasswordIsAClearError) {
  auto o = options();
  o.identity_file.reset();
  o.password = "definitely-not-the-password";
  auto t = transport::LibsshTransport::connect(o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(t.error().to_string().find("authentication as root refused; tried password"),
            std::string::npos)
      << t.error().to_string();
}

TEST_F(Ssh, NothingListeningIsUnavailable) {
  auto o = options();
  o.port = testing::free_port();
  auto t = transport::LibsshTransport::connect(o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kUnavailable) << t.error().to_string();
}

TEST_F(Ssh, ExecFilesAndDeadlines) {
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  auto r = (*t)->exec("echo out; echo err >&2; exit 5", std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 5);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");
  // Large output is read completely.
  auto big = (*t)->exec("head -c 300000 /dev/zero | tr '\\0' x", std::chrono::seconds(10));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->stdout_text.size(), 300000u);
  auto slow = (*t)->exec("sleep 20", std::chrono::seconds(1));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code(), ErrorCode::kTimeout);
  // The session is still usable after a timeout.
  EXPECT_EQ((*t)->exec("true", std::chrono::seconds(10))->exit_code, 0);

  std::string p = (work_.path() / "f.txt").string();
  ASSERT_TRUE((*t)->put_file(p, "one", 0600, {}).ok());
  ASSERT_TRUE((*t)->put_file(p, "two\n", 0640, {transport::FileOwner{0, 0}}).ok());  // replaces
  EXPECT_EQ(read_text(p), "two\n");
  auto st = (*t)->stat(p);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, 0640u);
  EXPECT_EQ(st->type, transport::FileType::kRegular);
  EXPECT_EQ(*(*t)->get_file(p), "two\n");
  EXPECT_EQ((*t)->get_file(p + ".missing").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ((*t)->stat(p + ".missing").error().code(), ErrorCode::kNotFound);
  auto proc = (*t)->get_file("/proc/sys/kernel/ostype");  // size-0 files read fully
  ASSERT_TRUE(proc.ok());
  EXPECT_EQ(*proc, "Linux\n");
}

std::string play(const std::string& dir) {
  return "recipe: ssh-play\n"
         "params:\n"
         "  site: {type: string, default: intranet}\n"
         "  dir: {type: string, default: " +
         dir +
         "}\n"
         "steps:\n"
         "  - file: {path: '{{dir}}/www', state: directory, mode: '0755'}\n"
         "  - file: {path: '{{dir}}/www/index.html', content: \"<h1>{{site}}</h1>\\n\", mode: "
         "'0644'}\n"
         "    notify: mark\n"
         "  - file: {path: '{{dir}}/www/facts.txt', content: \"{{facts.transport}} "
         "{{facts.os}}\\n\"}\n"
         "  - line: {path: '{{dir}}/app.conf', regex: '^port=', line: 'port=8080', create: true}\n"
         "  - line: {path: '{{dir}}/app.conf', line: 'debug=false'}\n"
         "  - command: {run: 'date > {{dir}}/stamp', creates: '{{dir}}/stamp'}\n"
         "  - file: {path: '{{dir}}/tmp-junk', state: absent}\n"
         "handlers:\n"
         "  mark:\n"
         "    command: {run: 'echo reloaded >> {{dir}}/handler.log'}\n";
}

TEST_F(Ssh, RecipeOverSshIsIdempotentAndDryRunTouchesNothing) {
  fs::path target = work_.path() / "target";
  fs::create_directories(target);
  write_text(target / "tmp-junk", "x");
  write_text(work_.path() / "play.yaml", play(target.string()));
  auto recipe = load_recipe_file((work_.path() / "play.yaml").string());
  ASSERT_TRUE(recipe.ok()) << recipe.error().message();
  auto t = transport::LibsshTransport::connect(options());
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  RunOptions o;
  o.params = *bind_params(*recipe, {});

  auto first = run_recipe(*recipe, **t, o);
  std::cerr << render_text({first}, true);
  EXPECT_EQ(first.summary.failed, 0);
  EXPECT_EQ(first.summary.changed, 8);  // 7 steps + the handler
  EXPECT_EQ(read_text(target / "www/index.html"), "<h1>intranet</h1>\n");
  EXPECT_EQ(read_text(target / "www/facts.txt"), "ssh debian\n");
  EXPECT_EQ(read_text(target / "app.conf"), "port=8080\ndebug=false\n");
  EXPECT_FALSE(fs::exists(target / "tmp-junk"));
  EXPECT_EQ(read_text(target / "handler.log"), "reloaded\n");

  auto second = run_recipe(*recipe, **t, o);  // same connection, reused
  EXPECT_EQ(second.summary.to_string(), "ok=7 changed=0 failed=0 skipped=0")
      << render_text({second}, true);

  // Dry-run with another parameter: reports the change, writes nothing.
  auto stamp = read_text(target / "stamp");
  o.dry_run = true;
  o.params = *bind_params(*recipe, {{"site", "extranet"}});
  auto dry = run_recipe(*recipe, **t, o);
  EXPECT_EQ(dry.summary.changed, 2);  // index.html and its handler
  EXPECT_NE(dry.steps[1].diff.find("+<h1>extranet</h1>"), std::string::npos) << dry.steps[1].diff;
  EXPECT_EQ(read_text(target / "www/index.html"), "<h1>intranet</h1>\n");
  EXPECT_EQ(read_text(target / "handler.log"), "reloaded\n");
  EXPECT_EQ(read_text(target / "stamp"), stamp);
}

TEST_F(Ssh, ManyHostsOverSshInParallel) {
  fs::path target = work_.path() / "par";
  write_text(work_.path() / "play.yaml", play(target.string()));
  auto recipe = load_recipe_file((work_.path() / "play.yaml").string());
  ASSERT_TRUE(recipe.ok());
  std::vector<HostTarget> hosts;
  for (int i = 0; i < 4; ++i) {
    auto o = options();
    if (i == 2) o.port = testing::free_port();  // one host is down
    hosts.push_back(
        {"h" + std::to_string(i), [o]() -> Result<std::unique_ptr<transport::Transport>> {
           auto t = transport::LibsshTransport::connect(o);
           if (!t.ok()) return std::move(t).error();
           return std::unique_ptr<transport::Transport>(std::move(t).value());
         }});
  }
  fs::create_directories(target);
  RunOptions o;
  o.params = *bind_params(*recipe, {});
  auto reports = run_on_hosts(*recipe, hosts, o, 3);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_TRUE(reports[2].error.has_value());
  for (int i : {0, 1, 3}) EXPECT_EQ(reports[i].summary.failed, 0) << render_text(reports, true);
  EXPECT_EQ(read_text(target / "www/index.html"), "<h1>intranet</h1>\n");
}

#ifdef ATELIER_CLI
TEST_F(Ssh, CliApplyPrintsTableSummaryAndJson) {
  fs::path target = work_.path() / "cli";
  fs::create_directories(target);
  write_text(work_.path() / "play.yaml", play(target.string()));
  std::string base = std::string(ATELIER_CLI) + " recipe apply " +
                     (work_.path() / "play.yaml").string() +
                     " --target ssh://root@127.0.0.1:" + std::to_string(sshd_->port()) +
                     " --identity " + sshd_->client_key() + " --known-hosts " +
                     (work_.path() / "known_hosts").string() + " --var site=cli";
  auto out = testing::capture(base + " 2>&1; echo rc=$?");
  EXPECT_NE(out.find("ok=1 changed=7 failed=0 skipped=0"), std::string::npos) << out;
  EXPECT_NE(out.find("rc=0"), std::string::npos);
  EXPECT_NE(out.find("STATUS   OP         STEP"), std::string::npos) << out;
  auto json = testing::capture(base + " --output json");
  EXPECT_NE(json.find("\"summary\":{\"ok\":7,\"changed\":0,\"failed\":0,\"skipped\":0}"),
            std::string::npos)
      << json;
  auto bad = testing::capture(base + " --var nope=1 2>&1; echo rc=$?");
  EXPECT_NE(bad.find("has no such parameter"), std::string::npos) << bad;
  EXPECT_NE(bad.find("rc=2"), std::string::npos);
  auto strict = testing::capture(
      std::string(ATELIER_CLI) + " recipe apply " + (work_.path() / "play.yaml").string() +
      " --target ssh://root@127.0.0.1:" + std::to_string(sshd_->port()) + " --identity " +
      sshd_->client_key() + " --known-hosts " + (work_.path() / "empty_known_hosts").string() +
      " --host-key strict 2>&1; echo rc=$?");
  EXPECT_NE(strict.find("unknown host key"), std::string::npos) << strict;
  EXPECT_NE(strict.find("rc=1"), std::string::npos);
}
#endif

}  // namespace
}  // namespace atelier::recipes
