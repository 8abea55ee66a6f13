// The HTML export (export.h's render_html): a candidate's printable sheet, or the whole session's,
// built as text with escaping at every field. Its labels in French and English are here too.
#include <string>

#include "controller/grading/export.h"
#include "controller/grading/export_parts.h"
#include "controller/grading/grade.h"

namespace atelier::grading {
namespace {

using detail::join;
using detail::percent;
using detail::pick;
using detail::selected;

// ---- HTML labels ----------------------------------------------------------------------------

struct Labels {
  const char* lang;
  const char* report;
  const char* session;
  const char* lab;
  const char* candidate;
  const char* computed_at;
  const char* frozen_at;
  const char* not_frozen;
  const char* handed_over;
  const char* not_handed_over;
  const char* overall;
  const char* points;
  const char* competencies;
  const char* code;
  const char* competency;
  const char* tasks;
  const char* tickets;
  const char* task;
  const char* title;
  const char* priority;
  const char* status;
  const char* time_to_resolve;
  const char* sla;
  const char* breached;
  const char* within;
  const char* none;
  const char* unresolved;
  const char* checks;
  const char* host;
  const char* expected;
  const char* observed;
  const char* override_title;
  const char* computed;
  const char* by;
  const char* justification;
  const char* annotations;
  const char* not_graded;
  const char* runs_graded;
  const char* last_run;
  const char* reason;
  const char* regressed;
  const char* first_passed;
  const char* never_run;
  const char* tampered;
};

constexpr Labels kFr{"fr",
                     "Rapport d'évaluation",
                     "Session",
                     "Atelier",
                     "Candidat",
                     "Calculé le",
                     "Résultats figés le",
                     "Résultats non figés (provisoires)",
                     "Remis au candidat le",
                     "Pas encore remis",
                     "Total",
                     "Points",
                     "Compétences",
                     "Code",
                     "Compétence",
                     "Tâches",
                     "Tickets",
                     "Tâche",
                     "Titre",
                     "Priorité",
                     "État",
                     "Délai de résolution",
                     "SLA",
                     "dépassé",
                     "respecté",
                     "aucun",
                     "non résolu",
                     "Vérifications",
                     "Hôte",
                     "Attendu",
                     "Observé",
                     "Note modifiée par l'évaluateur",
                     "calculé",
                     "par",
                     "Justification",
                     "Annotations",
                     "Passages non comptés",
                     "Passages comptés",
                     "Dernier passage",
                     "Raison",
                     "réussie puis perdue",
                     "Première réussite",
                     "jamais exécutée",
                     "Falsification détectée (résultat non compté)"};
constexpr Labels kEn{"en",
                     "Assessment report",
                     "Session",
                     "Lab",
                     "Candidate",
                     "Computed at",
                     "Results frozen at",
                     "Results not frozen (provisional)",
                     "Handed over at",
                     "Not handed over yet",
                     "Overall",
                     "Points",
                     "Competencies",
                     "Code",
                     "Competency",
                     "Tasks",
                     "Tickets",
                     "Task",
                     "Title",
                     "Priority",
                     "Status",
                     "Time to resolve",
                     "SLA",
                     "breached",
                     "met",
                     "none",
                     "unresolved",
                     "Checks",
                     "Host",
                     "Expected",
                     "Observed",
                     "Score overridden by an evaluator",
                     "computed",
                     "by",
                     "Justification",
                     "Annotations",
                     "Runs not graded",
                     "Runs graded",
                     "Last run",
                     "Reason",
                     "passed, then lost",
                     "First passed",
                     "never run",
                     "Tampering detected (result not counted)"};

std::string status_label(TaskStatus s, Language lang) {
  if (lang == Language::kEn) return std::string(to_string(s));
  switch (s) {
    case TaskStatus::kPassed:
      return "réussie";
    case TaskStatus::kFailed:
      return "échouée";
    case TaskStatus::kPartial:
      return "partielle";
    case TaskStatus::kNotRun:
      return "non évaluée";
  }
  return "?";
}

std::string check_label(const std::optional<CheckStatus>& s, const Labels& l, Language lang) {
  if (!s) return l.never_run;
  if (lang == Language::kEn) return std::string(to_string(*s));
  switch (*s) {
    case CheckStatus::kPass:
      return "réussie";
    case CheckStatus::kFail:
      return "échouée";
    case CheckStatus::kError:
      return "erreur";
  }
  return "?";
}

constexpr const char* kCss = R"css(
:root { --ok: #1b7f3b; --ko: #b3261e; --part: #9a6700; --muted: #5f6368; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 11pt; color: #202124;
       margin: 2em auto; max-width: 60em; padding: 0 1em; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; border-bottom: 2px solid #202124; padding-bottom: .15em; margin-top: 1.6em; }
h3 { font-size: 11.5pt; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { border: 1px solid #c4c7c5; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #f1f3f4; }
td.num, th.num { text-align: right; white-space: nowrap; }
.meta td:first-child { width: 14em; color: var(--muted); }
.passed, .pass { color: var(--ok); font-weight: bold; }
.failed, .fail, .error, .breached { color: var(--ko); font-weight: bold; }
.partial { color: var(--part); font-weight: bold; }
.not_run, .muted { color: var(--muted); }
.evidence { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; white-space: pre-wrap; word-break: break-word; }
.override { border-left: 4px solid var(--part); background: #fef7e0; padding: .4em .7em; margin: .4em 0; }
.note { border-left: 4px solid #1a73e8; background: #e8f0fe; padding: .3em .7em; margin: .3em 0; }
.bar { display: inline-block; height: .7em; background: #1a73e8; vertical-align: middle; }
.task { break-inside: avoid; page-break-inside: avoid; }
.sheet + .sheet { break-before: page; page-break-before: always; margin-top: 2.5em; }
.frozen { color: var(--ok); } .provisional { color: var(--part); }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .bar, .override, .note { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

// A candidate's sheet, first half: who, which lab, the overall score, the competency roll-up
// and the tickets. Appended to h.
void html_sheet_summary(std::string& h, const SessionGrades& grades, const CandidateGrade& c,
                        Language lang) {
  const Labels& l = lang == Language::kFr ? kFr : kEn;
  auto e = [](std::string_view s) { return escape_html(s); };
  h += "<h1>" + e(l.report) + "</h1>\n";
  h += "<table class=\"meta\">\n";
  auto meta = [&](const char* k, const std::string& v) {
    h += "<tr><td>" + e(k) + "</td><td>" + v + "</td></tr>\n";
  };
  meta(l.candidate, "<strong>" + e(c.candidate) + "</strong>");
  meta(l.lab, e(pick(grades.lab.title, lang)) + " <span class=\"muted\">(" + e(grades.lab.id) +
                  ")</span>");
  meta(l.session, e(grades.session));
  meta(l.handed_over, c.handed_over_at ? e(format_time(*c.handed_over_at)) : e(l.not_handed_over));
  meta(l.runs_graded,
       std::to_string(c.runs_graded) +
           (c.last_run_at ? " — " + e(l.last_run) + " " + e(format_time(*c.last_run_at)) : ""));
  meta(l.computed_at, e(format_time(grades.computed_at)));
  if (grades.frozen) {
    meta(l.frozen_at, "<span class=\"frozen\">" + e(format_time(grades.frozen->at)) + "</span> (" +
                          e(l.by) + " " + e(grades.frozen->who) + ")");
  } else {
    meta(l.status, std::string("<span class=\"provisional\">") + e(l.not_frozen) + "</span>");
  }
  meta(l.overall, "<strong>" + e(format_points(c.points_earned)) + " / " +
                      std::to_string(c.points_possible) + "</strong> (" + percent(c.percentage) +
                      " %)");
  h += "</table>\n";

  // Competency roll-up.
  h += "<h2>" + e(l.competencies) + "</h2>\n<table>\n<tr><th>" + e(l.code) + "</th><th>" +
       e(l.competency) + "</th><th>" + e(l.tasks) + "</th><th class=\"num\">" + e(l.points) +
       "</th><th class=\"num\">%</th><th></th></tr>\n";
  for (const auto& s : c.competencies) {
    char width[32];
    std::snprintf(width, sizeof width, "%.1f", s.percentage);
    h += "<tr><td>" + e(s.code) + "</td><td>" + e(pick(s.name, lang)) + "</td><td>" +
         e(join(s.task_ids, ", ")) + "</td><td class=\"num\">" + e(format_points(s.points_earned)) +
         " / " + std::to_string(s.points_possible) + "</td><td class=\"num\">" +
         percent(s.percentage) +
         "</td><td style=\"width:8em\"><span class=\"bar\" style=\"width:" + width +
         "%\"></span></td></tr>\n";
  }
  h += "</table>\n";

  // Tickets.
  h += "<h2>" + e(l.tickets) + "</h2>\n<table>\n<tr><th>" + e(l.task) + "</th><th>" + e(l.title) +
       "</th><th>" + e(l.priority) + "</th><th>" + e(l.status) + "</th><th class=\"num\">" +
       e(l.points) + "</th><th>" + e(l.time_to_resolve) + "</th><th>" + e(l.sla) + "</th></tr>\n";
  for (const auto& t : c.tasks) {
    const TaskSpec* spec = grades.lab.task(t.task_id);
    std::string ttr = t.time_to_resolve ? e(format_duration(*t.time_to_resolve))
                                        : "<span class=\"muted\">" + e(l.unresolved) + "</span>";
    std::string sla;
    if (t.sla.count() == 0) {
      sla = "<span class=\"muted\">" + e(l.none) + "</span>";
    } else {
      sla = e(format_duration(t.sla)) +
            (t.sla_breached ? " — <span class=\"breached\">" + e(l.breached) + "</span>"
                            : (t.time_to_resolve ? " — " + e(l.within) : std::string()));
    }
    h += "<tr><td>" + e(t.task_id) + "</td><td>" +
         e(pick(t.title == lab::Text{} && spec ? spec->title : t.title, lang)) + "</td><td>" +
         (spec ? e(lab::to_string(spec->priority)) : "") + "</td><td class=\"" +
         e(to_string(t.graded_status)) + "\">" + e(status_label(t.graded_status, lang)) +
         (t.override ? " *" : "") + "</td><td class=\"num\">" + e(format_points(t.points_earned)) +
         " / " + std::to_string(t.points_possible) + "</td><td>" + ttr + "</td><td>" + sla +
         "</td></tr>\n";
  }
  h += "</table>\n";
}

// A candidate's sheet, second half: each task's checks with their evidence, overrides and notes,
// the candidate's notes, the runs and overrides not graded. Appended to h.
void html_sheet_tasks(std::string& h, const SessionGrades& grades, const CandidateGrade& c,
                      Language lang) {
  const Labels& l = lang == Language::kFr ? kFr : kEn;
  auto e = [](std::string_view s) { return escape_html(s); };
  // Each task: checks with evidence, override, annotations.
  h += "<h2>" + e(l.tasks) + "</h2>\n";
  for (const auto& t : c.tasks) {
    const TaskSpec* spec = grades.lab.task(t.task_id);
    h += "<section class=\"task\">\n<h3>" + e(t.task_id) + " — " +
         e(pick(t.title == lab::Text{} && spec ? spec->title : t.title, lang)) + " <span class=\"" +
         e(to_string(t.graded_status)) + "\">(" + e(status_label(t.graded_status, lang)) +
         (t.override ? " *" : "") + ")</span></h3>\n";
    if (t.first_passed_at || t.regressed) {
      h += "<p class=\"muted\">";
      if (t.first_passed_at)
        h += e(l.first_passed) + std::string(": ") + e(format_time(*t.first_passed_at));
      if (t.regressed)
        h += std::string(" — <span class=\"breached\">") + e(l.regressed) + "</span>";
      h += "</p>\n";
    }
    h += "<table>\n<tr><th>#</th><th>" + e(l.checks) + "</th><th>" + e(l.host) + "</th><th>" +
         e(l.status) + "</th><th>" + e(l.expected) + "</th><th>" + e(l.observed) + "</th></tr>\n";
    for (const auto& chk : t.checks) {
      const std::string cls = chk.status ? std::string(to_string(*chk.status)) : "not_run";
      h += "<tr><td>" + std::to_string(chk.index) + "</td><td>" + e(chk.description) + "</td><td>" +
           e(chk.host) + "</td><td class=\"" + e(cls) + "\">" +
           e(check_label(chk.status, l, lang)) + "</td><td class=\"evidence\">" + e(chk.expected) +
           "</td><td class=\"evidence\">" + e(chk.observed) + "</td></tr>\n";
      if (!chk.integrity.empty()) {
        h += "<tr><td></td><td colspan=\"5\" class=\"breached\">" + e(l.tampered) + ": " +
             e(chk.integrity) + "</td></tr>\n";
      }
    }
    h += "</table>\n";
    if (t.override) {
      const auto& o = *t.override;
      h += "<div class=\"override\"><strong>" + e(l.override_title) +
           "</strong>: " + e(format_points(o.points)) + " / " + std::to_string(t.points_possible) +
           " (" + e(l.computed) + " " + e(format_points(t.computed_points)) + "), " + e(l.by) +
           " " + e(o.who) + ", " + e(format_time(o.when)) + "<br><em>" + e(l.justification) +
           ":</em> " + e(o.justification) + "</div>\n";
    }
    for (const auto& a : t.annotations) {
      h += "<div class=\"note\">" + e(a.text) + " <span class=\"muted\">— " + e(a.who) + ", " +
           e(format_time(a.when)) + "</span></div>\n";
    }
    h += "</section>\n";
  }

  if (!c.annotations.empty()) {
    h += "<h2>" + e(l.annotations) + "</h2>\n";
    for (const auto& a : c.annotations) {
      h += "<div class=\"note\">" + e(a.text) + " <span class=\"muted\">— " + e(a.who) + ", " +
           e(format_time(a.when)) + "</span></div>\n";
    }
  }
  if (!c.ignored_runs.empty() || !c.ignored_overrides.empty()) {
    h += "<h2>" + e(l.not_graded) + "</h2>\n<table>\n<tr><th>Run</th><th>Date</th><th>" +
         e(l.reason) + "</th></tr>\n";
    for (const auto& r : c.ignored_runs) {
      h += "<tr><td>" + e(r.run_id) + "</td><td>" + e(format_time(r.started_at)) + "</td><td>" +
           e(to_string(r.reason)) + "</td></tr>\n";
    }
    for (const auto& o : c.ignored_overrides) {
      h += "<tr><td>override " + e(o.value.task_id) + " (" + e(o.value.who) + ")</td><td>" +
           e(format_time(o.value.when)) + "</td><td>" + e(o.reason) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
}

}  // namespace

Result<std::string> render_html(const SessionGrades& grades, const ExportOptions& options) {
  auto cands = selected(grades, options);
  if (!cands) return std::move(cands).error().context("render HTML report");
  if (cands->empty()) {
    return Error(ErrorCode::kNotFound,
                 "session " + grades.session + " has no candidate to report on");
  }
  const Language lang = options.language;
  const Labels& l = lang == Language::kFr ? kFr : kEn;
  auto e = [](std::string_view s) { return escape_html(s); };
  // One candidate: their name in the title; the whole session: the session's id.
  const std::string who =
      options.candidate ? *options.candidate : l.session + std::string(" ") + grades.session;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"";
  h += l.lang;
  h += "\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
       "'unsafe-inline'\">\n";
  h += "<title>" + e(std::string(l.report) + " — " + who + " — " + pick(grades.lab.title, lang)) +
       "</title>\n";
  h += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  // Each sheet starts a new printed page (kCss: .sheet + .sheet).
  for (const CandidateGrade* c : *cands) {
    h += "<article class=\"sheet\" id=\"" + e("candidate-" + c->candidate) + "\">\n";
    html_sheet_summary(h, grades, *c, lang);
    html_sheet_tasks(h, grades, *c, lang);
    h += "</article>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace atelier::grading
