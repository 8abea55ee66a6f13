// The session model: who acts (Role), what should exist (DesiredState), what was observed
// (LabStatus) and how far a candidate lab's provisioning went (Step, StepState). The store keeps
// these, the reconciler drives them, the API shows them; none of them owns them.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string_view>

namespace atelier::sessions {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;  // the store keeps it as milliseconds since the Unix epoch

// What should exist. The reconciler closes the gap between this and what libvirt reports.
enum class DesiredState { kActive, kDestroyed };
std::string_view to_string(DesiredState s);  // "active", "destroyed"
std::optional<DesiredState> parse_desired_state(std::string_view s);

// What was observed, for a session and for each of its candidate labs.
enum class LabStatus { kPending, kProvisioning, kReady, kFailed, kDestroying, kDestroyed };
std::string_view to_string(LabStatus s);  // "pending", "provisioning", ...
std::optional<LabStatus> parse_lab_status(std::string_view s);

// The provisioning steps of a candidate lab, in order (ARCHITECTURE.md, "Provisioning").
enum class Step { kNetworks, kDisks, kDomains, kBooted, kAgent, kRoles, kIncidents, kReady };
inline constexpr std::array<Step, 8> kSteps = {Step::kNetworks,  Step::kDisks, Step::kDomains,
                                               Step::kBooted,    Step::kAgent, Step::kRoles,
                                               Step::kIncidents, Step::kReady};
std::string_view to_string(Step s);  // "networks", "disks", ...
enum class StepState { kPending, kRunning, kDone, kFailed };
std::string_view to_string(StepState s);  // "pending", "running", "done", "failed"
std::optional<StepState> parse_step_state(std::string_view s);

enum class Role { kTrainer, kEvaluator, kCandidate };
std::string_view to_string(Role r);  // "trainer", "evaluator", "candidate"
std::optional<Role> parse_role(std::string_view s);

// The actor of the check runs atelierd starts on its own (periodic checks): results carry it in
// run_by, and grading tells scheduled runs from on-demand ones by it.
inline constexpr std::string_view kScheduledRunActor = "atelierd";

}  // namespace atelier::sessions
