// Names of the grading enums and the small lookups of the model (model.h).
#include "controller/grading/model.h"

#include <algorithm>

#include "common/text/enum_names.h"

namespace atelier::grading {
namespace {

constexpr std::pair<CheckStatus, std::string_view> kCheckStatusNames[] = {
    {CheckStatus::kPass, "pass"}, {CheckStatus::kFail, "fail"}, {CheckStatus::kError, "error"}};
constexpr std::pair<RunTrigger, std::string_view> kRunTriggerNames[] = {
    {RunTrigger::kScheduled, "scheduled"}, {RunTrigger::kOnDemand, "on_demand"}};
constexpr std::pair<ScoringMode, std::string_view> kScoringModeNames[] = {
    {ScoringMode::kAll, "all"}, {ScoringMode::kPartial, "partial"}};
constexpr std::pair<TaskStatus, std::string_view> kTaskStatusNames[] = {
    {TaskStatus::kPassed, "passed"},
    {TaskStatus::kFailed, "failed"},
    {TaskStatus::kPartial, "partial"},
    {TaskStatus::kNotRun, "not_run"}};
constexpr std::pair<IgnoredReason, std::string_view> kIgnoredReasonNames[] = {
    {IgnoredReason::kBeforeHandOver, "before_hand_over"},
    {IgnoredReason::kAfterFreeze, "after_freeze"}};

}  // namespace

std::string_view to_string(CheckStatus status) {
  return text::name_of(status, kCheckStatusNames, "?");
}
std::optional<CheckStatus> parse_check_status(std::string_view text) {
  return text::parse_name(text, kCheckStatusNames);
}
std::string_view to_string(RunTrigger trigger) {
  return text::name_of(trigger, kRunTriggerNames, "?");
}
std::optional<RunTrigger> parse_run_trigger(std::string_view text) {
  return text::parse_name(text, kRunTriggerNames);
}
std::string_view to_string(ScoringMode mode) {
  return text::name_of(mode, kScoringModeNames, "?");
}
std::optional<ScoringMode> parse_scoring_mode(std::string_view text) {
  return text::parse_name(text, kScoringModeNames);
}
std::string_view to_string(TaskStatus status) {
  return text::name_of(status, kTaskStatusNames, "?");
}
std::optional<TaskStatus> parse_task_status(std::string_view text) {
  return text::parse_name(text, kTaskStatusNames);
}
TaskStatus status_of_points(double earned, int possible) {
  if (earned <= 0) return TaskStatus::kFailed;
  return earned >= possible ? TaskStatus::kPassed : TaskStatus::kPartial;
}
std::string_view to_string(IgnoredReason reason) {
  return text::name_of(reason, kIgnoredReasonNames, "?");
}
std::optional<IgnoredReason> parse_ignored_reason(std::string_view text) {
  return text::parse_name(text, kIgnoredReasonNames);
}

ScoringMode GradingPolicy::mode_for(std::string_view task_id) const {
  auto it = task_modes.find(std::string(task_id));
  return it == task_modes.end() ? default_mode : it->second;
}

const TaskSpec* LabSpec::task(std::string_view task_id) const {
  auto it =
      std::find_if(tasks.begin(), tasks.end(), [&](const TaskSpec& t) { return t.id == task_id; });
  return it == tasks.end() ? nullptr : &*it;
}

int LabSpec::total_points() const {
  int total = 0;
  for (const auto& t : tasks) total += t.points;
  return total;
}

const TaskGrade* CandidateGrade::task(std::string_view task_id) const {
  auto it = std::find_if(tasks.begin(), tasks.end(),
                         [&](const TaskGrade& t) { return t.task_id == task_id; });
  return it == tasks.end() ? nullptr : &*it;
}

const CandidateGrade* SessionGrades::candidate(std::string_view id) const {
  auto it = std::find_if(candidates.begin(), candidates.end(),
                         [&](const CandidateGrade& c) { return c.candidate == id; });
  return it == candidates.end() ? nullptr : &*it;
}

}  // namespace atelier::grading
