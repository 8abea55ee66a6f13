// What happens inside a provisioned candidate lab: role recipes, incidents, solution steps and
// near-misses run through each host's agent (the recipe engine over AgentTransport), and the
// lab's checks run by the agents, with their results mapped back to the tasks.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ansible-free-recipes/engine/engine.h"
#include "common/lab/lab.h"
#include "common/protocol/messages.h"
#include "common/result.h"
#include "controller/provisioning/agent_integrity.h"
#include "controller/provisioning/candidate_lab.h"
#include "controller/provisioning/decoys.h"
#include "controller/provisioning/grader.h"

namespace atelier::provisioning {

// One recipe to run on one host with its arguments (an incident, a solution step, a near-miss).
struct RecipeStep {
  std::string recipe;  // relative to the lab's recipes root, without ".yaml": "incidents/x"
  std::string on;      // host
  lab::Params with;
};

struct StepOutcome {
  std::string recipe;
  std::string on;
  recipes::HostReport report;
};

// Errors of a recipe run: kUnavailable when the host could not be reached (no agent, facts not
// gathered: worth a retry), kFailedPrecondition when a step failed (the recipe's verdict).
// Runs every host's roles, in the lab's order, hosts in parallel. A role receives the host's
// `vars` that it declares as params (a role ignores the others). Fails on the first host whose
// role fails; the error names the host, the role and the failed step.
Status apply_roles(CandidateLab& lab_run, const lab::Lab& lab, std::vector<StepOutcome>* outcomes);

// Runs the steps in order. Fails at the first failed step (later steps do not run).
Status apply_steps(CandidateLab& lab_run, const lab::Lab& lab, const std::vector<RecipeStep>& steps,
                   std::vector<StepOutcome>* outcomes);

std::vector<RecipeStep> incident_steps(const lab::Lab& lab);
// The incidents injected on `host` only (a reset of that host injects them again).
std::vector<RecipeStep> incident_steps(const lab::Lab& lab, std::string_view host);
// The lab with `host` as its only host: apply_roles on it runs that host's roles alone.
lab::Lab only_host(const lab::Lab& lab, std::string_view host);
std::vector<RecipeStep> solution_steps(const lab::Lab& lab);  // all tasks, in file order

// The results of one task's checks in one run.
struct TaskOutcome {
  std::string task;
  bool passed = false;                         // every check passed, none of them tampered
  std::vector<protocol::CheckResult> results;  // in the task's check order
  // Beside each result: "" when its host's answer was clean, else the evidence of tampering
  // (decoys.h): the whole answer of that host is then not to be trusted.
  std::vector<std::string> integrity;
};

// Runs every task's checks on their hosts (one bundle per host, hosts in parallel) and maps
// the results back to tasks. Each host's agent is first asked for its hello (its instance),
// then sent its bundle, which carries decoy checks (decoys.h), stripped before the mapping.
// A host gets evidence in `integrity` for each of its results (agent_integrity.h) when its
// answer contradicts a decoy or is out of protocol (malformed frames, a reply of another type),
// when its agent is silent or gone (its checks are then `error` results), or when its agent
// instance is not the one atelierd last saw there (CandidateLab::known_instance; a reset or
// provisioning by atelierd sets it, so those do not flag). `run_id` makes bundle ids unique.
// Checks `on: grader` run in the lab's grader endpoint (grader.h), beside the agents.
// Not a failed call when agents do not answer; kInvalidArgument only for a check on a host the
// lab does not have.
Result<std::vector<TaskOutcome>> run_checks(CandidateLab& lab_run, const lab::Lab& lab,
                                            const std::string& run_id,
                                            std::chrono::milliseconds timeout);

// The same with the agents looked up by host name (nullptr: not connected), the agent
// instances last seen given and updated (host -> instance; a host absent or nullopt: nothing
// to compare yet), and the decoys' randomness given: the seam the integration tests use
// without a provider. After the run, `known` holds each host's instance as it answered (a
// restart is flagged once, in the run that first sees it); an agent that reports no instance
// leaves the last one in place, so it is flagged in every run.
using AgentLookup = std::function<protocol::AgentClient*(const std::string& host)>;
using KnownInstances = std::map<std::string, std::optional<protocol::AgentInstance>>;
// Checks `on: grader` go to `grader` as one bundle, without decoys (the endpoint is atelierd's);
// without one they are `error` results.
Result<std::vector<TaskOutcome>> run_checks(const AgentLookup& agents, const lab::Lab& lab,
                                            const std::string& run_id,
                                            std::chrono::milliseconds timeout,
                                            const RandomSource& random, KnownInstances& known,
                                            const GraderRun& grader = {});

// The text of a lab::Value as recipe parameters read it (YAML flow form for lists and maps).
std::string value_text(const lab::Value& value);

}  // namespace atelier::provisioning
