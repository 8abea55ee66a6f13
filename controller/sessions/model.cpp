// Names of the session model's enums (model.h): the text the store writes and the API shows.
#include "controller/sessions/model.h"

#include <utility>

#include "common/text/enum_names.h"

namespace atelier::sessions {
namespace {

using text::NameTable;

constexpr NameTable<DesiredState, 2> kDesiredNames = {
    {{DesiredState::kActive, "active"}, {DesiredState::kDestroyed, "destroyed"}}};
constexpr NameTable<LabStatus, 6> kLabStatusNames = {{{LabStatus::kPending, "pending"},
                                                      {LabStatus::kProvisioning, "provisioning"},
                                                      {LabStatus::kReady, "ready"},
                                                      {LabStatus::kFailed, "failed"},
                                                      {LabStatus::kDestroying, "destroying"},
                                                      {LabStatus::kDestroyed, "destroyed"}}};
constexpr NameTable<Step, 8> kStepNames = {{{Step::kNetworks, "networks"},
                                            {Step::kDisks, "disks"},
                                            {Step::kDomains, "domains"},
                                            {Step::kBooted, "booted"},
                                            {Step::kAgent, "agent"},
                                            {Step::kRoles, "roles"},
                                            {Step::kIncidents, "incidents"},
                                            {Step::kReady, "ready"}}};
constexpr NameTable<StepState, 4> kStepStateNames = {{{StepState::kPending, "pending"},
                                                      {StepState::kRunning, "running"},
                                                      {StepState::kDone, "done"},
                                                      {StepState::kFailed, "failed"}}};
constexpr NameTable<Role, 3> kRoleNames = {{{Role::kTrainer, "trainer"},
                                            {Role::kEvaluator, "evaluator"},
                                            {Role::kCandidate, "candidate"}}};

}  // namespace

std::string_view to_string(DesiredState s) {
  return text::name_of(s, kDesiredNames);
}
std::optional<DesiredState> parse_desired_state(std::string_view s) {
  return text::parse_name(s, kDesiredNames);
}
std::string_view to_string(LabStatus s) {
  return text::name_of(s, kLabStatusNames);
}
std::optional<LabStatus> parse_lab_status(std::string_view s) {
  return text::parse_name(s, kLabStatusNames);
}
std::string_view to_string(Step s) {
  return text::name_of(s, kStepNames);
}
std::string_view to_string(StepState s) {
  return text::name_of(s, kStepStateNames);
}
std::optional<StepState> parse_step_state(std::string_view s) {
  return text::parse_name(s, kStepStateNames);
}
std::string_view to_string(Role r) {
  return text::name_of(r, kRoleNames);
}
std::optional<Role> parse_role(std::string_view s) {
  return text::parse_name(s, kRoleNames);
}

}  // namespace atelier::sessions
