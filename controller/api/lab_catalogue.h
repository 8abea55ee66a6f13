// The labs a trainer can start and what they cost, for the "new session" form and GET /labs: every
// folder of --labs-dir holding a lab.yaml, loaded by the session service's rules, each with what
// one candidate's lab needs (placement's own memory count, reconciler/placement.h), beside the
// memory the hypervisor hosts have left.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/lab/lab.h"
#include "common/result.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"

namespace atelier::api {

struct CatalogueEntry {
  std::string folder;           // the lab's id in POST /sessions
  std::optional<lab::Lab> lab;  // nullopt: it does not load, `error` says why
  std::string error;            // the first error
};

// The labs of the session service's labs folder, in name order.
std::vector<CatalogueEntry> lab_catalogue(const sessions::SessionService& service);

// What one candidate's lab of `lab` needs.
struct LabNeeds {
  std::uint64_t guest_memory_bytes = 0;  // its guests' memory, summed
  int vcpus = 0;                         // its guests' vCPUs, summed
  std::uint64_t demand_bytes = 0;        // what placement counts on a host (guests + QEMU's own)
};
LabNeeds lab_needs(const lab::Lab& lab);

// The memory each enabled hypervisor host the reconciler has read has left for labs: its memory
// less the share placement keeps for the host, less the labs placed on it and not destroyed.
Result<std::map<std::string, std::uint64_t>> memory_left(store::Store& store,
                                                         const sessions::SessionService& service);

// How many more candidate labs needing `demand_bytes` the hosts take now, each whole on one host.
int labs_that_fit(const std::map<std::string, std::uint64_t>& left, std::uint64_t demand_bytes);

}  // namespace atelier::api
