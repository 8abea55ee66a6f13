// The reconcile plan, row by row: what the reconciler does for a session, a candidate lab and
// an owner of libvirt objects, from the desired and observed state.
#include "controller/reconciler/reconcile_plan.h"

#include <gtest/gtest.h>

namespace atelier::reconciler {
namespace {

using store::DesiredState;
using store::LabStatus;
using namespace std::chrono_literals;

TEST(ReconcilePlan, Sessions) {
  struct Case {
    const char* what;
    SessionView in;
    SessionStep want;
  };
  const std::vector<Case> cases = {
      {"active: drive its labs",
       {DesiredState::kActive, LabStatus::kProvisioning, false},
       SessionStep::kDriveLabs},
      {"active and ready: still driven (checks, re-adoption)",
       {DesiredState::kActive, LabStatus::kReady, false},
       SessionStep::kDriveLabs},
      {"destroyed: tear down",
       {DesiredState::kDestroyed, LabStatus::kReady, false},
       SessionStep::kTearDown},
      {"destroyed, teardown running: nothing",
       {DesiredState::kDestroyed, LabStatus::kDestroying, true},
       SessionStep::kNothing},
      {"destroyed and done: nothing",
       {DesiredState::kDestroyed, LabStatus::kDestroyed, false},
       SessionStep::kNothing},
  };
  for (const auto& c : cases) EXPECT_EQ(plan_session(c.in), c.want) << c.what;
}

LabView lab(LabStatus status, bool placed, bool objects, bool busy, bool ready) {
  LabView v;
  v.status = status;
  v.placed = placed;
  v.objects_exist = objects;
  v.busy = busy;
  v.ready = ready;
  return v;
}

LabView with_check(LabView v, bool model, std::chrono::seconds every, std::chrono::seconds since) {
  v.has_model = model;
  v.check_every = every;
  v.since_last_check = since;
  return v;
}

LabView retry_pending(LabView v) {
  v.retry_due = false;
  return v;
}

TEST(ReconcilePlan, Labs) {
  struct Case {
    const char* what;
    LabView in;
    LabStep want;
  };
  const std::vector<Case> cases = {
      {"new, not placed: place", lab(LabStatus::kPending, false, false, false, false),
       LabStep::kPlace},
      {"placed on a host no longer known: place again",
       lab(LabStatus::kProvisioning, false, true, false, false), LabStep::kPlace},
      {"placed, nothing created: provision",
       lab(LabStatus::kProvisioning, true, false, false, false), LabStep::kProvision},
      {"placed, objects from a previous run: adopt",
       lab(LabStatus::kReady, true, true, false, false), LabStep::kAdopt},
      {"a previous run left it half-way: adopt",
       lab(LabStatus::kProvisioning, true, true, false, false), LabStep::kAdopt},
      {"a job runs on it: nothing", lab(LabStatus::kProvisioning, true, true, true, false),
       LabStep::kNothing},
      {"busy even though ready: nothing",
       with_check(lab(LabStatus::kReady, true, true, true, true), true, 60s, 600s),
       LabStep::kNothing},
      {"failed: waits for a reset", lab(LabStatus::kFailed, true, true, false, false),
       LabStep::kNothing},
      {"failed, never placed: waits for a reset",
       lab(LabStatus::kFailed, false, false, false, false), LabStep::kNothing},
      {"attempt failed, retry not due: nothing",
       retry_pending(lab(LabStatus::kProvisioning, true, true, false, false)), LabStep::kNothing},
      {"ready, no periodic checks: nothing",
       with_check(lab(LabStatus::kReady, true, true, false, true), true, 0s, 600s),
       LabStep::kNothing},
      {"ready, check due: check",
       with_check(lab(LabStatus::kReady, true, true, false, true), true, 60s, 60s),
       LabStep::kCheck},
      {"ready, check not due yet: nothing",
       with_check(lab(LabStatus::kReady, true, true, false, true), true, 60s, 59s),
       LabStep::kNothing},
      {"ready without a model: no check",
       with_check(lab(LabStatus::kReady, true, true, false, true), false, 60s, 600s),
       LabStep::kNothing},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(plan_lab(c.in), c.want) << c.what << ": got " << to_string(plan_lab(c.in));
  }
}

TEST(ReconcilePlan, SessionStatusFromItsLabs) {
  using V = std::vector<LabStatus>;
  EXPECT_EQ(session_status(V{}), LabStatus::kPending);
  EXPECT_EQ(session_status(V{LabStatus::kReady, LabStatus::kReady}), LabStatus::kReady);
  EXPECT_EQ(session_status(V{LabStatus::kReady, LabStatus::kFailed}), LabStatus::kFailed);
  EXPECT_EQ(session_status(V{LabStatus::kProvisioning, LabStatus::kFailed}), LabStatus::kFailed);
  EXPECT_EQ(session_status(V{LabStatus::kReady, LabStatus::kProvisioning}),
            LabStatus::kProvisioning);
  EXPECT_EQ(session_status(V{LabStatus::kPending}), LabStatus::kProvisioning);
}

OwnerView owner(OwnerView::Known known, DesiredState desired = DesiredState::kActive,
                bool tearing = false, std::vector<OwnerView::Lab> labs = {},
                std::set<std::string> objects = {}) {
  OwnerView o;
  o.known = known;
  o.desired = desired;
  o.tearing_down = tearing;
  o.labs = std::move(labs);
  o.object_candidates = std::move(objects);
  return o;
}

TEST(ReconcilePlan, Orphans) {
  using K = OwnerView::Known;
  const OrphanPlan keep{};
  const OrphanPlan all{true, {}};
  struct Case {
    const char* what;
    std::string session;
    OwnerView in;
    std::optional<std::string> prefix;
    OrphanPlan want;
  };
  const std::vector<Case> cases = {
      {"store could not answer: keep", "s1", owner(K::kUnsure), "", keep},
      {"unknown session, no prefix: someone else's", "prove42", owner(K::kNo), std::nullopt, keep},
      {"unknown session outside the prefix: kept", "prove42", owner(K::kNo), "ghost", keep},
      {"unknown session under the prefix: removed", "ghost1", owner(K::kNo), "ghost", all},
      {"unknown session, empty prefix: every session is ours", "anything", owner(K::kNo), "", all},
      {"destroyed session: removed", "s1", owner(K::kYes, DesiredState::kDestroyed), std::nullopt,
       all},
      {"destroyed, its teardown runs: left to it", "s1",
       owner(K::kYes, DesiredState::kDestroyed, true), std::nullopt, keep},
      {"active, every object a lab's: keep", "s1",
       owner(K::kYes, DesiredState::kActive, false, {{"c01", "h1"}, {"c02", std::nullopt}},
             {"c01", "c02"}),
       std::nullopt, keep},
      {"active, a candidate it does not have: that candidate", "s1",
       owner(K::kYes, DesiredState::kActive, false, {{"c01", "h1"}}, {"c01", "c09"}), std::nullopt,
       OrphanPlan{false, {"c09"}}},
      {"active, a lab placed on another host: its copy here", "s1",
       owner(K::kYes, DesiredState::kActive, false, {{"c01", "h2"}, {"c02", "h1"}}, {"c01", "c02"}),
       std::nullopt, OrphanPlan{false, {"c01"}}},
  };
  for (const auto& c : cases)
    EXPECT_EQ(plan_orphans(c.session, c.in, "h1", c.prefix), c.want) << c.what;
}

}  // namespace
}  // namespace atelier::reconciler
