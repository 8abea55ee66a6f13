// Grading rules (grade.h): runs -> task grades -> tickets/SLA -> overrides -> roll-up.
#include "controller/grading/grade.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

namespace atelier::grading {
namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Checks that every result of every run names a known task/check of this candidate, once.
Status validate_runs(const CandidateInput& in, const LabSpec& lab, std::set<std::string>& run_ids) {
  for (const auto& run : in.runs) {
    if (!run_ids.insert(run.run_id).second) {
      return invalid("run \"" + run.run_id + "\" appears twice");
    }
    if (!run.candidate.empty() && run.candidate != in.candidate) {
      return invalid("run \"" + run.run_id + "\" belongs to candidate \"" + run.candidate + "\"");
    }
    std::set<std::pair<std::string, std::size_t>> seen;
    for (const auto& r : run.results) {
      const std::string where = "result \"" + r.result_id + "\" of run \"" + run.run_id + "\"";
      if (!r.candidate.empty() && r.candidate != in.candidate) {
        return invalid(where + " belongs to candidate \"" + r.candidate + "\"");
      }
      if (!r.run_id.empty() && r.run_id != run.run_id) {
        return invalid(where + " names run \"" + r.run_id + "\"");
      }
      const TaskSpec* task = lab.task(r.task_id);
      if (task == nullptr) return invalid(where + " names unknown task \"" + r.task_id + "\"");
      if (r.check_index >= task->checks.size()) {
        return invalid(where + ": task " + r.task_id + " has " +
                       std::to_string(task->checks.size()) + " checks, not a check #" +
                       std::to_string(r.check_index));
      }
      if (!seen.emplace(r.task_id, r.check_index).second) {
        return invalid(where + ": check #" + std::to_string(r.check_index) + " of task " +
                       r.task_id + " is reported twice in the run");
      }
    }
  }
  return ok_status();
}

Status validate_override_content(const Override& o, const LabSpec& lab) {
  const TaskSpec* task = lab.task(o.task_id);
  if (task == nullptr) return invalid("override names unknown task \"" + o.task_id + "\"");
  if (!(o.points >= 0 && o.points <= task->points)) {
    return invalid("override of task " + o.task_id + ": points must lie in 0.." +
                   std::to_string(task->points) + ", not " + format_points(o.points));
  }
  if (is_blank(o.justification)) {
    return invalid("override of task " + o.task_id + ": a written justification is required");
  }
  if (is_blank(o.who))
    return invalid("override of task " + o.task_id + ": who made it is required");
  return ok_status();
}

struct TaskRunView {
  std::size_t passed = 0;
  std::size_t total = 0;
  std::vector<CheckOutcome> checks;
};

// The task's checks as seen in one run; nullopt when the run does not cover the task.
std::optional<TaskRunView> view_task(const TaskSpec& task, const CheckRun& run) {
  TaskRunView view;
  view.total = task.checks.size();
  view.checks.resize(task.checks.size());
  bool covered = false;
  for (std::size_t i = 0; i < task.checks.size(); ++i) {
    auto& c = view.checks[i];
    c.index = i;
    c.description = task.checks[i].description;
    c.host = task.checks[i].host;
    c.run_id = run.run_id;
    c.status = CheckStatus::kError;
    c.observed = "no result in this run";
  }
  for (const auto& r : run.results) {
    if (r.task_id != task.id) continue;
    covered = true;
    auto& c = view.checks[r.check_index];
    if (!r.description.empty()) c.description = r.description;
    if (!r.host.empty()) c.host = r.host;
    // Tamper evidence: never a pass (the agent's word is kept in observed, the evidence beside).
    c.status = r.integrity.empty() ? r.status : CheckStatus::kFail;
    c.integrity = r.integrity;
    c.expected = r.expected;
    c.observed = r.observed;
    c.result_id = r.result_id;
    c.finished_at = r.finished_at;
  }
  if (!covered) return std::nullopt;
  for (const auto& c : view.checks) {
    if (c.status == CheckStatus::kPass) ++view.passed;
  }
  return view;
}

// The runs that count, in time order; the others go to out.ignored_runs with the reason.
std::vector<const CheckRun*> graded_runs(const SessionInput& session, const CandidateInput& in,
                                         CandidateGrade& out) {
  std::vector<const CheckRun*> runs;
  for (const auto& run : in.runs) runs.push_back(&run);
  std::stable_sort(runs.begin(), runs.end(), [](const CheckRun* a, const CheckRun* b) {
    return a->started_at != b->started_at ? a->started_at < b->started_at : a->run_id < b->run_id;
  });
  std::vector<const CheckRun*> graded;
  for (const CheckRun* run : runs) {
    if (in.handed_over_at && run->started_at < *in.handed_over_at) {
      out.ignored_runs.push_back({run->run_id, run->started_at, IgnoredReason::kBeforeHandOver});
    } else if (session.frozen && run->started_at > session.frozen->at) {
      out.ignored_runs.push_back({run->run_id, run->started_at, IgnoredReason::kAfterFreeze});
    } else {
      graded.push_back(run);
    }
  }
  return graded;
}

// The override that applies to each task: the latest before the freeze (later ones go to
// out.ignored_overrides).
Result<std::map<std::string, const Override*>> applied_overrides(const SessionInput& session,
                                                                 const CandidateInput& in,
                                                                 CandidateGrade& out) {
  std::map<std::string, const Override*> applied;
  for (const auto& o : in.overrides) {
    if (!o.candidate.empty() && o.candidate != in.candidate) {
      return invalid("override of task " + o.task_id + " belongs to candidate \"" + o.candidate +
                     "\"");
    }
    ATELIER_RETURN_IF_ERROR(validate_override_content(o, session.lab));
    if (session.frozen && o.when > session.frozen->at) {
      out.ignored_overrides.push_back(
          {o, "made after the results were frozen at " + format_time(session.frozen->at)});
      continue;
    }
    auto& slot = applied[o.task_id];
    if (slot == nullptr || o.when >= slot->when) slot = &o;
  }
  return applied;
}

// Status and computed points from the task's latest graded run (and when it first passed).
void score_from_runs(const TaskSpec& task, const SessionInput& session,
                     const std::vector<const CheckRun*>& graded, TaskGrade& g) {
  std::optional<TaskRunView> latest;
  for (const CheckRun* run : graded) {
    auto view = view_task(task, *run);
    if (!view) continue;
    if (view->total > 0 && view->passed == view->total && !g.first_passed_at) {
      g.first_passed_at = run->started_at;
    }
    latest = std::move(view);
  }
  if (!latest || latest->total == 0) return;
  g.checks_passed = latest->passed;
  g.checks = std::move(latest->checks);
  for (const auto& c : g.checks) g.tampered = g.tampered || !c.integrity.empty();
  const bool all = latest->passed == latest->total;
  if (all) {
    g.status = TaskStatus::kPassed;
    g.computed_points = task.points;
  } else if (session.policy.mode_for(task.id) == ScoringMode::kPartial) {
    g.computed_points = static_cast<double>(task.points) * static_cast<double>(latest->passed) /
                        static_cast<double>(latest->total);
    g.status = latest->passed > 0 ? TaskStatus::kPartial : TaskStatus::kFailed;
  } else {
    g.status = TaskStatus::kFailed;
  }
  g.regressed = g.first_passed_at.has_value() && !all;
}

TaskGrade grade_task(const TaskSpec& task, const SessionInput& session, const CandidateInput& in,
                     const std::vector<const CheckRun*>& graded, TimePoint effective_now,
                     const std::map<std::string, const Override*>& applied) {
  TaskGrade g;
  g.task_id = task.id;
  auto title = in.task_titles.find(task.id);
  g.title = title != in.task_titles.end() ? title->second : task.title;
  g.points_possible = task.points;
  g.checks_total = task.checks.size();
  g.opened_at = in.handed_over_at;
  g.sla = task.sla;
  for (std::size_t i = 0; i < task.checks.size(); ++i) {
    CheckOutcome c;
    c.index = i;
    c.description = task.checks[i].description;
    c.host = task.checks[i].host;
    g.checks.push_back(std::move(c));
  }
  score_from_runs(task, session, graded, g);
  if (g.opened_at && g.first_passed_at) {
    auto d = std::chrono::duration_cast<std::chrono::seconds>(*g.first_passed_at - *g.opened_at);
    g.time_to_resolve = std::max(d, std::chrono::seconds{0});
  }
  if (task.sla.count() > 0 && g.opened_at) {
    if (g.time_to_resolve) {
      g.sla_breached = *g.time_to_resolve > task.sla;
    } else {
      g.sla_breached = effective_now - *g.opened_at > task.sla;
    }
  }
  g.points_earned = g.computed_points;
  g.graded_status = g.status;
  if (auto it = applied.find(task.id); it != applied.end()) {
    g.override = *it->second;
    g.points_earned = it->second->points;
    g.graded_status = status_of_points(g.points_earned, g.points_possible);
  }
  return g;
}

// Annotations on the candidate (no task) or on one of the tasks.
Status attach_annotations(const CandidateInput& in, CandidateGrade& out) {
  for (const auto& a : in.annotations) {
    if (!a.candidate.empty() && a.candidate != in.candidate) {
      return invalid("annotation belongs to candidate \"" + a.candidate + "\"");
    }
    if (a.task_id.empty()) {
      out.annotations.push_back(a);
      continue;
    }
    auto it = std::find_if(out.tasks.begin(), out.tasks.end(),
                           [&](const TaskGrade& t) { return t.task_id == a.task_id; });
    if (it == out.tasks.end())
      return invalid("annotation names unknown task \"" + a.task_id + "\"");
    it->annotations.push_back(a);
  }
  return ok_status();
}

// Roll-up: per competency code (sorted), then overall.
void roll_up(const LabSpec& lab, const CompetencyCatalog& catalog, CandidateGrade& out) {
  std::map<std::string, CompetencyScore> by_code;
  for (std::size_t i = 0; i < lab.tasks.size(); ++i) {
    const auto& task = lab.tasks[i];
    const auto& g = out.tasks[i];
    out.points_earned += g.points_earned;
    out.points_possible += g.points_possible;
    for (const auto& code : task.competencies) {
      auto& s = by_code[code];
      s.code = code;
      s.points_earned += g.points_earned;
      s.points_possible += g.points_possible;
      s.task_ids.push_back(task.id);
    }
  }
  for (auto& [code, s] : by_code) {
    s.name = catalog.name(code);
    s.percentage = s.points_possible > 0 ? 100.0 * s.points_earned / s.points_possible : 0.0;
    out.competencies.push_back(std::move(s));
  }
  out.percentage = out.points_possible > 0 ? 100.0 * out.points_earned / out.points_possible : 0.0;
}

Result<CandidateGrade> grade_candidate(const SessionInput& session, const CandidateInput& in,
                                       const CompetencyCatalog& catalog, TimePoint now,
                                       std::set<std::string>& run_ids) {
  const LabSpec& lab = session.lab;
  ATELIER_RETURN_IF_ERROR(validate_runs(in, lab, run_ids));

  CandidateGrade out;
  out.candidate = in.candidate;
  out.handed_over_at = in.handed_over_at;
  const std::vector<const CheckRun*> graded = graded_runs(session, in, out);
  out.runs_graded = graded.size();
  if (!graded.empty()) out.last_run_at = graded.back()->started_at;
  const TimePoint effective_now = session.frozen ? std::min(now, session.frozen->at) : now;

  auto applied = applied_overrides(session, in, out);
  if (!applied.ok()) return std::move(applied).error();
  for (const auto& task : lab.tasks) {
    out.tasks.push_back(grade_task(task, session, in, graded, effective_now, applied.value()));
  }
  ATELIER_RETURN_IF_ERROR(attach_annotations(in, out));
  roll_up(lab, catalog, out);
  return out;
}

}  // namespace

LabSpec lab_spec_from_lab(const lab::Lab& lab) {
  LabSpec spec;
  spec.id = lab.id;
  spec.title = lab.title;
  for (const auto& t : lab.tasks) {
    TaskSpec ts;
    ts.id = t.id;
    ts.title = t.ticket.title;
    ts.priority = t.ticket.priority;
    ts.sla = t.ticket.sla;
    ts.has_ticket = !t.ticket.title.fr.empty() || !t.ticket.title.en.empty();
    ts.points = t.points;
    ts.competencies = t.competencies;
    for (const auto& c : t.checks) {
      CheckSpecSummary s;
      s.host = c.on;
      s.kind = checks::kind_name(c.kind);
      s.description =
          c.description.empty() ? s.kind + (c.on.empty() ? "" : " on " + c.on) : c.description;
      ts.checks.push_back(std::move(s));
    }
    spec.tasks.push_back(std::move(ts));
  }
  return spec;
}

GradingPolicy policy_from_lab(const lab::Lab& lab) {
  GradingPolicy policy;
  for (const auto& t : lab.tasks) {
    policy.task_modes[t.id] =
        t.scoring == lab::Scoring::kPartial ? ScoringMode::kPartial : ScoringMode::kAll;
  }
  return policy;
}

std::vector<CheckRun> runs_from_results(std::vector<CheckResult> results) {
  std::map<std::pair<std::string, std::string>, CheckRun> by_run;
  for (auto& r : results) {
    if (r.run_id.empty()) r.run_id = r.result_id;
    auto [it, fresh] = by_run.try_emplace({r.candidate, r.run_id});
    CheckRun& run = it->second;
    if (fresh) {
      run.run_id = r.run_id;
      run.session = r.session;
      run.candidate = r.candidate;
      run.run_by = r.run_by;
      // Results stored before runs recorded who started them count as scheduled, as before.
      run.trigger = r.run_by.empty() || r.run_by == kScheduledRunActor ? RunTrigger::kScheduled
                                                                       : RunTrigger::kOnDemand;
      run.started_at = r.started_at;
      run.finished_at = r.finished_at;
    } else {
      run.started_at = std::min(run.started_at, r.started_at);
      run.finished_at = std::max(run.finished_at, r.finished_at);
    }
    run.results.push_back(std::move(r));
  }
  std::vector<CheckRun> out;
  for (auto& [key, run] : by_run) {
    std::sort(
        run.results.begin(), run.results.end(), [](const CheckResult& a, const CheckResult& b) {
          return a.task_id != b.task_id ? a.task_id < b.task_id : a.check_index < b.check_index;
        });
    out.push_back(std::move(run));
  }
  std::stable_sort(out.begin(), out.end(), [](const CheckRun& a, const CheckRun& b) {
    return a.started_at != b.started_at ? a.started_at < b.started_at : a.run_id < b.run_id;
  });
  return out;
}

Status validate_override(const Override& o, const LabSpec& lab,
                         const std::optional<Freeze>& frozen) {
  if (frozen) {
    return Error(ErrorCode::kFailedPrecondition, "the session's results were frozen at " +
                                                     format_time(frozen->at) + " by " +
                                                     frozen->who + "; they no longer change");
  }
  return validate_override_content(o, lab);
}

Result<SessionGrades> grade_session(const SessionInput& input, const CompetencyCatalog& catalog,
                                    TimePoint now) {
  SessionGrades out;
  out.session = input.session;
  out.lab = input.lab;
  out.policy = input.policy;
  out.computed_at = now;
  out.frozen = input.frozen;
  std::set<std::string> candidates;
  std::set<std::string> run_ids;
  for (const auto& c : input.candidates) {
    if (!candidates.insert(c.candidate).second) {
      return invalid("candidate \"" + c.candidate + "\" appears twice")
          .context("grade session " + input.session);
    }
    auto g = grade_candidate(input, c, catalog, now, run_ids);
    if (!g) {
      return std::move(g)
          .error()
          .context("grade candidate " + c.candidate)
          .context("grade session " + input.session);
    }
    out.candidates.push_back(std::move(g).value());
  }
  return out;
}

std::string format_points(double points) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::round(points * 100.0) / 100.0);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string format_duration(std::chrono::seconds d) {
  const bool negative = d.count() < 0;
  long long total = negative ? -d.count() : d.count();
  long long h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  char buf[64];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", h, m, s);
  } else if (m > 0) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", s);
  }
  return (negative ? "-" : "") + std::string(buf);
}

std::string format_time(TimePoint t) {
  std::time_t tt = Clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace atelier::grading
