// Seed rendering (pure, table-tested), the values surviving a real /bin/sh, the FAT seed disk
// read back with mtools, and the baked first-boot script passing `sh -n`.
#include "controller/images/seed.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/process/run_process.h"
#include "controller/images/guest_files.h"

namespace atelier::images {
namespace {

namespace fs = std::filesystem;

SeedSpec sample() {
  SeedSpec s;
  s.instance_id = "s1-c01-router-1";
  s.hostname = "router";
  s.nics = {{"5a:7e:00:00:00:01", {"10.10.0.1/24"}, std::nullopt},
            {"5a:7e:00:00:00:02", {"10.20.0.1/24", "10.20.1.1/24"}, std::string("10.20.0.254")},
            {"5a:7e:00:00:00:03", {}, std::nullopt}};
  s.root_password = "it's a \"pass\" $HOME `x` \\";
  s.authorized_keys = {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2 candidate@c01"};
  s.session = "s1";
  s.candidate = "c01";
  s.host = "router";
  s.agent_args = {"--port", "/dev/virtio-ports/org.atelier.agent.0", "--session", "s1"};
  return s;
}

std::map<std::string, std::string> by_path(const std::vector<SeedFile>& files) {
  std::map<std::string, std::string> m;
  for (const auto& f : files) m[f.path] = f.content;
  return m;
}

TEST(RenderSeed, HasNoCloudAndAtelierFiles) {
  auto files = render_seed(sample());
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  auto m = by_path(*files);
  for (const char* p : {"meta-data", "user-data", "network-config", "atelier/host.env",
                        "atelier/nics", "atelier/authorized_keys"}) {
    EXPECT_TRUE(m.count(p)) << p;
  }
  EXPECT_EQ(m["meta-data"], "instance-id: \"s1-c01-router-1\"\nlocal-hostname: \"router\"\n");
  EXPECT_EQ(m["atelier/nics"],
            "# MAC ADDRESSES(comma-separated CIDR, or -) [GATEWAY]\n"
            "5a:7e:00:00:00:01 10.10.0.1/24\n"
            "5a:7e:00:00:00:02 10.20.0.1/24,10.20.1.1/24 10.20.0.254\n"
            "5a:7e:00:00:00:03 -\n");
  EXPECT_EQ(m["atelier/authorized_keys"],
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2 candidate@c01\n");
  EXPECT_EQ(m["network-config"],
            "version: 2\nethernets:\n"
            "  nic0:\n    match:\n      macaddress: \"5a:7e:00:00:00:01\"\n"
            "    dhcp4: false\n    dhcp6: false\n    addresses:\n      - 10.10.0.1/24\n"
            "  nic1:\n    match:\n      macaddress: \"5a:7e:00:00:00:02\"\n"
            "    dhcp4: false\n    dhcp6: false\n    addresses:\n      - 10.20.0.1/24\n"
            "      - 10.20.1.1/24\n    routes:\n      - to: default\n        via: 10.20.0.254\n"
            "  nic2:\n    match:\n      macaddress: \"5a:7e:00:00:00:03\"\n"
            "    dhcp4: false\n    dhcp6: false\n");
  EXPECT_EQ(m["user-data"].rfind("#cloud-config\n", 0), 0u);
  EXPECT_NE(m["user-data"].find("password: \"it's a \\\"pass\\\" $HOME `x` \\\\\""),
            std::string::npos)
      << m["user-data"];
}

TEST(RenderSeed, HostEnvSurvivesARealShell) {
  auto files = render_seed(sample());
  ASSERT_TRUE(files.ok());
  std::string env = by_path(*files)["atelier/host.env"];
  auto r = process::run_checked(
      {.argv = {"sh", "-c",
                "eval \"$(cat)\"; printf '%s|%s|%s|%s|%s\\n' \"$ATELIER_ROOT_PASSWORD\" "
                "\"$ATELIER_HOSTNAME\" \"$ATELIER_INSTANCE_ID\" \"$ATELIER_CANDIDATE\" "
                "\"$ATELIER_AGENT_ARGS\""},
       .stdin_data = env});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->out, sample().root_password +
                        "|router|s1-c01-router-1|c01|--port "
                        "/dev/virtio-ports/org.atelier.agent.0 --session s1\n");
}

TEST(RenderSeed, DisplayFlag) {
  SeedSpec spec = sample();
  auto without = render_seed(spec);
  spec.display = true;
  auto with = render_seed(spec);
  ASSERT_TRUE(without.ok() && with.ok());
  EXPECT_NE(by_path(*without)["atelier/host.env"].find("ATELIER_DISPLAY='0'\n"), std::string::npos);
  EXPECT_NE(by_path(*with)["atelier/host.env"].find("ATELIER_DISPLAY='1'\n"), std::string::npos);
}

TEST(ShellQuote, Table) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("abc"), "'abc'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$x `y`"), "'$x `y`'");
}

TEST(RenderSeed, RejectsBadSpecsNamingTheField) {
  struct Case {
    const char* name;
    void (*mutate)(SeedSpec&);
    const char* expected;
  };
  const Case cases[] = {
      {"hostname", [](SeedSpec& s) { s.hostname = "Router_1"; }, "hostname 'Router_1'"},
      {"empty hostname", [](SeedSpec& s) { s.hostname = ""; }, "hostname ''"},
      {"instance id", [](SeedSpec& s) { s.instance_id = "a b"; }, "instance_id 'a b'"},
      {"mac", [](SeedSpec& s) { s.nics[0].mac = "5A:7E:00:00:00:01"; }, "nic 0: MAC '5A:7E"},
      {"duplicate mac", [](SeedSpec& s) { s.nics[1].mac = s.nics[0].mac; },
       "nic 1: MAC 5a:7e:00:00:00:01 used twice"},
      {"cidr", [](SeedSpec& s) { s.nics[0].addresses = {"10.10.0.1"}; },
       "nic 0: address '10.10.0.1'"},
      {"octet", [](SeedSpec& s) { s.nics[0].addresses = {"10.10.0.256/24"}; },
       "address '10.10.0.256/24'"},
      {"prefix", [](SeedSpec& s) { s.nics[0].addresses = {"10.10.0.1/33"}; },
       "address '10.10.0.1/33'"},
      {"gateway", [](SeedSpec& s) { s.nics[1].gateway = "gw"; }, "nic 1: gateway 'gw'"},
      {"password", [](SeedSpec& s) { s.root_password = "a\nb"; }, "root_password"},
      {"key", [](SeedSpec& s) { s.authorized_keys = {"not a key"}; }, "authorized key 'not a key"},
      {"agent arg", [](SeedSpec& s) { s.agent_args = {"a b"}; }, "agent argument 'a b'"},
      {"agent arg $", [](SeedSpec& s) { s.agent_args = {"$(reboot)"}; },
       "agent argument '$(reboot)'"},
      {"identity", [](SeedSpec& s) { s.candidate = ""; }, "agent identity ''"},
  };
  for (const auto& c : cases) {
    SeedSpec s = sample();
    c.mutate(s);
    auto files = render_seed(s);
    ASSERT_FALSE(files.ok()) << c.name;
    EXPECT_EQ(files.error().code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(files.error().to_string().find(c.expected), std::string::npos)
        << c.name << ": " << files.error().to_string();
  }
}

TEST(RenderSeed, NoNicsNoPasswordIsValid) {
  SeedSpec s = sample();
  s.nics.clear();
  s.root_password.clear();
  s.authorized_keys.clear();
  auto files = render_seed(s);
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  auto m = by_path(*files);
  EXPECT_EQ(m["network-config"], "version: 2\n");
  EXPECT_EQ(m["user-data"].find("chpasswd"), std::string::npos);
}

class SeedDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("atelier-seed-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string mtype(const std::string& image, const std::string& path) {
    auto r = process::run_checked(
        {.argv = {"mtype", "-i", image, "::" + path}, .env = {"MTOOLS_SKIP_CHECK=1"}});
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->out : "";
  }

  fs::path dir_;
};

TEST_F(SeedDisk, WritesAFatDiskLabelledCidataWithEveryFile) {
  auto files = render_seed(sample());
  ASSERT_TRUE(files.ok());
  std::string out = (dir_ / "seed.img").string();
  // Any executable stands in for the agent; the writer strips debug sections or copies it.
  auto st = write_seed_disk(*files, std::string("/bin/true"), out);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  for (const auto& f : *files) EXPECT_EQ(mtype(out, f.path), f.content) << f.path;
  auto label = process::run_checked({.argv = {"blkid", "-p", "-o", "value", "-s", "LABEL", out}});
  ASSERT_TRUE(label.ok()) << label.error().to_string();
  EXPECT_EQ(label->out, "CIDATA\n");
  auto type = process::run_checked({.argv = {"blkid", "-p", "-o", "value", "-s", "TYPE", out}});
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->out, "vfat\n");
  auto listing = process::run_checked(
      {.argv = {"mdir", "-i", out, "-b", "::atelier"}, .env = {"MTOOLS_SKIP_CHECK=1"}});
  ASSERT_TRUE(listing.ok());
  EXPECT_NE(listing->out.find("atelier-agent"), std::string::npos);
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // Nothing left behind but the disk.
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir_)) entries += (e.path().filename() != "seed.img");
  EXPECT_EQ(entries, 0);
}

TEST_F(SeedDisk, ReplacesAnExistingDiskAndReportsAMissingAgent) {
  auto files = render_seed(sample());
  ASSERT_TRUE(files.ok());
  std::string out = (dir_ / "seed.img").string();
  ASSERT_TRUE(write_seed_disk(*files, std::nullopt, out).ok());
  SeedSpec other = sample();
  other.hostname = "client";
  auto files2 = render_seed(other);
  ASSERT_TRUE(files2.ok());
  ASSERT_TRUE(write_seed_disk(*files2, std::nullopt, out).ok());
  EXPECT_EQ(mtype(out, "meta-data"), by_path(*files2)["meta-data"]);
  auto st = write_seed_disk(*files, std::string("/nonexistent/atelier-agent"), out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
}

TEST(GuestFiles, FirstbootScriptIsValidShell) {
  bool found = false;
  for (const auto& f : baked_guest_files()) {
    if (f.path != "/usr/local/sbin/atelier-firstboot") continue;
    found = true;
    auto r = process::run_process({.argv = {"sh", "-n"}, .stdin_data = f.content});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 0) << r->err;
    EXPECT_EQ(f.mode, 0755u);
  }
  EXPECT_TRUE(found);
}

TEST(GuestFiles, MachineIdIsEmptyAndUnitsAreEnabled) {
  for (const auto& f : baked_guest_files()) {
    if (f.path == "/etc/machine-id") {
      EXPECT_EQ(f.content, "");
    }
  }
  const auto& units = baked_enabled_units();
  for (const char* u :
       {"atelier-firstboot.service", "atelier-agent.service", "systemd-networkd.service"}) {
    EXPECT_NE(std::find(units.begin(), units.end(), u), units.end()) << u;
  }
}

}  // namespace
}  // namespace atelier::images
