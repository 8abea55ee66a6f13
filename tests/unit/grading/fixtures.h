// Constructed labs and runs for the grading tests: a two-task lab (T1: 4 points, 2 checks,
// SLA 30 min, C03+C14; T2: 3 points, 3 checks, no SLA, C14+C09) and helpers to build runs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "controller/grading/model.h"

namespace atelier::grading::testing {

using namespace std::chrono_literals;

inline TimePoint at(std::chrono::seconds s) {
  // 2026-11-30T08:00:00Z plus s.
  return TimePoint{} + std::chrono::seconds{1796025600} + s;
}

inline LabSpec two_task_lab() {
  LabSpec lab;
  lab.id = "messagerie";
  lab.title = {"Intervenir sur un système de messagerie", "Work on an email system"};
  TaskSpec t1;
  t1.id = "T1";
  t1.title = {"Les mails n'arrivent plus", "Mail no longer arrives"};
  t1.priority = lab::Priority::kP2;
  t1.sla = 30min;
  t1.points = 4;
  t1.competencies = {"C03", "C14"};
  t1.checks = {{"mail", "service", "postfix running"},
               {"client", "smtp", "mail to bob@ reaches mail"}};
  TaskSpec t2;
  t2.id = "T2";
  t2.title = {"Créer la boîte « compta »", "Create the accounting mailbox"};
  t2.priority = lab::Priority::kP4;
  t2.points = 3;
  t2.competencies = {"C14", "C09"};
  t2.checks = {
      {"mail", "user", "user compta"}, {"mail", "file", "maildir"}, {"client", "imap", "login"}};
  lab.tasks = {t1, t2};
  return lab;
}

// A run of `candidate` at `when` with the given statuses for T1 and T2 ("pf" = pass, fail;
// "" = the run does not cover the task; 'e' = error).
inline CheckRun make_run(const std::string& candidate, const std::string& run_id, TimePoint when,
                         const std::string& t1, const std::string& t2) {
  CheckRun run;
  run.run_id = run_id;
  run.session = "s1";
  run.candidate = candidate;
  run.started_at = when;
  run.finished_at = when + 5s;
  auto add = [&](const std::string& task, const std::string& statuses) {
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      CheckResult r;
      r.result_id = run_id + "/" + task + "/" + std::to_string(i);
      r.session = "s1";
      r.candidate = candidate;
      r.task_id = task;
      r.check_index = i;
      r.status = statuses[i] == 'p'   ? CheckStatus::kPass
                 : statuses[i] == 'f' ? CheckStatus::kFail
                                      : CheckStatus::kError;
      r.expected = "state ok";
      r.observed = statuses[i] == 'p' ? "state ok" : "state broken";
      r.started_at = when;
      r.finished_at = when + 1s;
      r.run_id = run_id;
      run.results.push_back(r);
    }
  };
  add("T1", t1);
  add("T2", t2);
  return run;
}

}  // namespace atelier::grading::testing
