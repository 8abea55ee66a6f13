// scripts/start-services' KVM decision against a fake /dev/kvm (a char node that opens but is
// not KVM, so no guest runs): TCG, the node moved aside, the record, libvirt not re-probing,
// and the way back. Needs root (mknod, mount namespaces, libvirtd); skips otherwise.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/process/run_process.h"
#include "tests/support/test_support.h"

namespace atelier {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test_support::read_text;
using test_support::TempDir;

class HostKvm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mknod, mount namespace, libvirtd)";
    device_ = dir_ / "kvm";
    // /dev/null's numbers: opens, answers no KVM ioctl, so `qemu -accel kvm` cannot run a guest.
    ASSERT_EQ(::mknod(device_.c_str(), S_IFCHR | 0600, ::makedev(1, 3)), 0);
  }

  std::vector<std::string> env(const std::string& accel = "kvm") const {
    return {"ATELIER_KVM_DEVICE=" + device_.string(),
            "ATELIER_HOST_KVM_RECORD=" + record().string(), "ATELIER_KVM_SMOKE_ACCEL=" + accel};
  }
  process::ProcessResult run(const std::string& script, std::vector<std::string> args,
                             const std::vector<std::string>& e) {
    args.insert(args.begin(), std::string(ATELIER_SOURCE_DIR) + "/scripts/" + script);
    auto r = process::run_process({.argv = args, .env = e, .timeout = 120s});
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : process::ProcessResult{};
  }
  fs::path record() const { return dir_ / "host.kvm"; }
  fs::path aside() const { return dir_ / "kvm.atelier-disabled"; }

  // Everything the test makes lives here (the node, the node moved aside, the record).
  TempDir dir_{"atelier-host-kvm"};
  fs::path device_;
};

TEST_F(HostKvm, NodeThatRunsNoGuestIsMovedAsideAndLibvirtStopsProbing) {
  auto r = run("start-services", {}, env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // The decision: TCG, the node aside under the recorded name, one line saying so and the undo.
  EXPECT_FALSE(fs::exists(device_));
  struct stat st {};
  ASSERT_EQ(::stat(aside().c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, ::makedev(1, 3));
  const std::string rec = read_text(record());
  EXPECT_NE(rec.find("decision=tcg\n"), std::string::npos) << rec;
  EXPECT_NE(rec.find("moved_to=" + aside().string() + "\n"), std::string::npos) << rec;
  EXPECT_NE(rec.find("undo="), std::string::npos) << rec;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("does not run guests"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("host-kvm restore"), std::string::npos) << r.out;

  // libvirt answers from its cache: two capability lookups in under a second together.
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 2; ++i) {
    auto caps = process::run_process(
        {.argv = {"virsh", "-c", "qemu:///system", "domcapabilities"}, .timeout = 60s});
    ASSERT_TRUE(caps.ok()) << caps.error().to_string();
    ASSERT_EQ(caps->exit_code, 0) << caps->err;
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";

  // Run again: idempotent, quiet, the node stays aside.
  auto again = run("start-services", {}, env());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "");
  EXPECT_FALSE(fs::exists(device_));
  EXPECT_NE(read_text(record()).find("decision=tcg\n"), std::string::npos);

  // The way back puts the very node back.
  auto back = run("host-kvm", {"restore"}, env());
  ASSERT_EQ(back.exit_code, 0) << back.err;
  ASSERT_EQ(::stat(device_.c_str(), &st), 0);
  EXPECT_EQ(st.st_rdev, ::makedev(1, 3));
  EXPECT_FALSE(fs::exists(aside()));
  EXPECT_NE(read_text(record()).find("decision=restored\n"), std::string::npos);
}

// The smoke payload really boots (under TCG here) and a host whose guest boots keeps its node.
TEST_F(HostKvm, NodeWhoseGuestBootsIsKept) {
  auto r = run("host-kvm", {}, env("tcg"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(device_));
  EXPECT_FALSE(fs::exists(aside()));
  const std::string rec = read_text(record());
  EXPECT_NE(rec.find("decision=kvm\n"), std::string::npos) << rec;
  EXPECT_NE(rec.find("booted and wrote its marker"), std::string::npos) << rec;
  EXPECT_EQ(rec.find("moved_to="), std::string::npos) << rec;
}

// The processes that have `path` open, as "pid (name)"; read from /proc.
std::vector<std::string> holders_of(const fs::path& path) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    const std::string pid = proc.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fd.path(), link_ec) == path) {
        std::string name = read_text(proc.path() / "comm");
        if (!name.empty() && name.back() == '\n') name.pop_back();
        out.push_back(pid + " (" + name + ")");
        break;
      }
    }
  }
  return out;
}

// start-services serialises its callers with a lock; the libvirtd and virtlogd it starts must not
// inherit it (they would hold it for their whole life, and every later call would wait: CI's
// e2e tier once hung on that). Once it has returned, the lock is free and no daemon holds it.
TEST_F(HostKvm, TheDaemonsItStartsDoNotKeepItsLock) {
  auto r = run("start-services", {}, {"ATELIER_KVM_CHECK=off"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path lock = "/run/lock/atelier-start-services.lock";
  for (const auto& h : holders_of(lock)) {
    EXPECT_EQ(h.find("libvirtd"), std::string::npos) << lock << " is held by " << h;
    EXPECT_EQ(h.find("virtlogd"), std::string::npos) << lock << " is held by " << h;
  }
  // Another caller (a test running beside this one) may hold it for a moment, not for long.
  const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  bool taken = false;
  for (int i = 0; i < 300 && !taken; ++i) {
    taken = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (!taken) std::this_thread::sleep_for(100ms);
  }
  ::close(fd);
  EXPECT_TRUE(taken) << lock
                     << " still held after 30 s by: " << testing::PrintToString(holders_of(lock));
}

TEST_F(HostKvm, CheckOffLeavesTheNodeAlone) {
  auto e = env();
  e.push_back("ATELIER_KVM_CHECK=off");
  auto r = run("host-kvm", {}, e);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(device_));
  EXPECT_FALSE(fs::exists(record()));
}

}  // namespace
}  // namespace atelier
