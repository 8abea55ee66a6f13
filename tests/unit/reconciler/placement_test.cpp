// Placement of whole labs within host capacity, and which steps a restarted provisioning runs.
#include "controller/reconciler/placement.h"

#include <gtest/gtest.h>

namespace atelier::reconciler {
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kMiB = 1ull << 20;

HostCapacity host(std::string name, std::uint64_t mem, unsigned cpus, std::uint64_t placed = 0,
                  unsigned provisioning = 0) {
  HostCapacity h;
  h.name = std::move(name);
  h.memory_bytes = mem;
  h.cpus = cpus;
  h.placed_bytes = placed;
  h.provisioning = provisioning;
  return h;
}

TEST(Placement, DemandCountsEveryGuestAndItsOverhead) {
  EXPECT_EQ(lab_demand_bytes({256 * kMiB, 256 * kMiB}), 2 * (256 * kMiB + kGuestOverheadBytes));
  EXPECT_EQ(lab_demand_bytes({}), 0u);
}

TEST(Placement, Table) {
  struct Case {
    const char* what;
    std::vector<HostCapacity> hosts;
    std::uint64_t demand;
    std::optional<std::string> want;  // nullopt: wait
  };
  const std::vector<Case> cases = {
      {"one host with room", {host("a", 8 * kGiB, 2)}, kGiB, "a"},
      {"the one with the most free memory",
       {host("a", 8 * kGiB, 2, 6 * kGiB), host("b", 8 * kGiB, 2, kGiB)},
       kGiB,
       "b"},
      {"first on a tie", {host("a", 8 * kGiB, 2), host("b", 8 * kGiB, 2)}, kGiB, "a"},
      {"full in memory: wait", {host("a", 4 * kGiB, 2, 3 * kGiB)}, kGiB, std::nullopt},
      {"no free slot: wait", {host("a", 8 * kGiB, 2, 0, 2)}, kGiB, std::nullopt},
      {"slot elsewhere", {host("a", 8 * kGiB, 2, 0, 2), host("b", 4 * kGiB, 1)}, kGiB, "b"},
      {"host reserve kept", {host("a", 10 * kGiB, 2, 8 * kGiB)}, kGiB + kGiB / 2, std::nullopt},
  };
  for (const auto& c : cases) {
    auto r = choose_host(c.hosts, c.demand);
    ASSERT_TRUE(r.ok()) << c.what << ": " << r.error().to_string();
    EXPECT_EQ(*r, c.want) << c.what;
  }
}

TEST(Placement, UnreachableHostIsSkippedButNotFatal) {
  auto h = host("a", 8 * kGiB, 2);
  h.reachable = false;
  auto r = choose_host({h}, kGiB);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::nullopt);
}

TEST(Placement, LargerThanEveryHostIsAnError) {
  auto r = choose_host({host("a", 2 * kGiB, 2), host("b", 1 * kGiB, 2)}, 4 * kGiB);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("4096 MiB"), std::string::npos) << r.error().message();
}

TEST(Placement, SlotsFollowCpusOrTheLimit) {
  auto h = host("a", 8 * kGiB, 3, 0, 2);
  EXPECT_TRUE(has_slot(h));
  h.provisioning = 3;
  EXPECT_FALSE(has_slot(h));
  h.max_parallel = 4;
  EXPECT_TRUE(has_slot(h));
  auto zero = host("z", 8 * kGiB, 0);
  EXPECT_TRUE(has_slot(zero));  // at least one
}

TEST(Resume, RolesAndIncidentsRunOnlyWhenNotDone) {
  using store::StepState;
  std::array<StepState, store::kSteps.size()> steps{};
  auto set = [&](store::Step s, StepState v) { steps[static_cast<std::size_t>(s)] = v; };
  StepPlan fresh = steps_to_run(steps);
  EXPECT_TRUE(fresh.roles);
  EXPECT_TRUE(fresh.incidents);

  set(store::Step::kRoles, StepState::kDone);
  set(store::Step::kIncidents, StepState::kRunning);  // killed while injecting
  StepPlan mid = steps_to_run(steps);
  EXPECT_FALSE(mid.roles);
  EXPECT_TRUE(mid.incidents);

  set(store::Step::kIncidents, StepState::kDone);  // a ready lab: the candidate's work is kept
  StepPlan ready = steps_to_run(steps);
  EXPECT_FALSE(ready.roles);
  EXPECT_FALSE(ready.incidents);

  set(store::Step::kRoles, StepState::kRunning);  // roles again: incidents again after them
  StepPlan again = steps_to_run(steps);
  EXPECT_TRUE(again.roles);
  EXPECT_TRUE(again.incidents);
}

}  // namespace
}  // namespace atelier::reconciler
