// The bundle runner's scheduling, with executors the test controls: independent checks are in
// flight together, `command` checks and the NSS kinds run one at a time in bundle order, results
// keep the bundle's order, and a check past its timeout is answered `error` (timed out) while the
// others still report.
#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/checks/check.h"
#include "agent/runner.h"

namespace atelier::agent {
namespace {

using checks::Check;
using namespace std::chrono_literals;

Check make(checks::CheckKind kind, std::chrono::milliseconds timeout = 5s) {
  return Check{"", "", timeout, std::move(kind)};
}

// What the executors saw: how many were running at once, per lane, and in which order they began.
struct Probe {
  std::mutex m;
  std::condition_variable cv;
  int free_running = 0, free_peak = 0;
  int lane_running[2] = {0, 0}, lane_peak[2] = {0, 0};  // command, NSS kinds
  std::vector<std::string> order;
  bool release = false;
  bool stuck_returned = false;
};

// -1: no lane; 0: the command lane; 1: the NSS lane (file, user).
int lane(const Check& c) {
  if (std::holds_alternative<checks::CommandCheck>(c.kind)) return 0;
  if (std::holds_alternative<checks::FileCheck>(c.kind) ||
      std::holds_alternative<checks::UserCheck>(c.kind))
    return 1;
  return -1;
}

TEST(Runner, IndependentChecksRunTogetherLanesOneAtATimeInOrder) {
  Probe p;
  RunOptions options;
  options.parallel = 4;
  options.execute = [&](const Check& c) -> Evidence {
    std::unique_lock lock(p.m);
    const int l = lane(c);
    if (l < 0) {
      // Each sysctl check waits (at most 5 s) until three are in flight: a serial runner fails.
      ++p.free_running;
      p.free_peak = std::max(p.free_peak, p.free_running);
      p.cv.notify_all();
      bool together = p.cv.wait_for(lock, 5s, [&] { return p.free_peak >= 3; });
      --p.free_running;
      return {together ? CheckStatus::kPass : CheckStatus::kFail, "three at once",
              std::to_string(p.free_peak)};
    }
    ++p.lane_running[l];
    p.lane_peak[l] = std::max(p.lane_peak[l], p.lane_running[l]);
    if (auto* cmd = std::get_if<checks::CommandCheck>(&c.kind)) p.order.push_back(cmd->run);
    lock.unlock();
    std::this_thread::yield();  // give an overlapping lane check its chance to show
    lock.lock();
    --p.lane_running[l];
    return {CheckStatus::kPass, "lane", "lane"};
  };
  protocol::RunChecks bundle{
      "b1",
      {make(checks::CommandCheck{"first"}), make(checks::SysctlCheck{"a", "1"}),
       make(checks::FileCheck{"/x"}), make(checks::SysctlCheck{"b", "1"}),
       make(checks::CommandCheck{"second"}), make(checks::UserCheck{"u"}),
       make(checks::SysctlCheck{"c", "1"}), make(checks::CommandCheck{"third"})}};
  auto results = run_bundle(bundle, "h", options);
  ASSERT_EQ(results.results.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(results.results[i].index, i);
    EXPECT_EQ(results.results[i].result_id, "b1/" + std::to_string(i));
    EXPECT_EQ(results.results[i].status, CheckStatus::kPass)
        << i << ": " << results.results[i].observed;
  }
  EXPECT_EQ(results.results[1].kind, "sysctl");
  EXPECT_EQ(results.results[4].kind, "command");
  EXPECT_GE(p.free_peak, 3);
  EXPECT_EQ(p.lane_peak[0], 1) << "two command checks overlapped";
  EXPECT_EQ(p.lane_peak[1], 1) << "two NSS checks overlapped";
  EXPECT_EQ(p.order, (std::vector<std::string>{"first", "second", "third"}));
}

TEST(Runner, ACheckPastItsTimeoutIsAnsweredErrorAndTheOthersStillReport) {
  // Shared: the abandoned executor outlives run_bundle and may touch it after the test looks.
  auto probe = std::make_shared<Probe>();
  Probe& p = *probe;
  RunOptions options;
  options.parallel = 2;
  options.grace = 50ms;
  options.execute = [probe](const Check& c) -> Evidence {
    if (std::get<checks::SysctlCheck>(c.kind).key == "stuck") {
      std::unique_lock lock(probe->m);
      probe->cv.wait(lock, [&] { return probe->release; });  // ignores its own timeout
      probe->stuck_returned = true;
      probe->cv.notify_all();
      return {CheckStatus::kPass, "late", "late"};
    }
    return {CheckStatus::kPass, "quick", "quick"};
  };
  protocol::RunChecks bundle{
      "b2",
      {make(checks::SysctlCheck{"stuck", "1"}, 100ms), make(checks::SysctlCheck{"q1", "1"}),
       make(checks::SysctlCheck{"q2", "1"}), make(checks::SysctlCheck{"q3", "1"})}};
  auto start = std::chrono::steady_clock::now();
  auto results = run_bundle(bundle, "h", options);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(results.results.size(), 4u);
  const auto& stuck = results.results[0];
  EXPECT_EQ(stuck.status, CheckStatus::kError);
  EXPECT_NE(stuck.observed.find("timed out"), std::string::npos) << stuck.observed;
  EXPECT_NE(stuck.expected.find("100 ms"), std::string::npos) << stuck.expected;
  EXPECT_GE(stuck.duration, 150ms);
  EXPECT_EQ(stuck.result_id, "b2/0");
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(results.results[i].status, CheckStatus::kPass) << i;
  EXPECT_LT(took, 5s);
  // Let the abandoned check end; its late answer changes nothing already returned.
  std::unique_lock lock(p.m);
  p.release = true;
  p.cv.notify_all();
  ASSERT_TRUE(p.cv.wait_for(lock, 10s, [&] { return p.stuck_returned; }));
  EXPECT_EQ(results.results[0].status, CheckStatus::kError);
}

TEST(Runner, RealChecksThroughTheTableKeepTheirEvidence) {
  protocol::RunChecks bundle{
      "b3",
      {make(checks::CommandCheck{"echo one > /dev/null"}),
       make(checks::SysctlCheck{"kernel.ostype", "Linux"}),
       make(checks::FileCheck{"/definitely/not/here"}), make(checks::CommandCheck{"exit 4", 4})}};
  auto results = run_bundle(bundle, "h");
  ASSERT_EQ(results.results.size(), 4u);
  EXPECT_EQ(results.results[0].status, CheckStatus::kPass);
  EXPECT_EQ(results.results[1].status, CheckStatus::kPass);
  EXPECT_EQ(results.results[2].status, CheckStatus::kFail);
  EXPECT_EQ(results.results[3].status, CheckStatus::kPass) << results.results[3].observed;
  EXPECT_TRUE(run_bundle(protocol::RunChecks{"empty", {}}, "h").results.empty());
}

}  // namespace
}  // namespace atelier::agent
