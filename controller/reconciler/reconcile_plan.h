// The reconcile plan: what the reconciler does for each session, each candidate lab and each
// owner of libvirt objects, given the desired state (the store) and what it observes (stored
// status and placement, the jobs it runs, the objects on a host). Pure: table-tested.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controller/store/store.h"

namespace atelier::reconciler {

// One session as stored, and whether this process is tearing it down now.
struct SessionView {
  store::DesiredState desired = store::DesiredState::kActive;
  store::LabStatus status = store::LabStatus::kPending;
  bool tearing_down = false;  // a teardown job of this session runs
};
enum class SessionStep {
  kNothing,    // destroyed and done, or its teardown job is on it
  kTearDown,   // desired destroyed: start a teardown job
  kDriveLabs,  // active: plan each of its labs (plan_lab)
};
SessionStep plan_session(const SessionView& session);

// One candidate lab as stored and as this process holds it.
struct LabView {
  store::LabStatus status = store::LabStatus::kPending;  // as stored
  bool placed = false;         // the store records a host this reconciler drives
  bool objects_exist = false;  // the store's `domains` step is done: a previous run created them
  bool busy = false;           // a job of this process provisions it now
  bool ready = false;          // this process drove it to ready (or adopted it)
  bool retry_due = true;       // no failed attempt waits for its retry delay
  bool has_model = false;      // planned by this process (its lab model is loaded)
  std::chrono::seconds check_every{0};  // periodic checks in force (0: none)
  std::chrono::steady_clock::duration since_last_check{};
};
enum class LabStep {
  kNothing,    // busy, failed (waits for a reset), waiting for a retry, or ready with no check due
  kPlace,      // not placed: choose a host (placement.h), then provision
  kProvision,  // placed, never driven: provision from its first step
  kAdopt,      // placed, its objects exist (a previous run): reconnect and resume
  kCheck,      // ready and a periodic check run is due
};
LabStep plan_lab(const LabView& lab);
std::string_view to_string(LabStep step);

// The session's status from its labs': pending with none, ready when all are, failed when one
// is, provisioning otherwise.
store::LabStatus session_status(const std::vector<store::LabStatus>& labs);

// One owner (session) of objects found on one host, and what the store says about it.
struct OwnerView {
  enum class Known { kYes, kNo, kUnsure };  // kUnsure: the store could not answer
  Known known = Known::kUnsure;
  store::DesiredState desired = store::DesiredState::kActive;
  bool tearing_down = false;
  struct Lab {
    std::string candidate;
    std::optional<std::string> host;  // placement; none yet: any host may hold it
  };
  std::vector<Lab> labs;                    // the store's labs of the session (kYes)
  std::set<std::string> object_candidates;  // candidates owning objects on this host
};
struct OrphanPlan {
  bool destroy_session = false;                 // everything the session owns on this host
  std::vector<std::string> destroy_candidates;  // else: these candidates' objects
  friend bool operator==(const OrphanPlan&, const OrphanPlan&) = default;
};
// Objects of unknown sessions are removed only under `orphan_prefix` (see ReconcilerOptions);
// those of destroyed sessions unless their teardown runs; those of a known active session when
// their candidate has no lab in it or its lab is placed on another host.
OrphanPlan plan_orphans(const std::string& session, const OwnerView& owner, const std::string& host,
                        const std::optional<std::string>& orphan_prefix);

}  // namespace atelier::reconciler
