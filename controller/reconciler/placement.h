// Placement of whole candidate labs on hypervisor hosts within their capacity (memory, CPUs from
// libvirt's node info), and the lab's steps still to run after a restart. Pure: table-tested.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/store/store.h"

namespace atelier::reconciler {

// What a host can take, and what is placed on it now.
struct HostCapacity {
  std::string name;
  std::uint64_t memory_bytes = 0;  // the node's memory (virNodeGetInfo)
  unsigned cpus = 0;
  std::uint64_t placed_bytes = 0;  // the memory of the labs placed on it (not destroyed)
  unsigned provisioning = 0;       // labs being provisioned on it now
  unsigned max_parallel = 0;       // labs provisioned at once; 0: cpus
  bool reachable = true;
};

// Memory a lab needs on a host: its guests' memory plus QEMU's own (TCG's translation cache,
// capped at 128 MiB, and the process), kGuestOverheadBytes per guest.
inline constexpr std::uint64_t kGuestOverheadBytes = 256ull << 20;
// A host keeps this share of its memory for itself.
inline constexpr double kHostReserve = 0.10;
std::uint64_t lab_demand_bytes(const std::vector<std::uint64_t>& guest_memory);
// What placement may use of a host's memory: all of it less kHostReserve.
std::uint64_t usable_bytes(std::uint64_t host_memory_bytes);

// The host a new lab goes to: reachable, room for `demand` in memory, a free provisioning slot;
// among those, the one with the most free memory (first in order on a tie). nullopt: wait.
// kFailedPrecondition when no host could ever take it (larger than every host).
Result<std::optional<std::string>> choose_host(const std::vector<HostCapacity>& hosts,
                                               std::uint64_t demand);
// Whether a lab already placed on `host` may start provisioning now (a free slot).
bool has_slot(const HostCapacity& host);

// Which steps a (re)started provisioning runs. Creating, starting and reaching the agents are
// idempotent and always run (they also reconnect after a restart); roles and incidents run only
// when not done, so that a ready lab adopted after a crash keeps the candidate's work.
struct StepPlan {
  bool roles = true;
  bool incidents = true;
};
StepPlan steps_to_run(const std::array<store::StepState, store::kSteps.size()>& steps);

}  // namespace atelier::reconciler
