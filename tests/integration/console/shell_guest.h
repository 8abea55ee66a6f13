// Shared by the console integration tests: a tiny guest whose init is /bin/sh on ttyS0 (a
// kernel and initrd atelier built here, or ATELIER_TEST_KERNEL/INITRD), booted on the real
// libvirtd by the provider, and a collector of console bytes waited on with a condition.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "controller/provider/libvirt_provider.h"
#include "tests/integration/provider/fixture.h"

namespace atelier::provider {

using testing::run;
using testing::TempDir;
namespace fs = std::filesystem;

// A kernel and initrd with a shell: ATELIER_TEST_KERNEL/ATELIER_TEST_INITRD, or those of an
// image atelier built on this machine (/var/lib/atelier/images/*/). Empty if none.
inline std::pair<fs::path, fs::path> find_kernel() {
  const char* k = std::getenv("ATELIER_TEST_KERNEL");
  const char* i = std::getenv("ATELIER_TEST_INITRD");
  if (k != nullptr && i != nullptr) {
    return {k, i};
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/var/lib/atelier/images", ec)) {
    // Built images only: NAME-HASH.building-PID is an image being made (renamed when done).
    if (entry.path().filename().string().find(".building-") != std::string::npos) continue;
    if (fs::exists(entry.path() / "vmlinuz") && fs::exists(entry.path() / "initrd.img")) {
      return {entry.path() / "vmlinuz", entry.path() / "initrd.img"};
    }
  }
  return {};
}

// What a console delivered, waited on with a condition (no sleeps).
struct Collected {
  std::mutex mutex;
  std::condition_variable cv;
  std::string output;
  std::optional<Status> closed;

  ConsoleCallbacks callbacks() {
    return {[this](std::string_view bytes) {
              std::lock_guard lock(mutex);
              output.append(bytes);
              cv.notify_all();
            },
            [this](const Status& why) {
              std::lock_guard lock(mutex);
              closed = why;
              cv.notify_all();
            }};
  }
  bool wait_for_text(const std::string& text, std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return output.find(text) != std::string::npos; });
  }
  bool wait_closed(std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return closed.has_value(); });
  }
};

class LibvirtConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int status = 0;
    run("virsh -c qemu:///system version >/dev/null 2>&1", &status);
    ASSERT_EQ(status, 0) << "libvirtd does not answer (run scripts/start-services)";
    auto [kernel, initrd] = find_kernel();
    if (kernel.empty()) {
      GTEST_SKIP() << "no kernel with an initrd: build an image (atelier image build) or set "
                      "ATELIER_TEST_KERNEL and ATELIER_TEST_INITRD";
    }
    // Copies: libvirt's dynamic ownership chowns what a running domain uses.
    kernel_ = dir_.path() / "vmlinuz";
    initrd_ = dir_.path() / "initrd.img";
    fs::copy_file(kernel, kernel_);
    fs::copy_file(initrd, initrd_);
    session_ = "ct" + std::to_string(::getpid());
    auto provider = LibvirtProvider::connect(testing::system_options(dir_, session_));
    ASSERT_TRUE(provider.ok()) << provider.error().to_string();
    p_ = std::move(*provider);
    base_ = (dir_.path() / "base.qcow2").string();
    run("qemu-img create -q -f qcow2 " + base_ + " 16M", &status);
    ASSERT_EQ(status, 0);
  }

  void TearDown() override {
    if (p_) {
      p_->wait_for_abandoned_calls();
      ATELIER_EXPECT_OK(p_->destroy_session(session_));
      ATELIER_EXPECT_OK(p_->remove_overlay_pool());
      std::string left =
          run("virsh -q -c qemu:///system list --all --name | grep -c " + session_ + " || true");
      EXPECT_EQ(left, "0\n") << "domains of the test session are left";
    }
  }

  // Defines and starts a guest whose init is a shell on the serial console.
  void start_shell_guest(const ObjectRef& host,
                         SerialConsole console = {SerialConsole::Kind::kPty, ""}) {
    auto overlay = p_->create_overlay({host, base_});
    ATELIER_ASSERT_OK(overlay);
    DomainSpec spec;
    spec.ref = host;
    spec.memory_bytes = 128ull << 20;
    spec.kernel = KernelBoot{kernel_.string(), initrd_.string(), "console=ttyS0 rdinit=/bin/sh"};
    spec.base_path = base_;
    spec.overlay_path = overlay->path;
    spec.console = std::move(console);
    spec.cache = DiskCache::kUnsafe;
    ATELIER_ASSERT_OK(p_->define_domain(spec));
    ATELIER_ASSERT_OK(p_->start_domain(host));
  }

  TempDir dir_;
  fs::path kernel_;
  fs::path initrd_;
  std::string session_;
  std::string base_;
  std::unique_ptr<LibvirtProvider> p_;
};

}  // namespace atelier::provider
