// The evaluators' endpoints (see results_api.h): the store and the session's lab become a
// grading::SessionInput, graded at the service's clock and rendered by controller/grading.
#include "controller/api/results_api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "controller/api/query_string.h"
#include "controller/api/staff_auth.h"
#include "controller/grading/export.h"
#include "controller/grading/grade.h"
#include "controller/grading/json.h"

namespace atelier::api {
namespace json = boost::json;
namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<json::object> parse_object(const std::string& body, bool empty_is_object = false) {
  if (empty_is_object &&
      std::all_of(body.begin(), body.end(), [](unsigned char c) { return std::isspace(c); })) {
    return json::object{};
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return invalid("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return invalid("the body must be a JSON object");
  return std::move(v.as_object());
}

Status check_fields(const json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    if (std::find(known.begin(), known.end(), std::string_view(kv.key())) != known.end()) continue;
    std::string list;
    for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return invalid("unknown field \"" + std::string(kv.key()) + "\"; expected: " + list);
  }
  return ok_status();
}

// A string field: "" when absent or null; kInvalidArgument when another type.
Result<std::string> string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string()) return invalid("\"" + std::string(key) + "\" must be a string");
  return std::string(it->value().as_string());
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

const grading::CompetencyCatalog& catalog() {
  // Parsed once: the compiled-in list does not change while the daemon runs.
  static const grading::CompetencyCatalog kCatalog = [] {
    auto c = grading::builtin_competency_catalog();
    return c.ok() ? std::move(c).value() : grading::CompetencyCatalog{};
  }();
  return kCatalog;
}

std::string_view content_type(grading::Format f) {
  switch (f) {
    case grading::Format::kCsv:
      return "text/csv; charset=utf-8";
    case grading::Format::kJson:
      return "application/json";
    case grading::Format::kJunit:
      return "application/xml; charset=utf-8";
    case grading::Format::kHtml:
      return "text/html; charset=utf-8";
    case grading::Format::kGrid:
      return "text/plain; charset=utf-8";
  }
  return "application/octet-stream";
}

}  // namespace

std::string who_of(const store::TokenRecord& token) {
  if (token.id.starts_with(kUserActorPrefix) && !token.label.empty()) return token.label;
  return token.label.empty() ? token.id : token.id + " (" + token.label + ")";
}

bool ResultsApi::wants_export(std::string_view target) {
  auto q = query_params(target);
  return !q.ok() || q->count("format") > 0;  // an unreadable query is reported by export_results
}

namespace {

// The stored results as grading's input, per candidate: rows of an unknown task or check (a lab
// edited since) or an unknown status are left out, and each (run, task, check) counts once.
std::map<std::string, std::vector<grading::CheckResult>> check_results_by_candidate(
    const grading::LabSpec& lab, const std::vector<store::ResultRecord>& results) {
  std::map<std::string, std::vector<grading::CheckResult>> results_by_candidate;
  std::set<std::tuple<std::string, std::string, std::string, int>>
      seen;  // candidate, run, task, check
  for (const auto& r : results) {
    const grading::TaskSpec* task = lab.task(r.task);
    auto status = grading::parse_check_status(r.status);
    if (task == nullptr || r.check_index < 0 ||
        static_cast<std::size_t>(r.check_index) >= task->checks.size() || !status) {
      continue;
    }
    const std::string run = r.run_id.empty() ? r.result_id : r.run_id;
    if (!seen.emplace(r.candidate, run, r.task, r.check_index).second) continue;
    grading::CheckResult c;
    c.result_id = r.result_id;
    c.session = r.session;
    c.candidate = r.candidate;
    c.task_id = r.task;
    c.check_index = static_cast<std::size_t>(r.check_index);
    c.host = r.host;
    c.description = r.description;
    c.status = *status;
    c.expected = r.expected;
    c.observed = r.observed;
    c.started_at = r.started_at;
    c.finished_at = r.finished_at;
    c.run_id = r.run_id;
    c.run_by = r.run_by;
    c.integrity = r.integrity;
    results_by_candidate[r.candidate].push_back(std::move(c));
  }
  return results_by_candidate;
}

}  // namespace

Result<grading::SessionInput> load_session_input(store::Store& store,
                                                 sessions::SessionService& sessions,
                                                 std::string_view session,
                                                 std::optional<std::string_view> candidate) {
  auto record = store.get_session(session);
  if (!record.ok()) return std::move(record).error();
  auto labs = store.list_candidate_labs(session);
  if (!labs.ok()) return std::move(labs).error();
  std::vector<store::CandidateLabRecord> wanted;
  for (auto& c : *labs) {
    if (!candidate || c.candidate == *candidate) wanted.push_back(std::move(c));
  }
  if (wanted.empty()) {
    return Error(ErrorCode::kNotFound, "no candidate \"" + std::string(candidate.value_or("")) +
                                           "\" in session \"" + std::string(session) + "\"");
  }
  auto lab = sessions.candidate_lab(session, wanted.front().candidate);
  if (!lab.ok())
    return std::move(lab).error().context("load the lab of session " + std::string(session));

  grading::SessionInput in;
  in.session = std::string(session);
  in.lab = grading::lab_spec_from_lab(*lab);
  in.policy = grading::policy_from_lab(*lab);
  auto freeze = store.get_freeze(session);
  if (!freeze.ok()) return std::move(freeze).error();
  if (*freeze) in.frozen = grading::Freeze{(*freeze)->at, (*freeze)->who};

  auto results = store.list_results(session, candidate);
  if (!results.ok()) return std::move(results).error();
  auto overrides = store.list_overrides(session, candidate);
  if (!overrides.ok()) return std::move(overrides).error();
  auto annotations = store.list_annotations(session, candidate);
  if (!annotations.ok()) return std::move(annotations).error();

  auto results_by_candidate = check_results_by_candidate(in.lab, *results);
  for (const auto& c : wanted) {
    grading::CandidateInput ci;
    ci.candidate = c.candidate;
    // Ticket titles may name the candidate's own values ({{team}}): each reads their variant.
    if (c.candidate == wanted.front().candidate) {
      for (const auto& t : lab->tasks) ci.task_titles[t.id] = t.ticket.title;
    } else {
      auto own = sessions.candidate_lab(session, c.candidate);
      if (!own.ok())
        return std::move(own).error().context("load the lab of candidate " + c.candidate);
      for (const auto& t : own->tasks) ci.task_titles[t.id] = t.ticket.title;
    }
    ci.handed_over_at = c.handed_over_at;
    ci.runs = grading::runs_from_results(std::move(results_by_candidate[c.candidate]));
    for (const auto& o : *overrides) {
      if (o.candidate != c.candidate || in.lab.task(o.task) == nullptr) continue;
      ci.overrides.push_back({o.candidate, o.task, o.points, o.justification, o.who, o.at});
    }
    for (const auto& a : *annotations) {
      if (a.candidate != c.candidate || (!a.task.empty() && in.lab.task(a.task) == nullptr))
        continue;
      ci.annotations.push_back({a.candidate, a.task, a.result_id, a.text, a.who, a.at});
    }
    in.candidates.push_back(std::move(ci));
  }
  return in;
}

HttpResponse ResultsApi::export_results(const Route& route, const store::TokenRecord& token,
                                        std::string_view target) {
  auto query = query_params(target);
  if (!query.ok()) return error_response(query.error());
  const std::string format_text = (*query)["format"];
  auto format = grading::parse_format(format_text);
  if (!format) {
    return json_error(400, "invalid_argument",
                      "format is \"" + format_text + "\"; expected json, csv, junit, html or grid");
  }
  grading::ExportOptions options;
  if (auto it = query->find("lang"); it != query->end()) {
    auto lang = grading::parse_language(it->second);
    if (!lang)
      return json_error(400, "invalid_argument",
                        "lang is \"" + it->second + "\"; expected fr or en");
    options.language = *lang;
  }
  if (auto it = query->find("bom"); it != query->end())
    options.csv_bom = it->second == "1" || it->second == "true";

  std::optional<std::string> candidate;
  if (auto it = query->find("candidate"); it != query->end() && !it->second.empty())
    candidate = it->second;
  if (!route.candidate.empty()) {
    if (candidate && *candidate != route.candidate) {
      return json_error(400, "invalid_argument",
                        "candidate=" + *candidate + " names another candidate than the path's " +
                            route.candidate);
    }
    candidate = route.candidate;
  }
  auto input =
      load_session_input(store_, sessions_, route.session,
                         candidate ? std::optional<std::string_view>(*candidate) : std::nullopt);
  if (!input.ok()) return error_response(input.error());
  if (token.role == store::Role::kCandidate) {
    // The evaluators' notes are for the jury, not feedback.
    for (auto& c : input->candidates) c.annotations.clear();
  }
  options.candidate = candidate;
  auto grades = grading::grade_session(*input, catalog(), sessions_.now());
  if (!grades.ok()) return error_response(Error(ErrorCode::kInternal, grades.error().to_string()));
  auto text = grading::render(*grades, *format, options);
  if (!text.ok()) return error_response(text.error());
  HttpResponse r;
  r.content_type = std::string(content_type(*format));
  r.body = std::move(text).value();
  return r;
}

HttpResponse ResultsApi::annotate(const Route& route, const store::TokenRecord& token,
                                  const std::string& body) {
  auto o = parse_object(body);
  if (!o.ok()) return json_error(400, "bad_json", o.error().message());
  Status fields = check_fields(*o, {"candidate", "task", "result_id", "text"});
  if (!fields.ok()) return error_response(fields.error());
  auto candidate = string_field(*o, "candidate");
  auto task = string_field(*o, "task");
  auto result_id = string_field(*o, "result_id");
  auto text = string_field(*o, "text");
  for (const auto* f : {&candidate, &task, &result_id, &text}) {
    if (!f->ok()) return error_response(f->error());
  }
  if (candidate->empty()) return json_error(400, "invalid_argument", "\"candidate\" is required");
  if (is_blank(*text))
    return json_error(400, "invalid_argument", "\"text\" is required: the note itself");
  if (!result_id->empty() && task->empty()) {
    return json_error(400, "invalid_argument", "\"result_id\" needs the \"task\" it belongs to");
  }
  auto lab = sessions_.candidate_lab(route.session, *candidate);
  if (!lab.ok()) return error_response(lab.error());
  if (!task->empty() && lab->task(*task) == nullptr) {
    return json_error(404, "not_found",
                      "no task \"" + *task + "\" in the lab of session " + route.session);
  }
  if (!result_id->empty()) {
    auto results = store_.list_results(route.session, *candidate);
    if (!results.ok()) return error_response(results.error());
    bool found = std::any_of(results->begin(), results->end(), [&](const store::ResultRecord& r) {
      return r.result_id == *result_id && r.task == *task;
    });
    if (!found) {
      return json_error(
          404, "not_found",
          "no result \"" + *result_id + "\" of task " + *task + " for candidate " + *candidate);
    }
  }
  store::AnnotationRecord a{0,          route.session, *candidate,    *task,
                            *result_id, *text,         who_of(token), sessions_.now()};
  auto seq = store_.add_annotation(a, token.id);
  if (!seq.ok()) return error_response(seq.error());
  return json_response(
      201, json::object{
               {"id", *seq},
               {"session", a.session},
               {"candidate", a.candidate},
               {"task", a.task.empty() ? json::value(nullptr) : json::value(a.task)},
               {"result_id", a.result_id.empty() ? json::value(nullptr) : json::value(a.result_id)},
               {"text", a.text},
               {"who", a.who},
               {"at", grading::time_to_json(a.at)}});
}

HttpResponse ResultsApi::override_score(const Route& route, const store::TokenRecord& token,
                                        const std::string& body) {
  auto o = parse_object(body);
  if (!o.ok()) return json_error(400, "bad_json", o.error().message());
  Status fields = check_fields(*o, {"candidate", "task", "points", "justification"});
  if (!fields.ok()) return error_response(fields.error());
  auto candidate = string_field(*o, "candidate");
  auto task = string_field(*o, "task");
  auto justification = string_field(*o, "justification");
  for (const auto* f : {&candidate, &task, &justification}) {
    if (!f->ok()) return error_response(f->error());
  }
  if (candidate->empty()) return json_error(400, "invalid_argument", "\"candidate\" is required");
  if (task->empty()) return json_error(400, "invalid_argument", "\"task\" is required");
  auto points_it = o->find("points");
  if (points_it == o->end() || !points_it->value().is_number()) {
    return json_error(400, "invalid_argument",
                      "\"points\" is required: a number from 0 to the task's points");
  }
  const double points = points_it->value().to_number<double>();
  if (is_blank(*justification)) {
    return json_error(400, "invalid_argument",
                      "\"justification\" is required: say in writing why the score is overridden");
  }
  auto input = load_session_input(store_, sessions_, route.session, std::string_view(*candidate));
  if (!input.ok()) return error_response(input.error());
  if (input->lab.task(*task) == nullptr) {
    return json_error(404, "not_found",
                      "no task \"" + *task + "\" in the lab of session " + route.session);
  }
  grading::Override value{*candidate,     *task,         points,
                          *justification, who_of(token), sessions_.now()};
  Status valid = grading::validate_override(value, input->lab, input->frozen);
  if (!valid.ok()) return error_response(valid.error());
  store::OverrideRecord record{0,      route.session,  *candidate, *task,
                               points, *justification, value.who,  value.when};
  auto seq = store_.add_override(record, token.id);
  if (!seq.ok()) return error_response(seq.error());
  json::value v = grading::to_json(value);
  v.as_object()["id"] = *seq;
  v.as_object()["session"] = route.session;
  return json_response(201, v);
}

HttpResponse ResultsApi::collect(const Route& route, const store::TokenRecord& token,
                                 const std::string& body) {
  auto o = parse_object(body, /*empty_is_object=*/true);
  if (!o.ok()) return json_error(400, "bad_json", o.error().message());
  Status fields = check_fields(*o, {});
  if (!fields.ok()) return error_response(fields.error());
  auto before = store_.get_freeze(route.session);
  if (!before.ok()) return error_response(before.error());
  auto frozen = store_.freeze_session(route.session, sessions_.now(), who_of(token), token.id);
  if (!frozen.ok()) return error_response(frozen.error());
  return json_response(200, json::object{{"session", route.session},
                                         {"frozen_at", grading::time_to_json(frozen->at)},
                                         {"who", frozen->who},
                                         {"already", before->has_value()}});
}

}  // namespace atelier::api
