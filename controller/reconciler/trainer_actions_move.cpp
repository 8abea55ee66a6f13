// TrainerActions, a lab moved to another hypervisor host (`atelier lab reset --move`): for a
// lab whose host stopped answering, or a host to be emptied. The lab is provisioned again
// there from the start (its roles, incidents and hand-over snapshots); the hand-over time is
// kept. Its objects on the old host are removed now if that host answers; otherwise the
// orphan collection removes them once it answers again (they belong to no lab placed there).
#include "controller/reconciler/placement.h"
#include "controller/reconciler/trainer_actions.h"

namespace atelier::reconciler {

Status TrainerActions::move_lab(const std::shared_ptr<LabRuntime>& rt, const std::string& from) {
  auto st = labs_.open_store();
  if (!st.ok()) return std::move(st).error();
  store::Store& store = *st;
  const std::string who = "session=" + rt->session + " candidate=" + rt->candidate;
  std::uint64_t demand = 0;
  {
    std::lock_guard g(rt->state);
    demand = rt->memory_bytes;
    if (rt->model) {
      std::vector<std::uint64_t> memory;
      for (const auto& h : rt->model->hosts) memory.push_back(h.memory_bytes);
      demand = lab_demand_bytes(memory);
    }
  }
  // Without the lab's locks: the capacity count takes every lab's.
  auto chosen = labs_.host_for_move(from, demand);
  if (!chosen.ok()) return std::move(chosen).error().context("move the lab of " + rt->candidate);
  const std::string to = *chosen;
  const bool from_answers = labs_.answering(from);  // before the lab's locks (lock order)
  {
    std::lock_guard op(rt->op);
    std::lock_guard g(rt->state);
    if (rt->busy) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the lab of " + rt->candidate + " is being provisioned");
    }
    rt->memory_bytes = demand;
    rt->busy = true;
    rt->ready = false;
    rt->attempts = 0;
    rt->retry_at = {};
    if (!from_answers) {
      labs_.log("warn", "moving a lab off a host that does not answer",
                who + " from=" + from + " to=" + to +
                    " note=\"its objects there are removed once the host answers again\"");
    } else if (rt->lab) {
      log_failure(labs_, rt->lab->destroy(), "move: the lab's objects not all removed", who);
    } else if (provider::Provider* p = labs_.provider_of(from)) {
      // Never planned (it failed early): removed by owner.
      log_failure(labs_, p->destroy_candidate(rt->session, rt->candidate),
                  "move: the lab's objects not all removed", who);
    }
    rt->lab.reset();
    rt->model.reset();
    rt->host = to;
    Status placed = restart_record(store, *rt, to);
    if (!placed.ok()) {
      rt->busy = false;  // the loop takes it up again, on the new host
      return placed;
    }
  }
  labs_.log("info", "lab moved", who + " from=" + from + " to=" + to);
  return provision_until_ready(store, rt);
}

}  // namespace atelier::reconciler
