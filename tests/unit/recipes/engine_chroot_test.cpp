// The engine end to end on ChrootTransport in a minimal root made by the test: first run changes,
// second run changes nothing, dry-run touches nothing, handlers run once, when: skips, users and
// groups are really created (by the real shadow tools, inside the root), a failing host does not
// stop the others. Also LocalTransport's deadline and the chroot's symlink containment.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ansible-free-recipes/engine/engine.h"
#include "ansible-free-recipes/engine/loader.h"
#include "ansible-free-recipes/engine/report.h"
#include "ansible-free-recipes/transport/local_transport.h"
#include "tests/unit/recipes/test_roots.h"

namespace atelier::recipes {
namespace {

using testing::read_text;
using testing::write_text;
namespace fs = std::filesystem;

const char* kPlay = R"(recipe: chroot-play
params:
  domain: {type: string, default: lab.test}
  admins: {type: list, default: [ann, bob]}
steps:
  - group: {name: staff, gid: 2001}
  - user: {name: ann, uid: 2101, group: staff, shell: /bin/sh, home: /home/ann, comment: "Ann Admin"}
  - user: {name: bob, uid: 2102, groups: [staff], create_home: false}
  - file: {path: /srv/site, state: directory, mode: "0750", owner: ann, group: staff}
  - file: {path: /srv/site/index.txt, content: "Welcome to {{domain}}\n{{#admins}}admin {{.}}\n{{/admins}}", mode: "0640", owner: ann}
    notify: note change
  - file: {path: /etc/motd, template: motd.mustache}
  - line: {path: /etc/hosts, regex: '^127\.0\.1\.1', line: "127.0.1.1 www.{{domain}} www", create: true}
  - line: {path: /etc/hosts, line: "# managed", state: absent}
  - command: {run: "echo built > /srv/site/built", creates: /srv/site/built}
  - command: {run: "touch /tmp/never", unless: "test -d /srv"}
  - command: {run: "id -u", unless: "false"}
    register: whoami
  - file: {path: /srv/site/owner.txt, content: "uid {{whoami.stdout}}"}
  - sysctl: {name: net.ipv4.ip_forward, value: "1"}
  - package: {names: [base-files], state: present}
  - package: {names: [old-tool, never-installed], state: absent}
  - file: {path: /srv/old, state: absent}
  - command: {run: "echo should-not-run > /tmp/skipped"}
    when: "facts.init == 'systemd'"
handlers:
  note change:
    command: {run: "echo handler >> /srv/handler.log"}
)";

class ChrootEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::make_mini_root(root_.path());
    write_text(recipes_.path() / "motd.mustache",
               "{{domain}} ({{facts.os}} {{facts.os_version}}, {{facts.transport}})\n");
    write_text(recipes_.path() / "play.yaml", kPlay);
    write_text(root_.path() / "srv/old/junk", "x");
    write_text(root_.path() / "etc/hosts", "127.0.0.1 localhost\n# managed\n");
    auto r = load_recipe_file((recipes_.path() / "play.yaml").string());
    ASSERT_TRUE(r.ok()) << r.error().message();
    recipe_ = *r;
    auto p = bind_params(recipe_, {});
    ASSERT_TRUE(p.ok());
    options_.params = *p;
  }
  HostReport run(bool dry_run = false) {
    auto t = transport::ChrootTransport::open(root_.str());
    EXPECT_TRUE(t.ok());
    options_.dry_run = dry_run;
    auto rep = run_recipe(recipe_, **t, options_);
    std::cerr << render_text({rep}, true);
    return rep;
  }
  fs::path in_root(const std::string& p) { return root_.path() / fs::path(p).relative_path(); }

  testing::TempDir root_, recipes_;
  Recipe recipe_;
  RunOptions options_;
};

TEST_F(ChrootEngine, FirstRunChangesSecondRunIsIdempotent) {
  auto first = run();
  ASSERT_FALSE(first.error) << first.error->to_string();
  EXPECT_EQ(first.summary.failed, 0);
  EXPECT_GE(first.summary.changed, 14);
  EXPECT_EQ(first.summary.skipped, 1);
  EXPECT_EQ(first.facts.at("transport").to_text(), "chroot");
  EXPECT_EQ(first.facts.at("init").to_text(), "none");

  // What the ops did, seen from the host side of the root.
  EXPECT_EQ(read_text(in_root("/srv/site/index.txt")),
            "Welcome to lab.test\nadmin ann\nadmin bob\n");
  EXPECT_EQ(read_text(in_root("/etc/motd")), "lab.test (debian 12, chroot)\n");
  EXPECT_EQ(read_text(in_root("/etc/hosts")), "127.0.0.1 localhost\n127.0.1.1 www.lab.test www\n");
  EXPECT_EQ(read_text(in_root("/srv/site/built")), "built\n");
  EXPECT_EQ(read_text(in_root("/srv/site/owner.txt")), "uid 0\n");
  EXPECT_EQ(read_text(in_root("/etc/sysctl.d/99-atelier.conf")), "net.ipv4.ip_forward = 1\n");
  EXPECT_EQ(read_text(in_root("/srv/handler.log")), "handler\n");  // once, at the end
  EXPECT_FALSE(fs::exists(in_root("/srv/old")));
  EXPECT_FALSE(fs::exists(in_root("/tmp/never")));
  EXPECT_FALSE(fs::exists(in_root("/tmp/skipped")));
  auto passwd = read_text(in_root("/etc/passwd"));
  EXPECT_NE(passwd.find("ann:x:2101:2001:Ann Admin:/home/ann:/bin/sh"), std::string::npos)
      << passwd;
  EXPECT_NE(read_text(in_root("/etc/group")).find("staff:x:2001:bob"), std::string::npos);
  EXPECT_TRUE(fs::is_directory(in_root("/home/ann")));
  struct stat st {};
  ASSERT_EQ(::stat(in_root("/srv/site/index.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 2101u);
  ASSERT_EQ(::stat(in_root("/srv/site").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_gid, 2001u);
  // The host's own accounts are untouched.
  EXPECT_EQ(read_text("/etc/passwd").find("ann:x:2101"), std::string::npos);

  auto second = run();
  EXPECT_EQ(second.summary.failed, 0);
  // Only the deliberately unguarded `id -u` command (register) changes again.
  EXPECT_EQ(second.summary.changed, 1) << render_text({second}, true);
  EXPECT_EQ(read_text(in_root("/srv/handler.log")), "handler\n");  // not notified again
}

TEST_F(ChrootEngine, DryRunReportsAndTouchesNothing) {
  auto before_passwd = read_text(in_root("/etc/passwd"));
  auto dry = run(true);
  EXPECT_EQ(dry.summary.failed, 0) << render_text({dry}, true);
  EXPECT_GE(dry.summary.changed, 12);
  EXPECT_EQ(read_text(in_root("/etc/passwd")), before_passwd);
  EXPECT_FALSE(fs::exists(in_root("/srv/site")));
  EXPECT_FALSE(fs::exists(in_root("/etc/motd")));
  EXPECT_TRUE(fs::exists(in_root("/srv/old/junk")));
  EXPECT_EQ(read_text(in_root("/etc/hosts")), "127.0.0.1 localhost\n# managed\n");
  // The diff says what would change.
  bool saw_hosts_diff = false;
  for (const auto& s : dry.steps) {
    if (s.op == "line" && s.diff.find("+127.0.1.1 www.lab.test www") != std::string::npos)
      saw_hosts_diff = true;
  }
  EXPECT_TRUE(saw_hosts_diff);
}

TEST_F(ChrootEngine, DriftIsRepairedAndReported) {
  ASSERT_EQ(run().summary.failed, 0);
  write_text(in_root("/srv/site/index.txt"), "defaced\n");
  chmod(in_root("/srv/site").c_str(), 0777);
  auto again = run();
  EXPECT_EQ(again.summary.failed, 0);
  EXPECT_EQ(read_text(in_root("/srv/site/index.txt")),
            "Welcome to lab.test\nadmin ann\nadmin bob\n");
  bool diff_seen = false, mode_seen = false;
  for (const auto& s : again.steps) {
    if (s.diff.find("-defaced") != std::string::npos) diff_seen = true;
    if (s.diff.find("mode 0777 -> 0750") != std::string::npos) mode_seen = true;
  }
  EXPECT_TRUE(diff_seen);
  EXPECT_TRUE(mode_seen);
  EXPECT_EQ(read_text(in_root("/srv/handler.log")),
            "handler\nhandler\n");  // notified by the repair
}

TEST_F(ChrootEngine, FailureStopsTheHostAndSaysWhy) {
  auto r = load_recipe_text(
      "recipe: f\nsteps:\n  - command: {run: 'echo boom >&2; exit 3'}\n  - file: {path: /after, "
      "content: x}\n",
      "f.yaml", ".");
  ASSERT_TRUE(r.ok());
  auto t = transport::ChrootTransport::open(root_.str());
  ASSERT_TRUE(t.ok());
  auto rep = run_recipe(*r, **t, {});
  EXPECT_EQ(rep.summary.failed, 1);
  ASSERT_EQ(rep.steps.size(), 1u);
  EXPECT_EQ(rep.steps[0].message, "exit 3: boom");
  EXPECT_FALSE(fs::exists(in_root("/after")));
  EXPECT_EQ(rep.summary.to_string(), "ok=0 changed=0 failed=1 skipped=0");
}

TEST_F(ChrootEngine, ManyHostsInParallelOneBadHostDoesNotStopOthers) {
  testing::TempDir root2;
  testing::make_mini_root(root2.path());
  std::vector<HostTarget> hosts;
  for (std::string r : {root_.str(), std::string("/nonexistent/atelier-root"), root2.str()}) {
    hosts.push_back({"chroot://" + r, [r]() -> Result<std::unique_ptr<transport::Transport>> {
                       auto t = transport::ChrootTransport::open(r);
                       if (!t.ok()) return std::move(t).error();
                       return std::unique_ptr<transport::Transport>(std::move(t).value());
                     }});
  }
  auto reports = run_on_hosts(recipe_, hosts, options_, 2);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_FALSE(reports[0].failed()) << render_text(reports, false);
  EXPECT_TRUE(reports[1].error.has_value());
  EXPECT_EQ(reports[1].error->code(), ErrorCode::kNotFound);
  EXPECT_FALSE(reports[2].failed());
  EXPECT_TRUE(fs::exists(root2.path() / "srv/site/index.txt"));
  auto text = render_text(reports, false);
  EXPECT_NE(text.find("total: "), std::string::npos);
  EXPECT_NE(text.find("unreachable=1"), std::string::npos);
}

TEST_F(ChrootEngine, PackageDryRunNamesWhatWouldBeInstalled) {
  auto r = load_recipe_text("recipe: p\nsteps:\n  - package: {names: [base-files, nginx-light]}\n",
                            "p.yaml", ".");
  ASSERT_TRUE(r.ok());
  auto t = transport::ChrootTransport::open(root_.str());
  ASSERT_TRUE(t.ok());
  RunOptions o;
  o.dry_run = true;
  auto rep = run_recipe(*r, **t, o);
  ASSERT_EQ(rep.steps.size(), 1u);
  EXPECT_EQ(rep.steps[0].status, StepStatus::kChanged);
  EXPECT_EQ(rep.steps[0].diff, "+ nginx-light\n");
}

TEST(ChrootTransport, SymlinksStayInsideTheRoot) {
  testing::TempDir root, outside;
  write_text(outside.path() / "secret", "host secret\n");
  fs::create_directories(root.path() / "etc");
  // Absolute and ../ links that would escape if followed on the host.
  fs::create_symlink(outside.path() / "secret", root.path() / "etc/abs-link");
  fs::create_symlink("../../../../../../" + (outside.path() / "secret").relative_path().string(),
                     root.path() / "etc/rel-link");
  fs::create_directory_symlink(outside.path(), root.path() / "etc/dir-link");
  auto t = transport::ChrootTransport::open(root.str());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->get_file("/etc/abs-link").error().code(), ErrorCode::kNotFound);
  auto rel = (*t)->get_file("/etc/rel-link");
  EXPECT_FALSE(rel.ok() && *rel == "host secret\n");
  ASSERT_TRUE((*t)->put_file("/etc/dir-link/planted", "x", 0644, {}).ok() ||
              true);  // may land inside the root (link resolved within it) or fail; never outside
  EXPECT_FALSE(fs::exists(outside.path() / "planted"));
  EXPECT_EQ(read_text(outside.path() / "secret"), "host secret\n");
}

TEST(LocalTransport, ExecResultsAndDeadline) {
  auto t = transport::LocalTransport::open("/");
  ASSERT_TRUE(t.ok());
  auto r = (*t)->exec("echo out; echo err >&2; exit 7", std::chrono::seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");
  auto start = std::chrono::steady_clock::now();
  // A child that would outlive the shell is killed with its process group.
  auto slow = (*t)->exec("sleep 30 & sleep 30", std::chrono::seconds(1));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code(), ErrorCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ((*t)->stat("/nonexistent/x").error().code(), ErrorCode::kNotFound);
  testing::TempDir dir;
  std::string p = (dir.path() / "f").string();
  ASSERT_TRUE((*t)->put_file(p, "hello", 0600, {}).ok());
  EXPECT_EQ(*(*t)->get_file(p), "hello");
  EXPECT_EQ((*t)->stat(p)->mode, 0600u);
  EXPECT_EQ((*t)->put_file((dir.path() / "no/such/dir/f").string(), "x", 0644, {}).error().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace atelier::recipes
