// Grading: from check runs, overrides and the freeze to task grades, tickets/SLA, competency
// roll-up and the session grid. Pure: the clock is a parameter, nothing is read or written.
#pragma once

#include <optional>
#include <string>

#include "common/lab/lab.h"
#include "common/result.h"
#include "controller/grading/competencies.h"
#include "controller/grading/model.h"

namespace atelier::grading {

// The grading view of a loaded lab. Check descriptions default to "<kind> on <host>".
LabSpec lab_spec_from_lab(const lab::Lab& lab);

// The lab's scoring: every task's `scoring:` (lab::Scoring, `all` when absent) as a policy
// whose default is kAll and whose task_modes name every task.
GradingPolicy policy_from_lab(const lab::Lab& lab);

// Groups flat results (as the store keeps them) into runs: one CheckRun per (candidate, run_id),
// started at its earliest result's started_at and finished at its latest finished_at, results
// in (task, check index) order, runs in order of start. A result without a run_id is its own run
// (run id = result id), so nothing is silently merged.
std::vector<CheckRun> runs_from_results(std::vector<CheckResult> results);

// Whether an evaluator may record this override now: the task exists, the points lie in
// 0..task points, the justification is not blank, `who` is named, and the session is not frozen
// (kFailedPrecondition when it is). The API calls this before storing; grade_session applies the
// same rules to what it is given.
Status validate_override(const Override& o, const LabSpec& lab,
                         const std::optional<Freeze>& frozen);

// Grades one session at `now` (the injected clock).
//
// Rules (docs/evaluator-guide.md tells evaluators the same):
// - Runs are taken in order of started_at (then run_id). A run that started before the
//   candidate's hand-over, or after the freeze, is not graded; it is listed in ignored_runs.
// - A task's status and computed points come from the latest graded run that covers it:
//   all checks pass -> passed, full points; otherwise, with ScoringMode::kAll, failed and 0;
//   with kPartial, points * passed / total (status partial when some but not all passed).
// - first_passed_at is the started_at of the first graded run where all the task's checks
//   passed; time_to_resolve = first_passed_at - hand-over (0 when it passed at once).
// - SLA (when the task has one and the lab was handed over): breached when resolved after it,
//   or when unresolved and more than the SLA has passed at `now` (at the freeze, when frozen).
// - The latest override of a task (by `when`) replaces its points; overrides after the freeze
//   are listed in ignored_overrides and not applied.
// - Competency roll-up: a task's earned and possible points count for each of its competencies.
//
// Errors (kInvalidArgument), naming the candidate, run and result: a result for an unknown task
// or check index, a check reported twice in a run, a run or result of another candidate, a
// duplicate run id or candidate, an override that validate_override rejects for its content.
Result<SessionGrades> grade_session(const SessionInput& input, const CompetencyCatalog& catalog,
                                    TimePoint now);

// Points as shown to people: at most two decimals, no trailing zeros ("4", "2.5", "2.67").
std::string format_points(double points);
// A duration as "1h02m03s", "4m05s", "12s".
std::string format_duration(std::chrono::seconds d);
// UTC, RFC 3339 with seconds: "2026-11-30T02:30:00Z".
std::string format_time(TimePoint t);

}  // namespace atelier::grading
