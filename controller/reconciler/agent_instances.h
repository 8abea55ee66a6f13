// The agent instance atelierd last accepted on each host of a candidate lab, kept in the store
// across atelierd's restarts (issue 20). In memory only, an agent replaced while atelierd was
// down would say hello to the restarted atelierd as if nothing had happened; with the record,
// the first check run after the restart compares the agent with the one accepted before.
#pragma once

#include <string>

#include "common/lab/lab.h"
#include "common/result.h"
#include "controller/provisioning/candidate_lab.h"
#include "controller/provisioning/lab_actions.h"
#include "controller/store/store.h"

namespace atelier::reconciler {

// What the store records for each host of MODEL (a host with no record: nullopt).
Result<provisioning::KnownInstances> load_agent_instances(store::Store& store,
                                                          const std::string& session,
                                                          const std::string& candidate,
                                                          const lab::Lab& model);
// Records each host's instance of KNOWN (nullopt: left as recorded).
Status save_agent_instances(store::Store& store, const std::string& session,
                            const std::string& candidate,
                            const provisioning::KnownInstances& known);

// After a restart, what atelierd accepts as each host's instance: the recorded one where there
// is one (the hello the restarted atelierd got is then compared with it at the next check run),
// else the hello's.
provisioning::KnownInstances after_restart(const provisioning::KnownInstances& hello,
                                           const provisioning::KnownInstances& recorded);

// Once a candidate lab's agents said hello: for an ADOPTED lab (its domains were there before
// this pass: atelierd restarted, or a failed pass resumes) LAB takes back the recorded
// instances (after_restart); then what LAB knows is recorded.
Status settle_agent_instances(store::Store& store, const std::string& session,
                              const std::string& candidate, const lab::Lab& model,
                              provisioning::CandidateLab& lab, bool adopted);

// The instances LAB knows for each host of MODEL, and the other way round.
provisioning::KnownInstances known_instances(const provisioning::CandidateLab& lab,
                                             const lab::Lab& model);
void remember_instances(provisioning::CandidateLab& lab, const provisioning::KnownInstances& known);

}  // namespace atelier::reconciler
