// CandidateLab: one candidate's copy of a lab on one hypervisor host, driven through the
// Provider: create its objects from a plan, boot it, reach every host's agent, reset a host,
// and take it all down again. Every step reports progress; every wait has a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/protocol/agent_client.h"
#include "common/result.h"
#include "controller/provider/provider.h"
#include "controller/provisioning/plan.h"

namespace atelier::provisioning {

// One line of progress: "candidate ca: host server: agent answered (41.2 s)".
struct Progress {
  std::string candidate;
  std::string host;  // empty for steps of the whole lab
  std::string step;  // networks, disks, domains, boot, agent, reset, teardown
  std::string message;
};
using ProgressFn = std::function<void(const Progress&)>;

struct CandidateLabOptions {
  // The agent binary copied onto every seed disk (the image does not bake it in).
  std::optional<std::string> agent_binary;
  ProgressFn progress;  // may be empty
  // How often a hello request is resent while a guest boots (one sent before the agent opened
  // its port is lost).
  std::chrono::milliseconds hello_retry{3000};
};

class CandidateLab {
 public:
  CandidateLab(provider::Provider& provider, CandidateLabPlan plan, CandidateLabOptions options);
  ~CandidateLab();
  CandidateLab(const CandidateLab&) = delete;
  CandidateLab& operator=(const CandidateLab&) = delete;

  const CandidateLabPlan& plan() const { return plan_; }

  // Defines and starts the networks, creates overlays (an existing one is kept: it may hold the
  // candidate's work), writes seeds and defines the domains. Safe to call again after a crash.
  Status create();
  // Starts every domain (running ones are left alone).
  Status start();
  // Connects to every host's agent and waits for its hello and then for the guest's boot to
  // finish (systemd running or degraded), all hosts in parallel, each within `deadline` from
  // now. kTimeout names the host and its console log.
  Status wait_agents(std::chrono::milliseconds deadline);
  // The connected agent of a host, or nullptr.
  protocol::AgentClient* agent(std::string_view host);
  // The hello of a host's agent, once wait_agents() saw it.
  const protocol::Hello* hello(std::string_view host) const;
  // The agent instance atelierd last accepted on a host (issue 20): the one that said hello
  // when wait_agents() or reset_host() brought the host up, then the one that answered the
  // last check run (run_checks remembers it). nullopt: none known (an agent older than issue
  // 20, a host not in the plan). The reconciler records it in the store and, after atelierd
  // restarts, puts the recorded one back over the first hello's (reconciler/agent_instances.h).
  std::optional<protocol::AgentInstance> known_instance(std::string_view host) const;
  void remember_instance(std::string_view host, std::optional<protocol::AgentInstance> instance);
  // Seconds from start() (or reset) to the host's hello.
  double seconds_to_hello(std::string_view host) const;

  // Brings one host back fresh (new overlay on the base, same seed, same MACs), then waits for
  // its agent. kNotFound for a host not in the plan.
  Status reset_host(std::string_view host, std::chrono::milliseconds deadline);

  // Saves a host's (or every host's) hand-over snapshot: call with the roles applied and the
  // incidents not yet injected. A host without one is rebuilt by a reset, as before; the first
  // error is returned and reported in the progress.
  Status save_handover(std::string_view host);
  Status save_handover();
  // Brings a host back to its hand-over snapshot (disk and memory), waits for its agent and sets
  // its clock to now: true. false: it has no snapshot and nothing was done. An error: the restore
  // failed part way; rebuild the host (reset_host).
  Result<bool> restore_host(std::string_view host, std::chrono::milliseconds deadline);

  // Runs a bundle of checks `on: grader` in this lab's grader endpoint (grader.h), built or
  // repaired first. kFailedPrecondition without an agent binary to run them with.
  Result<protocol::Results> run_grader(const provider::GraderSpec& spec,
                                       const protocol::RunChecks& bundle,
                                       std::chrono::milliseconds timeout);

  // Closes the agent channels, removes the grader endpoint, domains, overlays and networks of this
  // candidate lab (and nothing else), and its run directory. Idempotent; continues past failures
  // and returns the first.
  Status destroy();

 private:
  struct HostState {
    std::string overlay_path;
    std::unique_ptr<protocol::AgentClient> agent;
    std::optional<protocol::Hello> hello;
    std::optional<protocol::AgentInstance> instance;
    std::chrono::steady_clock::time_point started{};
    double seconds_to_hello = 0;
  };

  void report(const std::string& host, const std::string& step, const std::string& message) const;
  Status wait_agent(const HostPlan& host, HostState& state,
                    std::chrono::steady_clock::time_point until);
  Status wait_boot_settled(const HostPlan& host, HostState& state,
                           std::chrono::steady_clock::time_point until);
  // The host's plan; kNotFound naming the candidate's lab.
  Result<HostPlan*> find(std::string_view host);
  // Closes the host's agent channel and restarts its clock for a reset or restore.
  HostState& begin_reset(const HostPlan& host);

  provider::Provider& provider_;
  CandidateLabPlan plan_;
  CandidateLabOptions options_;
  std::map<std::string, HostState, std::less<>> hosts_;
};

}  // namespace atelier::provisioning
