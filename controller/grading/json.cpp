// JSON codec of the grading types. Parsing throws a file-local BadJson internally for brevity
// and turns it into a Result at each public function; nothing escapes this file.
#include "controller/grading/json.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "controller/grading/grade.h"

namespace atelier::grading {
namespace json = boost::json;
namespace {

// ---- writing -----------------------------------------------------------------------------

json::value opt_time(const std::optional<TimePoint>& t) {
  return t ? json::value(time_to_json(*t)) : json::value(nullptr);
}

// Whole numbers as JSON integers ("points": 4, not 4E0); Boost.JSON writes doubles in
// exponent form, which is valid but hard to read.
json::value num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15)
    return static_cast<std::int64_t>(v);
  return v;
}

json::value text_json(const lab::Text& t) {
  return json::object{{"fr", t.fr}, {"en", t.en}};
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::value policy_json(const GradingPolicy& p) {
  json::object tasks;
  for (const auto& [id, mode] : p.task_modes) tasks[id] = to_string(mode);
  return json::object{{"default", to_string(p.default_mode)}, {"tasks", std::move(tasks)}};
}

json::value freeze_json(const std::optional<Freeze>& f) {
  if (!f) return nullptr;
  return json::object{{"at", time_to_json(f->at)}, {"who", f->who}};
}

json::value outcome_json(const CheckOutcome& c) {
  return json::object{
      {"index", c.index},
      {"description", c.description},
      {"host", c.host},
      {"status", c.status ? json::value(to_string(*c.status)) : json::value(nullptr)},
      {"expected", c.expected},
      {"observed", c.observed},
      {"result_id", c.result_id},
      {"run_id", c.run_id},
      {"finished_at", opt_time(c.finished_at)},
      {"integrity", c.integrity}};
}

json::value task_grade_json(const TaskGrade& g) {
  json::array checks, notes;
  for (const auto& c : g.checks) checks.push_back(outcome_json(c));
  for (const auto& a : g.annotations) notes.push_back(to_json(a));
  return json::object{
      {"task", g.task_id},
      {"title", text_json(g.title)},
      {"status", to_string(g.status)},
      {"graded_status", to_string(g.graded_status)},
      {"computed_points", num(g.computed_points)},
      {"points_earned", num(g.points_earned)},
      {"points_possible", g.points_possible},
      {"checks_passed", g.checks_passed},
      {"checks_total", g.checks_total},
      {"opened_at", opt_time(g.opened_at)},
      {"first_passed_at", opt_time(g.first_passed_at)},
      {"time_to_resolve_s",
       g.time_to_resolve ? json::value(g.time_to_resolve->count()) : json::value(nullptr)},
      {"sla_s", g.sla.count()},
      {"sla_breached", g.sla_breached},
      {"regressed", g.regressed},
      {"tampered", g.tampered},
      {"override", g.override ? to_json(*g.override) : json::value(nullptr)},
      {"checks", std::move(checks)},
      {"annotations", std::move(notes)}};
}

json::value candidate_json(const CandidateGrade& c) {
  json::array tasks, comps, ignored_runs, ignored_overrides, notes;
  for (const auto& t : c.tasks) tasks.push_back(task_grade_json(t));
  for (const auto& s : c.competencies) {
    comps.push_back(json::object{{"code", s.code},
                                 {"name", text_json(s.name)},
                                 {"points_earned", num(s.points_earned)},
                                 {"points_possible", s.points_possible},
                                 {"percentage", num(s.percentage)},
                                 {"tasks", strings(s.task_ids)}});
  }
  for (const auto& r : c.ignored_runs) {
    ignored_runs.push_back(json::object{{"run_id", r.run_id},
                                        {"started_at", time_to_json(r.started_at)},
                                        {"reason", to_string(r.reason)}});
  }
  for (const auto& o : c.ignored_overrides) {
    ignored_overrides.push_back(json::object{{"override", to_json(o.value)}, {"reason", o.reason}});
  }
  for (const auto& a : c.annotations) notes.push_back(to_json(a));
  return json::object{{"candidate", c.candidate},
                      {"handed_over_at", opt_time(c.handed_over_at)},
                      {"points_earned", num(c.points_earned)},
                      {"points_possible", c.points_possible},
                      {"percentage", num(c.percentage)},
                      {"runs_graded", c.runs_graded},
                      {"last_run_at", opt_time(c.last_run_at)},
                      {"tasks", std::move(tasks)},
                      {"competencies", std::move(comps)},
                      {"ignored_runs", std::move(ignored_runs)},
                      {"ignored_overrides", std::move(ignored_overrides)},
                      {"annotations", std::move(notes)}};
}

// ---- reading -----------------------------------------------------------------------------

struct BadJson {
  std::string path;
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw BadJson{path, message};
}

const json::object& as_object(const json::value& v, const std::string& path) {
  if (!v.is_object()) fail(path, "expected an object");
  return v.get_object();
}

const json::value* field(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}

std::string get_string(const json::object& o, std::string_view key, const std::string& path,
                       bool required = false) {
  const json::value* v = field(o, key);
  if (v == nullptr || v->is_null()) {
    if (required) fail(path + "." + std::string(key), "is required");
    return {};
  }
  if (!v->is_string()) fail(path + "." + std::string(key), "expected a string");
  return std::string(v->get_string());
}

double get_number(const json::object& o, std::string_view key, const std::string& path,
                  double fallback) {
  const json::value* v = field(o, key);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  fail(path + "." + std::string(key), "expected a number");
}

std::int64_t get_int(const json::object& o, std::string_view key, const std::string& path,
                     std::int64_t fallback) {
  const json::value* v = field(o, key);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  fail(path + "." + std::string(key), "expected an integer");
}

std::optional<TimePoint> get_time(const json::object& o, std::string_view key,
                                  const std::string& path, bool required = false) {
  std::string s = get_string(o, key, path, required);
  if (s.empty()) return std::nullopt;
  auto t = time_from_json(s);
  if (!t)
    fail(path + "." + std::string(key),
         "expected a UTC time like 2026-11-30T08:00:00Z, not \"" + s + "\"");
  return t;
}

const json::array* get_array(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = field(o, key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) fail(path + "." + std::string(key), "expected a list");
  return &v->get_array();
}

lab::Text get_text(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = field(o, key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return {std::string(v->get_string()), std::string(v->get_string())};
  const auto& t = as_object(*v, path + "." + std::string(key));
  return {get_string(t, "fr", path + "." + std::string(key)),
          get_string(t, "en", path + "." + std::string(key))};
}

std::string at_index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

CheckResult read_result(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  CheckResult r;
  r.result_id = get_string(o, "result_id", path, true);
  r.session = get_string(o, "session", path);
  r.candidate = get_string(o, "candidate", path);
  r.task_id = get_string(o, "task", path, true);
  std::int64_t index = get_int(o, "check_index", path, -1);
  if (index < 0) fail(path + ".check_index", "a check index (0, 1, ...) is required");
  r.check_index = static_cast<std::size_t>(index);
  r.host = get_string(o, "host", path);
  r.description = get_string(o, "description", path);
  std::string status = get_string(o, "status", path, true);
  auto s = parse_check_status(status);
  if (!s) fail(path + ".status", "expected pass, fail or error, not \"" + status + "\"");
  r.status = *s;
  r.expected = get_string(o, "expected", path);
  r.observed = get_string(o, "observed", path);
  r.started_at = get_time(o, "started_at", path).value_or(TimePoint{});
  r.finished_at = get_time(o, "finished_at", path).value_or(r.started_at);
  r.run_id = get_string(o, "run_id", path);
  r.run_by = get_string(o, "run_by", path);
  r.integrity = get_string(o, "integrity", path);
  return r;
}

CheckRun read_run(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  CheckRun run;
  run.run_id = get_string(o, "run_id", path, true);
  run.session = get_string(o, "session", path);
  run.candidate = get_string(o, "candidate", path);
  std::string trigger = get_string(o, "trigger", path);
  if (!trigger.empty()) {
    auto t = parse_run_trigger(trigger);
    if (!t) fail(path + ".trigger", "expected scheduled or on_demand, not \"" + trigger + "\"");
    run.trigger = *t;
  }
  run.run_by = get_string(o, "run_by", path);
  run.started_at = *get_time(o, "started_at", path, true);
  run.finished_at = get_time(o, "finished_at", path).value_or(run.started_at);
  if (const auto* results = get_array(o, "results", path)) {
    for (std::size_t i = 0; i < results->size(); ++i) {
      CheckResult r = read_result((*results)[i], at_index(path + ".results", i));
      if (r.run_id.empty()) r.run_id = run.run_id;
      if (r.started_at == TimePoint{}) r.started_at = r.finished_at = run.started_at;
      run.results.push_back(std::move(r));
    }
  }
  return run;
}

Override read_override(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  Override out;
  out.candidate = get_string(o, "candidate", path);
  out.task_id = get_string(o, "task", path, true);
  const json::value* points = field(o, "points");
  if (points == nullptr || !points->is_number())
    fail(path + ".points", "a number of points is required");
  out.points = get_number(o, "points", path, 0);
  out.justification = get_string(o, "justification", path, true);
  out.who = get_string(o, "who", path, true);
  out.when = *get_time(o, "when", path, true);
  return out;
}

Annotation read_annotation(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  Annotation a;
  a.candidate = get_string(o, "candidate", path);
  a.task_id = get_string(o, "task", path);
  a.result_id = get_string(o, "result_id", path);
  a.text = get_string(o, "text", path, true);
  a.who = get_string(o, "who", path);
  a.when = get_time(o, "when", path).value_or(TimePoint{});
  return a;
}

lab::Priority read_priority(const std::string& s, const std::string& path) {
  for (auto p : {lab::Priority::kP1, lab::Priority::kP2, lab::Priority::kP3, lab::Priority::kP4}) {
    if (lab::to_string(p) == s) return p;
  }
  fail(path, "expected P1, P2, P3 or P4, not \"" + s + "\"");
}

LabSpec read_lab(const json::value& v, const std::string& path) {
  const auto& o = as_object(v, path);
  LabSpec lab;
  lab.id = get_string(o, "id", path, true);
  lab.title = get_text(o, "title", path);
  const auto* tasks = get_array(o, "tasks", path);
  if (tasks == nullptr) fail(path + ".tasks", "is required");
  for (std::size_t i = 0; i < tasks->size(); ++i) {
    const std::string tp = at_index(path + ".tasks", i);
    const auto& t = as_object((*tasks)[i], tp);
    TaskSpec ts;
    ts.id = get_string(t, "id", tp, true);
    ts.title = get_text(t, "title", tp);
    std::string priority = get_string(t, "priority", tp);
    if (!priority.empty()) ts.priority = read_priority(priority, tp + ".priority");
    ts.sla = std::chrono::seconds{get_int(t, "sla_s", tp, 0)};
    if (const json::value* ht = field(t, "has_ticket"); ht != nullptr && ht->is_bool())
      ts.has_ticket = ht->get_bool();
    ts.points = static_cast<int>(get_int(t, "points", tp, 1));
    if (const auto* comps = get_array(t, "competencies", tp)) {
      for (std::size_t j = 0; j < comps->size(); ++j) {
        if (!(*comps)[j].is_string())
          fail(at_index(tp + ".competencies", j), "expected a code like C03");
        ts.competencies.emplace_back((*comps)[j].get_string());
      }
    }
    if (const auto* cs = get_array(t, "checks", tp)) {
      for (std::size_t j = 0; j < cs->size(); ++j) {
        const std::string cp = at_index(tp + ".checks", j);
        const auto& c = as_object((*cs)[j], cp);
        ts.checks.push_back({get_string(c, "host", cp), get_string(c, "kind", cp),
                             get_string(c, "description", cp)});
      }
    }
    lab.tasks.push_back(std::move(ts));
  }
  return lab;
}

SessionInput read_input(const json::value& v, const LabSpec* given_lab) {
  const std::string path = "$";
  const auto& o = as_object(v, path);
  std::string format = get_string(o, "format", path);
  if (!format.empty() && format != kInputFormat) {
    fail(path + ".format",
         "expected \"" + std::string(kInputFormat) + "\", not \"" + format + "\"");
  }
  SessionInput in;
  in.session = get_string(o, "session", path, true);
  const json::value* lab = field(o, "lab");
  if (given_lab != nullptr) {
    in.lab = *given_lab;
  } else {
    if (lab == nullptr) fail(path + ".lab", "is required (or give the lab folder)");
    in.lab = read_lab(*lab, path + ".lab");
  }
  if (const json::value* p = field(o, "policy"); p != nullptr && !p->is_null()) {
    const auto& po = as_object(*p, path + ".policy");
    std::string def = get_string(po, "default", path + ".policy");
    if (!def.empty()) {
      auto m = parse_scoring_mode(def);
      if (!m) fail(path + ".policy.default", "expected all or partial, not \"" + def + "\"");
      in.policy.default_mode = *m;
    }
    if (const json::value* tm = field(po, "tasks"); tm != nullptr && !tm->is_null()) {
      for (const auto& [k, mv] : as_object(*tm, path + ".policy.tasks")) {
        auto m = mv.is_string() ? parse_scoring_mode(std::string(mv.get_string())) : std::nullopt;
        if (!m) fail(path + ".policy.tasks." + std::string(k), "expected all or partial");
        in.policy.task_modes[std::string(k)] = *m;
      }
    }
  }
  if (const json::value* f = field(o, "frozen"); f != nullptr && !f->is_null()) {
    const auto& fo = as_object(*f, path + ".frozen");
    in.frozen = Freeze{*get_time(fo, "at", path + ".frozen", true),
                       get_string(fo, "who", path + ".frozen")};
  }
  const auto* cands = get_array(o, "candidates", path);
  if (cands == nullptr) fail(path + ".candidates", "is required");
  for (std::size_t i = 0; i < cands->size(); ++i) {
    const std::string cp = at_index(path + ".candidates", i);
    const auto& c = as_object((*cands)[i], cp);
    CandidateInput ci;
    ci.candidate = get_string(c, "candidate", cp, true);
    ci.handed_over_at = get_time(c, "handed_over_at", cp);
    if (const auto* runs = get_array(c, "runs", cp)) {
      for (std::size_t j = 0; j < runs->size(); ++j)
        ci.runs.push_back(read_run((*runs)[j], at_index(cp + ".runs", j)));
    }
    if (const auto* os = get_array(c, "overrides", cp)) {
      for (std::size_t j = 0; j < os->size(); ++j)
        ci.overrides.push_back(read_override((*os)[j], at_index(cp + ".overrides", j)));
    }
    if (const auto* as = get_array(c, "annotations", cp)) {
      for (std::size_t j = 0; j < as->size(); ++j)
        ci.annotations.push_back(read_annotation((*as)[j], at_index(cp + ".annotations", j)));
    }
    in.candidates.push_back(std::move(ci));
  }
  return in;
}

template <typename T, typename F>
Result<T> guarded(F&& f) {
  try {
    return f();
  } catch (const BadJson& e) {
    return Error(ErrorCode::kInvalidArgument, e.path + ": " + e.message);
  }
}

}  // namespace

std::string time_to_json(TimePoint t) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  auto secs = std::chrono::floor<std::chrono::seconds>(ms);
  std::time_t tt = Clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>((ms - secs).count()));
  return out;
}

std::optional<TimePoint> time_from_json(std::string_view text) {
  int y, mo, d, h, mi, s;
  char tail[16] = {0};
  std::string str(text);
  if (str.size() < 20 || std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h,
                                     &mi, &s, tail) != 7) {
    return std::nullopt;
  }
  if (str[4] != '-' || str[7] != '-' || str[10] != 'T' || str[13] != ':' || str[16] != ':')
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  int millis = 0;
  std::string t = tail;
  if (t != "Z") {
    if (t.size() < 3 || t[0] != '.' || t.back() != 'Z') return std::nullopt;
    std::string frac = t.substr(1, t.size() - 2);
    if (frac.empty() || frac.size() > 9 ||
        frac.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    frac.resize(3, '0');
    millis = std::stoi(frac.substr(0, 3));
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return TimePoint{sys_days{ymd}.time_since_epoch()} + hours{h} + minutes{mi} + seconds{s} +
         milliseconds{millis};
}

json::value to_json(const CheckResult& r) {
  return json::object{{"result_id", r.result_id},
                      {"session", r.session},
                      {"candidate", r.candidate},
                      {"task", r.task_id},
                      {"check_index", r.check_index},
                      {"host", r.host},
                      {"description", r.description},
                      {"status", to_string(r.status)},
                      {"expected", r.expected},
                      {"observed", r.observed},
                      {"started_at", time_to_json(r.started_at)},
                      {"finished_at", time_to_json(r.finished_at)},
                      {"run_id", r.run_id},
                      {"run_by", r.run_by},
                      {"integrity", r.integrity}};
}

json::value to_json(const CheckRun& run) {
  json::array results;
  for (const auto& r : run.results) results.push_back(to_json(r));
  return json::object{{"run_id", run.run_id},
                      {"session", run.session},
                      {"candidate", run.candidate},
                      {"trigger", to_string(run.trigger)},
                      {"run_by", run.run_by},
                      {"started_at", time_to_json(run.started_at)},
                      {"finished_at", time_to_json(run.finished_at)},
                      {"results", std::move(results)}};
}

json::value to_json(const Override& o) {
  return json::object{
      {"candidate", o.candidate},         {"task", o.task_id}, {"points", num(o.points)},
      {"justification", o.justification}, {"who", o.who},      {"when", time_to_json(o.when)}};
}

json::value to_json(const Annotation& a) {
  return json::object{
      {"candidate", a.candidate}, {"task", a.task_id}, {"result_id", a.result_id},
      {"text", a.text},           {"who", a.who},      {"when", time_to_json(a.when)}};
}

json::value to_json(const LabSpec& lab) {
  json::array tasks;
  for (const auto& t : lab.tasks) {
    json::array checks;
    for (const auto& c : t.checks) {
      checks.push_back(
          json::object{{"host", c.host}, {"kind", c.kind}, {"description", c.description}});
    }
    tasks.push_back(json::object{{"id", t.id},
                                 {"title", text_json(t.title)},
                                 {"priority", lab::to_string(t.priority)},
                                 {"sla_s", t.sla.count()},
                                 {"has_ticket", t.has_ticket},
                                 {"points", t.points},
                                 {"competencies", strings(t.competencies)},
                                 {"checks", std::move(checks)}});
  }
  return json::object{{"id", lab.id}, {"title", text_json(lab.title)}, {"tasks", std::move(tasks)}};
}

json::value to_json(const SessionInput& input) {
  json::array cands;
  for (const auto& c : input.candidates) {
    json::array runs, overrides, notes;
    for (const auto& r : c.runs) runs.push_back(to_json(r));
    for (const auto& o : c.overrides) overrides.push_back(to_json(o));
    for (const auto& a : c.annotations) notes.push_back(to_json(a));
    cands.push_back(json::object{{"candidate", c.candidate},
                                 {"handed_over_at", opt_time(c.handed_over_at)},
                                 {"runs", std::move(runs)},
                                 {"overrides", std::move(overrides)},
                                 {"annotations", std::move(notes)}});
  }
  return json::object{{"format", kInputFormat},
                      {"session", input.session},
                      {"lab", to_json(input.lab)},
                      {"policy", policy_json(input.policy)},
                      {"frozen", freeze_json(input.frozen)},
                      {"candidates", std::move(cands)}};
}

json::value to_json(const SessionGrades& grades) {
  json::array cands;
  for (const auto& c : grades.candidates) cands.push_back(candidate_json(c));
  return json::object{{"format", kGradesFormat},
                      {"session", grades.session},
                      {"lab", to_json(grades.lab)},
                      {"policy", policy_json(grades.policy)},
                      {"computed_at", time_to_json(grades.computed_at)},
                      {"frozen", freeze_json(grades.frozen)},
                      {"candidates", std::move(cands)}};
}

Result<CheckResult> check_result_from_json(const json::value& v) {
  return guarded<CheckResult>([&] { return read_result(v, "$"); });
}
Result<CheckRun> check_run_from_json(const json::value& v) {
  return guarded<CheckRun>([&] { return read_run(v, "$"); });
}
Result<Override> override_from_json(const json::value& v) {
  return guarded<Override>([&] { return read_override(v, "$"); });
}
Result<Annotation> annotation_from_json(const json::value& v) {
  return guarded<Annotation>([&] { return read_annotation(v, "$"); });
}
Result<LabSpec> lab_spec_from_json(const json::value& v) {
  return guarded<LabSpec>([&] { return read_lab(v, "$"); });
}
Result<SessionInput> session_input_from_json(const json::value& v, const LabSpec* lab) {
  return guarded<SessionInput>([&] { return read_input(v, lab); });
}

Result<SessionInput> session_input_from_json_text(std::string_view text, const LabSpec* lab) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "not valid JSON: " + ec.message());
  return session_input_from_json(v, lab);
}

}  // namespace atelier::grading
