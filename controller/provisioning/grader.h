// The grader endpoint of a candidate lab (issue 20): where its checks `on: grader` run. The
// endpoint itself is the provider's (a network namespace beside the lab's bridges,
// Provider::ensure_grader); this is what atelierd runs in it: `atelier-agent grade`, as nobody,
// with the bundle on stdin and the results on stdout. The candidate is root in their guests,
// not here, so the endpoint's answer is taken as it comes (no decoys, no agent instance).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/lab/lab.h"
#include "common/protocol/messages.h"
#include "common/result.h"
#include "controller/provider/provider.h"

namespace atelier::provisioning {

// Runs one bundle of checks on the grader and returns their results (in the bundle's order).
// The seam run_checks takes; tests give one that runs the agent without a namespace.
using GraderRun = std::function<Result<protocol::Results>(const protocol::RunChecks& bundle,
                                                          std::chrono::milliseconds timeout)>;

// The endpoint a lab (resolved for its candidate) needs: its nics and routes (lab::grader_plan);
// in its /etc/hosts, every host at its first address.
provider::GraderSpec grader_spec(const lab::Lab& lab, const std::string& session,
                                 const std::string& candidate);

// `argv` with the bundle as one protocol line on stdin; its stdout read back as one results
// line. The agent binary must be one nobody can run (grader_agent_copy). Errors: the program
// failed, timed out or answered something else than the bundle's results.
Result<protocol::Results> run_grade_process(
    const std::function<Result<process::ProcessResult>(process::ProcessSpec)>& run,
    const std::vector<std::string>& argv, const protocol::RunChecks& bundle,
    std::chrono::milliseconds timeout);

// A copy of the agent binary that nobody can read and run (/run/atelier/grader/atelier-agent,
// 0755 in 0755 folders): atelierd's own may sit in a folder only root can enter. Copied again
// when the source changed.
Result<std::string> grader_agent_copy(const std::string& agent_binary);

// The whole: ensure the endpoint, copy the agent, run the bundle there.
Result<protocol::Results> run_on_grader(provider::Provider& provider,
                                        const provider::GraderSpec& spec,
                                        const std::string& agent_binary,
                                        const protocol::RunChecks& bundle,
                                        std::chrono::milliseconds timeout);

}  // namespace atelier::provisioning
