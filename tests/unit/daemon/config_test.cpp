// atelierd configuration: flags and config file parsed into Config, flags winning, with errors
// that name the flag.
#include "controller/daemon/config.h"
#include "common/files/install_layout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace atelier::daemon {
namespace {

namespace fs = std::filesystem;

Result<ParseOutcome> parse(std::vector<std::string> args, const fs::path& cwd = "/work") {
  args.insert(args.begin(), "atelierd");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_config(static_cast<int>(argv.size()), argv.data(), cwd);
}

TEST(ParseListen, Forms) {
  EXPECT_EQ(parse_listen("127.0.0.1:8440")->first, "127.0.0.1");
  EXPECT_EQ(parse_listen("127.0.0.1:8440")->second, 8440);
  EXPECT_EQ(parse_listen("[::1]:0")->first, "::1");
  EXPECT_EQ(parse_listen("[::1]:0")->second, 0);
  for (const char* bad : {"127.0.0.1", ":80", "host:", "host:70000", "host:8x", ""}) {
    auto r = parse_listen(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("HOST:PORT"), std::string::npos);
  }
}

TEST(ParseConfig, DefaultsAreAbsoluteAndHaveOneLocalHost) {
  auto r = parse({});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Config& c = r->config;
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8440);
  EXPECT_EQ(c.state_dir, "/var/lib/atelier");
  EXPECT_EQ(c.labs_dir, "/work/labs");
  ASSERT_EQ(c.hosts.size(), 1u);
  EXPECT_EQ(c.hosts[0].name, "local");
  EXPECT_EQ(c.hosts[0].uri, "qemu:///system");
  EXPECT_EQ(c.xterm_dir, "/usr/local/share/atelier/xterm");
  EXPECT_EQ(c.player_dir, "/usr/local/share/atelier/asciinema-player");
  // Front-end folders given relative are taken from the working directory, like the others.
  auto given = parse({"--player-dir", "vendor/player"});
  ASSERT_TRUE(given.ok()) << given.error().to_string();
  EXPECT_EQ(given->config.player_dir, "/work/vendor/player");
}

TEST(ParseConfig, FlagsWinOverTheFile) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelierd-config-" + std::to_string(rd()));
  fs::create_directories(dir);
  std::ofstream(dir / "atelierd.conf")
      << "# comment\nlisten = 0.0.0.0:9000\nstate-dir = state\n"
         "libvirt-uri = a=test:///default\nlibvirt-uri = b=qemu+ssh://hv/system\n"
         "max-body-bytes = 2048\n";
  auto r = parse({"--config", "atelierd.conf", "--listen", "127.0.0.1:0"}, dir);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->config.listen_port, 0);  // the flag
  EXPECT_EQ(r->config.listen_address, "127.0.0.1");
  EXPECT_EQ(r->config.state_dir, dir / "state");  // the file, relative to cwd
  EXPECT_EQ(r->config.max_body_bytes, 2048u);
  ASSERT_EQ(r->config.hosts.size(), 2u);
  EXPECT_EQ(r->config.hosts[1].name, "b");
  EXPECT_EQ(r->config.hosts[1].uri, "qemu+ssh://hv/system");

  std::ofstream(dir / "bad.conf") << "colour = red\n";
  auto bad = parse({"--config", "bad.conf"}, dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("colour"), std::string::npos);
  EXPECT_FALSE(parse({"--config", "missing.conf"}, dir).ok());
  fs::remove_all(dir);
}

TEST(ParseConfig, Errors) {
  EXPECT_FALSE(parse({"--listen", "nowhere"}).ok());
  EXPECT_FALSE(parse({"--no-such-flag"}).ok());
  auto tls = parse({"--tls-cert", "c.pem"});
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message().find("--tls-key"), std::string::npos);
  EXPECT_FALSE(parse({"--libvirt-uri", "=qemu:///system"}).ok());
  auto two = parse({"--libvirt-uri", "test:///default", "--libvirt-uri", "qemu:///system"});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->config.hosts[0].name, "host0");
  EXPECT_EQ(two->config.hosts[0].uri, "test:///default");
}

TEST(ParseConfig, Help) {
  auto r = parse({"--help"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->help);
  EXPECT_NE(r->text.find("--state-dir"), std::string::npos);
  EXPECT_NE(r->text.find("--player-dir"), std::string::npos);
}

}  // namespace
}  // namespace atelier::daemon

namespace atelier::daemon {
namespace {

TEST(ParseConfig, ReconcilerDefaultsAndFlags) {
  auto d = parse({"--state-dir", "/srv/st", "--labs-dir", "/srv/labs"});
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_TRUE(d->config.reconcile);
  EXPECT_EQ(d->config.run_dir, "/srv/st/labs");
  // Not below --labs-dir: the image definitions that ship with this program (its build tree's).
  ASSERT_TRUE(layout::of_running_program().has_value());
  EXPECT_EQ(d->config.image_definitions, layout::of_running_program()->images);
  EXPECT_EQ(d->config.overlay_dir, "/var/lib/atelier/overlays");
  EXPECT_EQ(d->config.boot_timeout, std::chrono::seconds(300));
  EXPECT_EQ(d->config.check_interval, std::chrono::seconds(0));
  EXPECT_FALSE(d->config.orphan_prefix.has_value());  // objects of unknown sessions are left alone
  EXPECT_EQ(d->config.console, "log");
  EXPECT_EQ(d->config.console_idle_timeout, std::chrono::seconds(1800));
  EXPECT_FALSE(d->config.build_images);

  auto f = parse({"--no-reconcile", "--run-dir", "run", "--boot-timeout", "600", "--check-interval",
                  "120", "--console", "pty", "--console-idle-timeout", "0", "--orphan-prefix",
                  "e2e", "--unsafe-disk-cache", "--max-parallel-labs", "3"},
                 "/w");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_FALSE(f->config.reconcile);
  EXPECT_EQ(f->config.run_dir, "/w/run");
  EXPECT_EQ(f->config.boot_timeout, std::chrono::seconds(600));
  EXPECT_EQ(f->config.check_interval, std::chrono::seconds(120));
  EXPECT_EQ(f->config.console, "pty");
  EXPECT_EQ(f->config.console_idle_timeout, std::chrono::seconds(0));
  EXPECT_EQ(f->config.orphan_prefix, "e2e");
  EXPECT_TRUE(f->config.unsafe_disk_cache);
  EXPECT_EQ(f->config.max_parallel_labs, 3u);

  for (std::vector<std::string> bad : {std::vector<std::string>{"--console", "vnc"},
                                       std::vector<std::string>{"--boot-timeout", "0"},
                                       std::vector<std::string>{"--check-interval", "-1"},
                                       std::vector<std::string>{"--console-idle-timeout", "-5"}}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad[0];
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace atelier::daemon
