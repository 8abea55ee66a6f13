// Names of the session model's enums (model.h): the text the store writes and the API shows.
#include "controller/sessions/model.h"

#include <utility>

namespace atelier::sessions {
namespace {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
std::optional<E> parse_enum(std::string_view s, const NameTable<E, N>& table) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}
template <typename E, std::size_t N>
std::string_view enum_name(E e, const NameTable<E, N>& table) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

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
  return enum_name(s, kDesiredNames);
}
std::optional<DesiredState> parse_desired_state(std::string_view s) {
  return parse_enum(s, kDesiredNames);
}
std::string_view to_string(LabStatus s) {
  return enum_name(s, kLabStatusNames);
}
std::optional<LabStatus> parse_lab_status(std::string_view s) {
  return parse_enum(s, kLabStatusNames);
}
std::string_view to_string(Step s) {
  return enum_name(s, kStepNames);
}
std::string_view to_string(StepState s) {
  return enum_name(s, kStepStateNames);
}
std::optional<StepState> parse_step_state(std::string_view s) {
  return parse_enum(s, kStepStateNames);
}
std::string_view to_string(Role r) {
  return enum_name(r, kRoleNames);
}
std::optional<Role> parse_role(std::string_view s) {
  return parse_enum(s, kRoleNames);
}

}  // namespace atelier::sessions
