// The evaluator's pages (/evaluator/...): the grading grid, a cell (candidate x task), the
// competency sheet, export downloads, and the override / annotate / freeze forms. Access is the
// role table's (evaluators and trainers, never candidates); reads grade the store's results
// as the JSON API does, and every form goes through ResultsApi (results_api.h), not a copy.
// State-changing forms must carry the CSRF token of the atelier_csrf cookie (double submit);
// without it they answer 400 ("the form expired"), distinct from the role table's 403.
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "controller/api/handlers.h"
#include "controller/api/results_api.h"
#include "controller/api/web_http.h"
#include "controller/console/recordings.h"
#include "controller/grading/grade.h"
#include "controller/web/grid_pages.h"
#include "controller/web/html.h"

namespace atelier::api {
namespace json = boost::json;
namespace {

std::string pick(web::Lang l, const lab::Text& t) {
  return l == web::Lang::kEn && !t.en.empty() ? t.en : t.fr;
}

// The page's CSRF token: the cookie's when valid, else a new one (set by html_page).
std::string csrf_of(const HttpRequest& r) {
  std::string c = request_cookie(r, kCsrfCookieName);
  return is_cookie_secret(c) ? c : random_hex_string(32);
}

// An HTML answer with the same security headers as the candidate's pages; remembers the CSRF
// token and a ?lang= choice in cookies.
HttpResponse html_page(const HandlerContext& ctx, int status, std::string body,
                       const std::string& csrf, PageScripts scripts = PageScripts::kFilesOnly) {
  HttpResponse r = html_response(status, std::move(body), scripts);
  if (!csrf.empty() && request_cookie(ctx.request, kCsrfCookieName) != csrf) {
    r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookieName, csrf, 43200));
  }
  remember_lang(ctx, r);
  return r;
}

const grading::CompetencyCatalog& catalog() {
  static const grading::CompetencyCatalog kCatalog = [] {
    auto c = grading::builtin_competency_catalog();
    return c.ok() ? std::move(c).value() : grading::CompetencyCatalog{};
  }();
  return kCatalog;
}

struct Graded {
  grading::SessionInput input;
  grading::SessionGrades grades;
};

Result<Graded> graded(const HandlerContext& ctx, std::optional<std::string_view> candidate) {
  auto input = load_session_input(ctx.store, ctx.sessions, ctx.route.session, candidate);
  if (!input.ok()) return std::move(input).error();
  auto grades = grading::grade_session(*input, catalog(), ctx.sessions.now());
  if (!grades.ok()) return Error(ErrorCode::kInternal, grades.error().to_string());
  return Graded{std::move(input).value(), std::move(grades).value()};
}

web::Verdict verdict(grading::TaskStatus s) {
  switch (s) {
    case grading::TaskStatus::kPassed:
      return web::Verdict::kPassed;
    case grading::TaskStatus::kPartial:
      return web::Verdict::kPartial;
    case grading::TaskStatus::kFailed:
      return web::Verdict::kFailed;
    case grading::TaskStatus::kNotRun:
      return web::Verdict::kNotRun;
  }
  return web::Verdict::kNotRun;
}

// What a task's grade says: its checks' status, or the verdict of the points an evaluator set.
web::Verdict verdict(const grading::TaskGrade& t) {
  return verdict(t.graded_status);
}

web::Verdict verdict(std::optional<grading::CheckStatus> s) {
  if (!s) return web::Verdict::kNotRun;
  if (*s == grading::CheckStatus::kPass) return web::Verdict::kPassed;
  return *s == grading::CheckStatus::kFail ? web::Verdict::kFailed : web::Verdict::kError;
}

std::string of(double earned, int possible) {
  return grading::format_points(earned) + "/" + std::to_string(possible);
}

std::string base(const HandlerContext& ctx) {
  return "/evaluator/sessions/" + ctx.route.session;
}
std::string cell_url(const HandlerContext& ctx, const std::string& c, const std::string& t) {
  return base(ctx) + "/candidates/" + c + "/tasks/" + t;
}
std::string sheet_url(const HandlerContext& ctx, const std::string& c) {
  return base(ctx) + "/candidates/" + c + "/sheet";
}

web::GridPage grid_page(const HandlerContext& ctx, const grading::SessionGrades& g, web::Lang l) {
  web::GridPage p;
  p.lang = l;
  p.session = g.session;
  p.lab_title = pick(l, g.lab.title);
  p.computed_at = grading::format_time(g.computed_at);
  if (g.frozen) {
    p.frozen_at = grading::format_time(g.frozen->at);
    p.frozen_by = g.frozen->who;
  }
  for (const auto& t : g.lab.tasks)
    p.tasks.push_back({t.id, pick(l, t.title), std::to_string(t.points)});
  for (const auto& c : g.candidates) {
    web::GridRow row{c.candidate,     {},           of(c.points_earned, c.points_possible),
                     c.points_earned, c.percentage, sheet_url(ctx, c.candidate)};
    for (const auto& t : g.lab.tasks) {
      const grading::TaskGrade* tg = c.task(t.id);
      if (tg == nullptr) {
        row.cells.push_back({web::Verdict::kNotRun, of(0, t.points), 0, false, false, "",
                             cell_url(ctx, c.candidate, t.id), false});
        continue;
      }
      row.cells.push_back(
          {verdict(*tg), of(tg->points_earned, tg->points_possible), tg->points_earned,
           tg->override.has_value(), tg->sla_breached,
           tg->time_to_resolve ? grading::format_duration(*tg->time_to_resolve) : "",
           cell_url(ctx, c.candidate, t.id), tg->tampered});
    }
    p.rows.push_back(std::move(row));
  }
  p.self_url = base(ctx);
  p.export_base = base(ctx) + "/export/";
  p.freeze_url = base(ctx) + "/freeze";
  return p;
}

// The runs of `task` for one candidate, oldest first, with this task's share of each.
std::vector<web::RunView> run_views(const grading::CandidateInput& in,
                                    const grading::CandidateGrade& g, const grading::TaskSpec& task,
                                    web::Lang l) {
  std::vector<web::RunView> out;
  for (const auto& run : in.runs) {
    std::size_t passed = 0, seen = 0;
    for (const auto& r : run.results) {
      if (r.task_id != task.id) continue;
      ++seen;
      passed += r.status == grading::CheckStatus::kPass && r.integrity.empty() ? 1 : 0;
    }
    if (seen == 0) continue;
    std::string ignored;
    for (const auto& i : g.ignored_runs) {
      if (i.run_id != run.run_id) continue;
      ignored = web::message(l, i.reason == grading::IgnoredReason::kBeforeHandOver
                                    ? "cell.ignored_before"
                                    : "cell.ignored_after");
    }
    out.push_back({run.run_id, grading::format_time(run.started_at),
                   run.trigger == grading::RunTrigger::kScheduled, run.run_by,
                   std::to_string(passed) + "/" + std::to_string(task.checks.size()), ignored});
  }
  return out;
}

// The candidate's console recordings (every host), each set to start at the ticket's opening.
std::vector<web::RecordingView> recording_views(const HandlerContext& ctx,
                                                const grading::CandidateInput& in) {
  std::vector<web::RecordingView> out;
  for (const auto& f :
       console::list_recordings(ctx.options.web.recordings_dir, ctx.route.session, in.candidate)) {
    web::PlayerStart start = web::player_start(in.handed_over_at, f.started_at);
    out.push_back(
        {f.name.host, f.name.connection, grading::format_time(f.started_at), f.bytes,
         "/sessions/" + ctx.route.session + "/candidates/" + in.candidate + "/recordings/" + f.file,
         start.seconds, start.why,
         in.handed_over_at ? grading::format_time(*in.handed_over_at) : ""});
  }
  return out;
}

// Whether asciinema-player is installed where /assets/player/ serves it from.
bool player_installed(const HandlerContext& ctx) {
  std::error_code ec;
  return std::filesystem::is_regular_file(ctx.options.web.player_dir / "asciinema-player.min.js",
                                          ec);
}

Result<web::CellPage> cell_page(const HandlerContext& ctx, const Graded& gd,
                                const std::string& task_id, web::Lang l) {
  const auto& g = gd.grades;
  const grading::CandidateGrade* c = g.candidate(ctx.route.candidate);
  const grading::TaskSpec* spec = g.lab.task(task_id);
  const grading::TaskGrade* t = c ? c->task(task_id) : nullptr;
  if (c == nullptr || spec == nullptr || t == nullptr || gd.input.candidates.empty()) {
    return Error(ErrorCode::kNotFound,
                 "no task \"" + task_id + "\" for candidate " + ctx.route.candidate);
  }
  web::CellPage p;
  p.lang = l;
  p.session = g.session;
  p.candidate = c->candidate;
  p.task_id = task_id;
  p.task_title = pick(l, t->title);
  p.verdict = verdict(*t);
  p.points = of(t->points_earned, t->points_possible);
  p.possible = std::to_string(t->points_possible);
  p.sla_breached = t->sla_breached;
  if (t->sla.count() > 0) p.sla = grading::format_duration(t->sla);
  if (t->time_to_resolve) p.time_to_resolve = grading::format_duration(*t->time_to_resolve);
  if (g.frozen) p.frozen_at = grading::format_time(g.frozen->at);
  for (const auto& k : t->checks) {
    p.checks.push_back({k.description, k.host, verdict(k.status), k.expected, k.observed,
                        k.finished_at ? grading::format_time(*k.finished_at) : "", k.integrity});
  }
  p.runs = run_views(gd.input.candidates.front(), *c, *spec, l);
  for (const auto& o : gd.input.candidates.front().overrides) {
    if (o.task_id != task_id) continue;
    p.overrides.push_back({grading::format_points(o.points) + "/" + p.possible, o.justification,
                           o.who, grading::format_time(o.when), t->override && *t->override == o});
    if (p.overrides.back().applied) p.applied = p.overrides.back();
  }
  for (const auto& a : t->annotations)
    p.notes.push_back({a.text, a.who, grading::format_time(a.when), a.result_id});
  p.override_url = base(ctx) + "/overrides";
  p.annotate_url = base(ctx) + "/annotations";
  p.freeze_url = base(ctx) + "/freeze";
  p.grid_url = base(ctx);
  p.sheet_url = sheet_url(ctx, c->candidate);
  p.recordings = recording_views(ctx, gd.input.candidates.front());
  p.player = player_installed(ctx);
  return p;
}

HttpResponse render_cell_response(const HandlerContext& ctx, const std::string& task, int status,
                                  const std::string& error,
                                  const std::map<std::string, std::string>& typed) {
  auto gd = graded(ctx, std::string_view(ctx.route.candidate));
  if (!gd.ok()) return error_response(gd.error());
  web::Lang l = lang_of(ctx.request);
  auto page = cell_page(ctx, *gd, task, l);
  if (!page.ok()) return error_response(page.error());
  page->csrf_token = csrf_of(ctx.request);
  page->error = error;
  if (auto it = typed.find("points"); it != typed.end()) page->points_value = it->second;
  if (auto it = typed.find("justification"); it != typed.end())
    page->justification_value = it->second;
  // The players' terminal is WebAssembly: only a page that loads them may compile it.
  const PageScripts scripts = page->player && !page->recordings.empty() ? PageScripts::kFilesAndWasm
                                                                        : PageScripts::kFilesOnly;
  return html_page(ctx, status, web::render_cell(*page), page->csrf_token, scripts);
}

// Whether the form carries the CSRF token of its page (double submit).
bool csrf_ok(const HttpRequest& r, const std::map<std::string, std::string>& f) {
  std::string c = request_cookie(r, kCsrfCookieName);
  auto it = f.find("csrf");
  return is_cookie_secret(c) && it != f.end() && sessions::digests_equal(it->second, c);
}

HttpResponse csrf_refused(const HandlerContext& ctx) {
  web::Lang l = lang_of(ctx.request);
  std::string body =
      "<!DOCTYPE html>\n<html lang=\"" + std::string(l == web::Lang::kFr ? "fr" : "en") +
      "\"><head><meta charset=\"utf-8\"><title>403</title><link rel=\"stylesheet\" "
      "href=\"/assets/atelier.css\"></head><body><main><p class=\"error\" role=\"alert\">" +
      web::escape_html(web::message(l, "web.expired_form")) + "</p><p><a href=\"" +
      web::escape_html(base(ctx)) + "\">" + web::escape_html(web::message(l, "cell.back")) +
      "</a></p></main></body></html>\n";
  return html_page(ctx, 400, std::move(body), "");
}

// The message of a JSON API error answer.
std::string api_message(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return r.body;
  const auto& e = v.at("error");
  return e.is_object() && e.as_object().contains("message")
             ? std::string(e.at("message").as_string())
             : r.body;
}

std::string field(const std::map<std::string, std::string>& f, const std::string& k) {
  auto it = f.find(k);
  return it == f.end() ? "" : it->second;
}

bool safe_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

HttpResponse handle_evaluator_grid(const HandlerContext& ctx) {
  auto gd = graded(ctx, std::nullopt);
  if (!gd.ok()) return error_response(gd.error());
  web::Lang l = lang_of(ctx.request);
  web::GridPage p = grid_page(ctx, gd->grades, l);
  auto q = query_fields(ctx.request);
  web::sort_grid(p, q.count("sort") ? q["sort"] : "candidate", q["dir"] == "desc");
  p.csrf_token = csrf_of(ctx.request);
  return html_page(ctx, 200, web::render_grid(p), p.csrf_token);
}

HttpResponse handle_evaluator_cell(const HandlerContext& ctx) {
  // The task id travels in the route's {action} placeholder (roles.cpp).
  return render_cell_response(ctx, ctx.route.action, 200, "", {});
}

HttpResponse handle_evaluator_sheet(const HandlerContext& ctx) {
  auto gd = graded(ctx, std::string_view(ctx.route.candidate));
  if (!gd.ok()) return error_response(gd.error());
  const grading::CandidateGrade* c = gd->grades.candidate(ctx.route.candidate);
  if (c == nullptr) return json_error(404, "not_found", "no candidate " + ctx.route.candidate);
  web::Lang l = lang_of(ctx.request);
  web::SheetPage p;
  p.lang = l;
  p.session = gd->grades.session;
  p.candidate = c->candidate;
  p.lab_title = pick(l, gd->grades.lab.title);
  p.total = of(c->points_earned, c->points_possible);
  p.percentage = c->percentage;
  if (gd->grades.frozen) p.frozen_at = grading::format_time(gd->grades.frozen->at);
  for (const auto& s : c->competencies) {
    p.bars.push_back(
        {s.code, pick(l, s.name), of(s.points_earned, s.points_possible), s.percentage});
  }
  for (const auto& t : c->tasks) {
    p.tasks.push_back(
        {t.task_id, pick(l, t.title), verdict(t), of(t.points_earned, t.points_possible)});
  }
  p.grid_url = base(ctx);
  return html_page(ctx, 200, web::render_sheet(p), "");
}

HttpResponse handle_evaluator_export(const HandlerContext& ctx) {
  static const std::map<std::string, std::string> kExtension = {
      {"csv", "csv"}, {"json", "json"}, {"junit", "xml"}, {"html", "html"}};
  auto ext = kExtension.find(ctx.route.action);
  if (ext == kExtension.end()) {
    return json_error(404, "not_found",
                      "no export \"" + ctx.route.action + "\"; expected csv, json, junit or html");
  }
  auto q = query_fields(ctx.request);
  std::string target = "/?format=" + ctx.route.action +
                       "&lang=" + (lang_of(ctx.request) == web::Lang::kEn ? "en" : "fr");
  std::string candidate = q["candidate"];
  if (!candidate.empty()) {
    if (!safe_name(candidate)) return json_error(404, "not_found", "no such candidate");
    target += "&candidate=" + candidate;
  }
  if (q["bom"] == "1") target += "&bom=1";
  Route whole = ctx.route;
  whole.candidate.clear();
  HttpResponse r = ResultsApi(ctx.store, ctx.sessions).export_results(whole, *ctx.token, target);
  if (r.status == 200) {
    std::string name = "atelier-" +
                       (safe_name(ctx.route.session) ? ctx.route.session : std::string("session")) +
                       (candidate.empty() ? "" : "-" + candidate) + "." + ext->second;
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  return r;
}

HttpResponse handle_evaluator_override(const HandlerContext& ctx) {
  auto f = form_fields(ctx.request);
  if (!csrf_ok(ctx.request, f)) return csrf_refused(ctx);
  Route route = ctx.route;
  route.candidate = field(f, "candidate");
  std::string task = field(f, "task");
  if (!safe_name(route.candidate) || !safe_name(task))
    return json_error(400, "invalid_argument", "candidate and task are required");
  HandlerContext cell_ctx{ctx.request,  route,       ctx.token, ctx.actor,          ctx.store,
                          ctx.sessions, ctx.options, ctx.web,   ctx.response_counts};
  web::Lang l = lang_of(ctx.request);
  const std::string points_text = field(f, "points");
  char* end = nullptr;
  double points = std::strtod(points_text.c_str(), &end);
  if (points_text.empty() || end == nullptr || *end != '\0') {
    return render_cell_response(cell_ctx, task, 400, web::message(l, "cell.bad_points"), f);
  }
  json::object body{{"candidate", route.candidate},
                    {"task", task},
                    {"points", points},
                    {"justification", field(f, "justification")}};
  HttpResponse r = ResultsApi(ctx.store, ctx.sessions)
                       .override_score(ctx.route, *ctx.token, json::serialize(body));
  if (r.status == 201) return see_other(cell_url(ctx, route.candidate, task));
  // The API decided; the page says why in the reader's language where it can.
  std::string j = field(f, "justification");
  bool blank =
      std::all_of(j.begin(), j.end(), [](unsigned char c) { return std::isspace(c) != 0; });
  std::string why = r.status == 400 && blank
                        ? web::message(l, "cell.need_justification")
                        : web::message(l, "cell.refused") + " " + api_message(r);
  return render_cell_response(cell_ctx, task, r.status, why, f);
}

HttpResponse handle_evaluator_annotate(const HandlerContext& ctx) {
  auto f = form_fields(ctx.request);
  if (!csrf_ok(ctx.request, f)) return csrf_refused(ctx);
  std::string candidate = field(f, "candidate"), task = field(f, "task");
  if (!safe_name(candidate) || !safe_name(task))
    return json_error(400, "invalid_argument", "candidate and task are required");
  json::object body{{"candidate", candidate}, {"task", task}, {"text", field(f, "text")}};
  HttpResponse r =
      ResultsApi(ctx.store, ctx.sessions).annotate(ctx.route, *ctx.token, json::serialize(body));
  if (r.status == 201) return see_other(cell_url(ctx, candidate, task));
  Route for_cell = ctx.route;
  for_cell.candidate = candidate;
  HandlerContext cell_ctx{ctx.request,  for_cell,    ctx.token, ctx.actor,          ctx.store,
                          ctx.sessions, ctx.options, ctx.web,   ctx.response_counts};
  web::Lang l = lang_of(ctx.request);
  return render_cell_response(cell_ctx, task, r.status,
                              web::message(l, "cell.refused") + " " + api_message(r), {});
}

HttpResponse handle_evaluator_freeze(const HandlerContext& ctx) {
  auto f = form_fields(ctx.request);
  if (!csrf_ok(ctx.request, f)) return csrf_refused(ctx);
  HttpResponse r = ResultsApi(ctx.store, ctx.sessions).collect(ctx.route, *ctx.token, "");
  if (r.status != 200) return r;
  return see_other(base(ctx));
}

}  // namespace atelier::api
