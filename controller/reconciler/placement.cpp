// Placement and resumption rules (see placement.h).
#include "controller/reconciler/placement.h"

namespace atelier::reconciler {

std::uint64_t lab_demand_bytes(const std::vector<std::uint64_t>& guest_memory) {
  std::uint64_t total = 0;
  for (auto m : guest_memory) total += m + kGuestOverheadBytes;
  return total;
}

std::uint64_t usable_bytes(std::uint64_t host_memory_bytes) {
  return static_cast<std::uint64_t>(static_cast<double>(host_memory_bytes) * (1.0 - kHostReserve));
}

namespace {
std::uint64_t usable(const HostCapacity& h) {
  return usable_bytes(h.memory_bytes);
}
}  // namespace

bool has_slot(const HostCapacity& host) {
  unsigned slots = host.max_parallel != 0 ? host.max_parallel : std::max(1u, host.cpus);
  return host.provisioning < slots;
}

Result<std::optional<std::string>> choose_host(const std::vector<HostCapacity>& hosts,
                                               std::uint64_t demand) {
  const HostCapacity* best = nullptr;
  bool could_ever = false;
  for (const auto& h : hosts) {
    if (!h.reachable) {
      could_ever = true;  // unknown until it answers
      continue;
    }
    if (usable(h) >= demand) could_ever = true;
    if (h.placed_bytes + demand > usable(h) || !has_slot(h)) continue;
    if (best == nullptr || usable(h) - h.placed_bytes > usable(*best) - best->placed_bytes)
      best = &h;
  }
  if (best) return std::optional<std::string>(best->name);
  if (!could_ever) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the lab needs " + std::to_string(demand >> 20) +
                     " MiB and no hypervisor host has that much memory");
  }
  return std::optional<std::string>();
}

StepPlan steps_to_run(const std::array<store::StepState, store::kSteps.size()>& steps) {
  auto done = [&](store::Step s) {
    return steps[static_cast<std::size_t>(s)] == store::StepState::kDone;
  };
  StepPlan p;
  p.roles = !done(store::Step::kRoles);
  // Incidents after roles that run again would be undone by the roles: inject them again too.
  p.incidents = p.roles || !done(store::Step::kIncidents);
  return p;
}

}  // namespace atelier::reconciler
