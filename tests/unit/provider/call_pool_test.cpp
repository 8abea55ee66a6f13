// The bounded call pool: deadlines, abandoned calls (running ones finish, queued ones are
// dropped), and a destructor that waits for running calls.
#include "controller/provider/libvirt_connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace atelier::provider {
namespace {

using namespace std::chrono_literals;

TEST(CallPool, ReturnsTheCallsResult) {
  CallPool pool(2);
  auto r = pool.run<int>([] { return Result<int>(42); }, 1s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  auto e = pool.run<int>([] { return Result<int>(Error(ErrorCode::kNotFound, "x")); }, 1s);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), ErrorCode::kNotFound);
}

// Deterministic on a loaded machine: the slow call holds the only worker until the test opens
// the gate (not for a fixed time), and its deadline leaves the worker ample time to pick it up.
TEST(CallPool, PastTheDeadlineRunningCallsFinishAndQueuedOnesAreDropped) {
  std::atomic<int> finished{0};
  std::atomic<bool> started{false};
  std::atomic<bool> second_ran{false};
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  {
    CallPool pool(1);
    // Opens the gate before the pool's destructor waits for the call, even when an ASSERT returns.
    struct OpenAtExit {
      std::promise<void>& gate;
      ~OpenAtExit() { gate.set_value(); }
    } open_at_exit{gate};
    auto slow = pool.run<int>(
        [&, opened] {
          started = true;
          opened.wait();
          ++finished;
          return Result<int>(1);
        },
        1s);
    ASSERT_TRUE(started.load()) << "the worker did not start the call within its deadline";
    ASSERT_FALSE(slow.ok());
    EXPECT_EQ(slow.error().code(), ErrorCode::kTimeout);
    EXPECT_NE(slow.error().message().find("still running"), std::string::npos);
    EXPECT_EQ(finished.load(), 0);

    // The only worker is busy: this call cannot start before its deadline and is dropped.
    auto queued = pool.run<int>(
        [&] {
          second_ran = true;
          return Result<int>(2);
        },
        50ms);
    ASSERT_FALSE(queued.ok());
    EXPECT_EQ(queued.error().code(), ErrorCode::kTimeout);
    EXPECT_NE(queued.error().message().find("dropped"), std::string::npos);
  }  // the destructor waits for the running call
  EXPECT_EQ(finished.load(), 1);
  EXPECT_FALSE(second_ran.load());
}

TEST(CallPool, CallsRunInParallelUpToThePoolSize) {
  CallPool pool(3);
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&] {
      auto r = pool.run<int>(
          [&] {
            int now = ++running;
            int prev = peak.load();
            while (now > prev && !peak.compare_exchange_weak(prev, now)) {
            }
            // Hold the worker until three calls have run at once (or 2 s): no timing to win.
            for (auto until = std::chrono::steady_clock::now() + 2s;
                 peak.load() < 3 && std::chrono::steady_clock::now() < until;) {
              std::this_thread::sleep_for(1ms);
            }
            --running;
            return Result<int>(0);
          },
          5s);
      EXPECT_TRUE(r.ok());
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(peak.load(), 3);
}

TEST(LibvirtErrors, ConnectionErrorsMeanUnavailable) {
  EXPECT_TRUE(is_connection_error(VIR_ERR_NO_CONNECT, VIR_FROM_NONE));
  EXPECT_TRUE(is_connection_error(VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC));
  EXPECT_FALSE(is_connection_error(VIR_ERR_SYSTEM_ERROR, VIR_FROM_QEMU));
  EXPECT_EQ(map_libvirt_code(VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN), ErrorCode::kNotFound);
  EXPECT_EQ(map_libvirt_code(VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN), ErrorCode::kInvalidArgument);
  EXPECT_EQ(map_libvirt_code(VIR_ERR_RPC, VIR_FROM_RPC), ErrorCode::kUnavailable);
  EXPECT_EQ(map_libvirt_code(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU),
            ErrorCode::kFailedPrecondition);
}

TEST(LibvirtUris, LocalHypervisorOnlyWithoutAHost) {
  const std::pair<const char*, bool> cases[] = {
      {"qemu:///system", true},
      {"qemu+unix:///system", true},
      {"qemu:///session", true},
      {"qemu+ssh://root@host/system", false},
      {"qemu+tls://host/system", false},
      {"qemu://host/system", false},
      {"test:///default", false},
      {"test+unix:///default?socket=/tmp/s", false},
      {"not a uri", false},
  };
  for (const auto& [uri, local] : cases) {
    EXPECT_EQ(uri_is_local_hypervisor(uri), local) << uri;
  }
}

}  // namespace
}  // namespace atelier::provider
