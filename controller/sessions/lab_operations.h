// The trainer's actions on running candidate labs (reset, solve, check run), their records, and
// how to reach a lab's machines: LabOperations is the seam between the edges that ask (the API)
// and the core that acts (the reconciler implements it). Depends on nothing but common/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "controller/sessions/model.h"

namespace atelier::sessions {

enum class ActionKind { kReset, kSolve, kCheckRun };
std::string_view to_string(ActionKind k);  // "reset", "solve", "check_run"
enum class ActionState { kRunning, kDone, kFailed };
std::string_view to_string(ActionState s);  // "running", "done", "failed"
std::optional<ActionKind> parse_action_kind(std::string_view s);
std::optional<ActionState> parse_action_state(std::string_view s);

// One task's verdict in a check run, for one candidate.
struct TaskVerdict {
  std::string candidate;
  std::string task;
  bool passed = false;
  int checks = 0;
  int failed = 0;
};

// An action started by a trainer; it runs in the background and is polled by id.
struct ActionRecord {
  std::string id;  // "a" + digits, unique in the daemon's life and across restarts
  ActionKind kind = ActionKind::kReset;
  std::string session;
  std::vector<std::string> candidates;  // the labs it acts on
  std::string host;                     // reset of one host; "" for the whole lab
  ActionState state = ActionState::kRunning;
  std::string error;                  // when failed
  std::string run_id;                 // check runs: the run id of the stored results
  std::vector<TaskVerdict> verdicts;  // check runs, when done
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;
};

// How to reach one host of a candidate lab.
struct HostAccess {
  std::string name;
  std::string domain;       // libvirt domain name
  std::string uri;          // libvirt URI of its hypervisor host
  std::string console;      // "virsh -c URI console DOMAIN", or "log: PATH" (read-only log)
  std::string console_log;  // the console log file on the hypervisor host, "" when none
  std::vector<std::pair<std::string, std::string>> addresses;  // (network, address)
  std::string ssh_user;                                        // root
  std::string ssh_password;
};
struct LabAccess {
  std::string host;  // the hypervisor host the lab is placed on
  std::vector<HostAccess> hosts;
  std::string note;  // how SSH reaches the lab (its networks are isolated)
};

// Implemented by the reconciler. Thread-safe. Starting an action returns at once with its
// record (state running); kNotFound for an unknown session, candidate or host,
// kFailedPrecondition when the lab is not in a state to do it (not ready, being destroyed).
class LabOperations {
 public:
  virtual ~LabOperations() = default;
  // Resets one host (fresh overlay, its roles and incidents again) or, with host empty, the
  // whole lab (torn down and provisioned again). The hand-over time is kept.
  virtual Result<ActionRecord> reset(const std::string& session, const std::string& candidate,
                                     const std::string& host, const std::string& actor) = 0;
  // Builds the whole lab again on another hypervisor host (roles, incidents, hand-over
  // snapshots): for a lab whose host stopped answering, or a host to be emptied. Its objects on
  // the old host are removed then if it answers, else by the orphan collection once it does.
  // kFailedPrecondition when no other host answers with room for it.
  virtual Result<ActionRecord> move(const std::string& session, const std::string& candidate,
                                    const std::string& actor) = 0;
  // Applies the lab's reference solution to a ready lab.
  virtual Result<ActionRecord> solve(const std::string& session, const std::string& candidate,
                                     const std::string& actor) = 0;
  // Runs every task's checks on the ready labs of the session (or one candidate's) and stores
  // every result (store::Store::add_result).
  virtual Result<ActionRecord> check_run(const std::string& session,
                                         const std::optional<std::string>& candidate,
                                         const std::string& actor) = 0;
  // kNotFound for an unknown id. Actions are stored: they outlive a restart of atelierd, and
  // one that was running when atelierd stopped is failed (store::kInterruptedActionError).
  virtual Result<ActionRecord> action(const std::string& id) = 0;
  // kNotFound when the lab is not placed or planned yet.
  virtual Result<LabAccess> access(const std::string& session, const std::string& candidate) = 0;
};

}  // namespace atelier::sessions
