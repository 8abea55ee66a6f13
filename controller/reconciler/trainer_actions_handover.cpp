// TrainerActions, resets from the hand-over snapshots (docs/operator-guide.md, "How a reset
// works"): a host or a whole lab restored from the snapshots saved when its roles were applied,
// its incidents injected again; a host without a snapshot, or whose restore fails, is rebuilt.
#include "controller/provisioning/lab_actions.h"
#include "controller/reconciler/agent_instances.h"
#include "controller/reconciler/trainer_actions.h"

namespace atelier::reconciler {

using store::LabStatus;

// The whole lab back to hand-over from its snapshots (seconds instead of a rebuild): true when
// every host was restored and the incidents injected again; false when a host has no snapshot
// or a step failed (said in the log), and the caller rebuilds the lab.
bool TrainerActions::restore_lab(LabRuntime& rt, store::Store& store) {
  std::lock_guard op(rt.op);
  {
    std::lock_guard g(rt.state);
    if (!rt.lab || !rt.model) return false;
    rt.ready = false;
  }
  const std::string who = "session=" + rt.session + " candidate=" + rt.candidate;
  log_failure(labs_,
              update_lab(store, rt.session, rt.candidate,
                         [](store::CandidateLabRecord& r) { r.status = LabStatus::kProvisioning; }),
              "lab status not stored before a restore", who);
  for (const auto& h : rt.model->hosts) {
    auto restored = rt.lab->restore_host(h.name, options_.boot_deadline);
    if (!restored.ok()) {
      log_failure(labs_, Status(restored.error()),
                  "hand-over snapshot not restored: rebuilding the lab", who);
    }
    if (!restored.ok() || !*restored) return false;
  }
  log_failure(
      labs_,
      save_agent_instances(store, rt.session, rt.candidate, known_instances(*rt.lab, *rt.model)),
      "agent instances not stored after a restore", who);
  Status incidents = provisioning::apply_steps(*rt.lab, *rt.model,
                                               provisioning::incident_steps(*rt.model), nullptr);
  if (!incidents.ok()) {
    log_failure(labs_, incidents, "incidents not injected after a restore: rebuilding the lab",
                who);
    return false;
  }
  log_failure(labs_,
              update_lab(store, rt.session, rt.candidate,
                         [](store::CandidateLabRecord& r) {
                           r.status = LabStatus::kReady;
                           r.error.clear();
                         }),
              "lab status not stored after a restore", who);
  std::lock_guard g(rt.state);
  rt.ready = true;
  return true;
}

// One host as handed over: its snapshot restored, else rebuilt (fresh overlay, boot, its roles)
// with its snapshot saved again for the next reset.
Status TrainerActions::back_to_handover(provisioning::CandidateLab& lab, const lab::Lab& only,
                                        const std::string& host, const std::string& who) {
  auto restored = lab.restore_host(host, options_.boot_deadline);
  if (restored.ok() && *restored) return ok_status();
  if (!restored.ok()) {
    log_failure(labs_, Status(restored.error()),
                "hand-over snapshot not restored: rebuilding the host", who);
  }
  ATELIER_RETURN_IF_ERROR(lab.reset_host(host, options_.boot_deadline));
  ATELIER_RETURN_IF_ERROR(provisioning::apply_roles(lab, only, nullptr));
  log_failure(labs_, lab.save_handover(host), "hand-over snapshot not saved after a rebuild", who);
  return ok_status();
}

}  // namespace atelier::reconciler
