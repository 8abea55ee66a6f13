// The grading model: typed check results and runs (what the store keeps), evaluator actions
// (overrides, annotations, freeze), and the grades computed from them (grade.h). Plain data,
// no I/O; the store persists the input types, the exports (export.h) render the output types.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/lab/lab.h"
#include "controller/sessions/model.h"

namespace atelier::grading {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// ---- inputs: what the agents reported -------------------------------------------------------

enum class CheckStatus { kPass, kFail, kError };
std::string_view to_string(CheckStatus status);  // "pass" "fail" "error"
std::optional<CheckStatus> parse_check_status(std::string_view text);

// One check's outcome in one run, with its evidence.
struct CheckResult {
  std::string result_id;  // unique across the session (the agent's "<bundle>/<index>")
  std::string session;
  std::string candidate;
  std::string task_id;          // a task of the lab
  std::size_t check_index = 0;  // position of the check in the task's `checks` list
  std::string host;             // where it ran (informative)
  std::string description;      // informative; the lab's text is used when empty
  CheckStatus status = CheckStatus::kError;
  std::string expected;  // what the check wanted, in words
  std::string observed;  // what was seen
  TimePoint started_at{};
  TimePoint finished_at{};
  std::string run_id;  // the CheckRun it belongs to
  std::string run_by;  // who started the run: kScheduledRunActor, a token id, "" unknown
  // "" when the host's answer was clean; else the evidence that its agent was tampered with
  // (a decoy answered against its known outcome, an answer out of protocol). Such a result
  // never counts as a pass, whatever its status says.
  std::string integrity;
  friend bool operator==(const CheckResult&, const CheckResult&) = default;
};

// The actor atelierd records on the check runs it starts by itself (periodic checks); any other
// actor started the run on demand. Defined with the session model.
using sessions::kScheduledRunActor;

enum class RunTrigger { kScheduled, kOnDemand };
std::string_view to_string(RunTrigger trigger);  // "scheduled" "on_demand"
std::optional<RunTrigger> parse_run_trigger(std::string_view text);

// One run of a candidate's checks at one time (periodic or on demand). A run covers a task when
// it holds at least one result for it; a covered task's checks that have no result in the run
// count as errors ("no result"). A run that does not cover a task leaves that task's grade as
// it was.
struct CheckRun {
  std::string run_id;  // unique across the session
  std::string session;
  std::string candidate;
  RunTrigger trigger = RunTrigger::kScheduled;
  std::string run_by;      // as CheckResult::run_by ("" when not recorded)
  TimePoint started_at{};  // the instant the run counts for (see grade.h)
  TimePoint finished_at{};
  std::vector<CheckResult> results;
  friend bool operator==(const CheckRun&, const CheckRun&) = default;
};

// ---- inputs: what evaluators did ------------------------------------------------------------

// Replaces a task's computed points. The justification is required (non-empty after trimming);
// who and when go to the audit log as well. The latest override of a task wins.
struct Override {
  std::string candidate;
  std::string task_id;
  double points = 0;  // 0..task points
  std::string justification;
  std::string who;
  TimePoint when{};
  friend bool operator==(const Override&, const Override&) = default;
};

// A note on a candidate, a task, or one check result. Empty task_id: about the candidate;
// empty result_id: about the task.
struct Annotation {
  std::string candidate;
  std::string task_id;
  std::string result_id;
  std::string text;
  std::string who;
  TimePoint when{};
  friend bool operator==(const Annotation&, const Annotation&) = default;
};

// The session's results were collected: runs started after `at` are not graded; overrides made
// after `at` are refused (validate_override) and, if present, not applied. Annotations are notes
// and do not change grades, so they stay allowed.
struct Freeze {
  TimePoint at{};
  std::string who;
  friend bool operator==(const Freeze&, const Freeze&) = default;
};

// ---- inputs: what the lab says --------------------------------------------------------------

enum class ScoringMode {
  kAll,      // all checks pass: full points; otherwise 0 (the default)
  kPartial,  // points * passed checks / checks
};
std::string_view to_string(ScoringMode mode);  // "all" "partial"
std::optional<ScoringMode> parse_scoring_mode(std::string_view text);

// How to score: from the lab's `scoring:` keys (policy_from_lab in grade.h), or given in a
// results-input file for `atelier results render`.
struct GradingPolicy {
  ScoringMode default_mode = ScoringMode::kAll;
  std::map<std::string, ScoringMode> task_modes;  // task id -> mode, overrides the default
  ScoringMode mode_for(std::string_view task_id) const;
  friend bool operator==(const GradingPolicy&, const GradingPolicy&) = default;
};

// The part of a lab task that grading needs (built by task_spec_from_lab, or read from JSON so
// that grades can be rendered without the lab's folder).
struct CheckSpecSummary {
  std::string host;         // the check's `on`
  std::string kind;         // "service", "smtp", ...
  std::string description;  // the lab's, or "<kind> on <host>"
  friend bool operator==(const CheckSpecSummary&, const CheckSpecSummary&) = default;
};

struct TaskSpec {
  std::string id;
  lab::Text title;
  lab::Priority priority = lab::Priority::kP3;
  std::chrono::seconds sla{0};  // 0: no SLA
  bool has_ticket = true;       // false: not a ticket, no time-to-resolve is reported
  int points = 1;
  std::vector<std::string> competencies;  // C01..C19
  std::vector<CheckSpecSummary> checks;
  friend bool operator==(const TaskSpec&, const TaskSpec&) = default;
};

struct LabSpec {
  std::string id;
  lab::Text title;
  std::vector<TaskSpec> tasks;  // in the lab's order
  const TaskSpec* task(std::string_view task_id) const;
  int total_points() const;
  friend bool operator==(const LabSpec&, const LabSpec&) = default;
};

// Everything needed to grade one candidate.
struct CandidateInput {
  std::string candidate;
  std::optional<TimePoint> handed_over_at;  // tickets open then; nullopt: not handed over yet
  std::vector<CheckRun> runs;               // any order
  std::vector<Override> overrides;
  std::vector<Annotation> annotations;
  // The task titles of this candidate's variant of the lab (titles may hold {{variables}});
  // a task not listed shows the LabSpec's title.
  std::map<std::string, lab::Text> task_titles;
};

// Everything needed to grade one session.
struct SessionInput {
  std::string session;
  LabSpec lab;
  GradingPolicy policy;
  std::optional<Freeze> frozen;
  std::vector<CandidateInput> candidates;  // in the order the grid shows them
};

// ---- outputs: grades ------------------------------------------------------------------------

enum class TaskStatus { kPassed, kFailed, kPartial, kNotRun };
std::string_view to_string(TaskStatus status);  // "passed" "failed" "partial" "not_run"
std::optional<TaskStatus> parse_task_status(std::string_view text);
// The verdict of points an evaluator set: none failed, all passed, some partial.
TaskStatus status_of_points(double earned, int possible);

// One check of a task as last seen (the evidence shown to evaluators).
struct CheckOutcome {
  std::size_t index = 0;
  std::string description;
  std::string host;
  std::optional<CheckStatus> status;  // nullopt: never run
  std::string expected;
  std::string observed;
  std::string result_id;
  std::string run_id;
  std::optional<TimePoint> finished_at;
  // The result's tamper evidence (CheckResult::integrity); when set, status is kFail whatever
  // the agent answered, and observed is the agent's word, not to be trusted.
  std::string integrity;
  friend bool operator==(const CheckOutcome&, const CheckOutcome&) = default;
};

struct TaskGrade {
  std::string task_id;
  lab::Text title;  // as this candidate's ticket reads

  TaskStatus status = TaskStatus::kNotRun;  // from the latest graded run covering the task
  // The grade's verdict: `status`, or with an override the verdict of its points
  // (status_of_points). The pages and exports lead with it; `status` stays what the checks saw.
  TaskStatus graded_status = TaskStatus::kNotRun;
  double computed_points = 0;  // from the checks, before any override
  double points_earned = 0;    // the override's points if any, else computed
  int points_possible = 0;
  std::size_t checks_passed = 0;  // in the latest graded run covering the task
  std::size_t checks_total = 0;
  std::optional<TimePoint> opened_at;                   // the candidate's hand-over
  std::optional<TimePoint> first_passed_at;             // first graded run where all checks passed
  std::optional<std::chrono::seconds> time_to_resolve;  // first_passed_at - opened_at
  std::chrono::seconds sla{0};                          // 0: none
  bool sla_breached = false;
  bool regressed = false;            // passed once, not in the latest run
  bool tampered = false;             // a check of the latest covering run has tamper evidence
  std::optional<Override> override;  // the one applied
  std::vector<CheckOutcome> checks;  // evidence from the latest covering run
  std::vector<Annotation> annotations;
  friend bool operator==(const TaskGrade&, const TaskGrade&) = default;
};

struct CompetencyScore {
  std::string code;          // C01..C19
  lab::Text name;            // from common/data/competencies.yaml; empty when unknown
  double points_earned = 0;  // sum over the tasks tagged with the code
  int points_possible = 0;
  double percentage = 0;  // 0..100; 0 when nothing is possible
  std::vector<std::string> task_ids;
  friend bool operator==(const CompetencyScore&, const CompetencyScore&) = default;
};

enum class IgnoredReason {
  kBeforeHandOver,  // the run started before the lab was handed over (provisioning checks)
  kAfterFreeze,     // the run started after the results were frozen
};
std::string_view to_string(IgnoredReason reason);  // "before_hand_over" "after_freeze"
std::optional<IgnoredReason> parse_ignored_reason(std::string_view text);

struct IgnoredRun {
  std::string run_id;
  TimePoint started_at{};
  IgnoredReason reason = IgnoredReason::kAfterFreeze;
  friend bool operator==(const IgnoredRun&, const IgnoredRun&) = default;
};

// An override the grader did not apply (made after the freeze), reported so nothing is silent.
struct IgnoredOverride {
  Override value;
  std::string reason;
  friend bool operator==(const IgnoredOverride&, const IgnoredOverride&) = default;
};

struct CandidateGrade {
  std::string candidate;
  std::optional<TimePoint> handed_over_at;
  std::vector<TaskGrade> tasks;               // in the lab's order
  std::vector<CompetencyScore> competencies;  // in order of code
  double points_earned = 0;
  int points_possible = 0;
  double percentage = 0;  // 0..100
  std::size_t runs_graded = 0;
  std::optional<TimePoint> last_run_at;
  std::vector<IgnoredRun> ignored_runs;
  std::vector<IgnoredOverride> ignored_overrides;
  std::vector<Annotation> annotations;  // about the candidate as a whole
  const TaskGrade* task(std::string_view task_id) const;
  friend bool operator==(const CandidateGrade&, const CandidateGrade&) = default;
};

// The grid: candidates x tasks, plus what the lab said and when this was computed.
struct SessionGrades {
  std::string session;
  LabSpec lab;
  GradingPolicy policy;
  TimePoint computed_at{};       // the clock given to grade_session
  std::optional<Freeze> frozen;  // when set, computed_at is clamped to the freeze for SLAs
  std::vector<CandidateGrade> candidates;
  const CandidateGrade* candidate(std::string_view id) const;
  friend bool operator==(const SessionGrades&, const SessionGrades&) = default;
};

}  // namespace atelier::grading
