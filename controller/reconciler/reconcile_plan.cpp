// The reconcile plan's rules (see reconcile_plan.h).
#include "controller/reconciler/reconcile_plan.h"

namespace atelier::reconciler {

using store::LabStatus;

SessionStep plan_session(const SessionView& s) {
  if (s.desired != store::DesiredState::kDestroyed) return SessionStep::kDriveLabs;
  if (s.status == LabStatus::kDestroyed || s.tearing_down) return SessionStep::kNothing;
  return SessionStep::kTearDown;
}

LabStep plan_lab(const LabView& l) {
  if (l.busy) return LabStep::kNothing;
  // A lab this process has not driven yet (new, or left by a previous run), or one whose VMs
  // need to be reached again. Failed labs wait for a reset.
  if (!l.ready && l.status != LabStatus::kFailed && l.retry_due) {
    if (!l.placed) return LabStep::kPlace;
    return l.objects_exist ? LabStep::kAdopt : LabStep::kProvision;
  }
  if (l.ready && l.has_model && l.check_every.count() > 0 && l.since_last_check >= l.check_every) {
    return LabStep::kCheck;
  }
  return LabStep::kNothing;
}

std::string_view to_string(LabStep step) {
  switch (step) {
    case LabStep::kNothing:
      return "nothing";
    case LabStep::kPlace:
      return "place";
    case LabStep::kProvision:
      return "provision";
    case LabStep::kAdopt:
      return "adopt";
    case LabStep::kCheck:
      return "check";
  }
  return "?";
}

LabStatus session_status(const std::vector<LabStatus>& labs) {
  std::size_t ready = 0, failed = 0;
  for (LabStatus s : labs) {
    ready += s == LabStatus::kReady ? 1 : 0;
    failed += s == LabStatus::kFailed ? 1 : 0;
  }
  if (labs.empty()) return LabStatus::kPending;
  if (ready == labs.size()) return LabStatus::kReady;
  return failed > 0 ? LabStatus::kFailed : LabStatus::kProvisioning;
}

OrphanPlan plan_orphans(const std::string& session, const OwnerView& o, const std::string& host,
                        const std::optional<std::string>& orphan_prefix) {
  OrphanPlan plan;
  switch (o.known) {
    case OwnerView::Known::kUnsure:
      return plan;
    case OwnerView::Known::kNo:
      // Not ours to judge (another controller's, a test's, a trainer's prove) unless prefixed.
      plan.destroy_session = orphan_prefix && session.rfind(*orphan_prefix, 0) == 0;
      return plan;
    case OwnerView::Known::kYes:
      break;
  }
  if (o.desired == store::DesiredState::kDestroyed) {
    plan.destroy_session = !o.tearing_down;  // else the teardown job is on it
    return plan;
  }
  for (const auto& candidate : o.object_candidates) {
    bool belongs = false;
    for (const auto& l : o.labs) {
      belongs = belongs || (l.candidate == candidate && (!l.host || *l.host == host));
    }
    if (!belongs) plan.destroy_candidates.push_back(candidate);
  }
  return plan;
}

}  // namespace atelier::reconciler
