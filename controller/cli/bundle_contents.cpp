// Gathering a candidate's bundle members (bundle_contents.h). The graded export is the one the
// API serves (api::load_session_input + grading::render), so a bundle says what the grid said.
#include "controller/cli/bundle_contents.h"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "controller/api/results_api.h"
#include "controller/grading/competencies.h"
#include "controller/grading/export.h"
#include "controller/grading/grade.h"
#include "controller/grading/json.h"

namespace atelier::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

Result<std::string> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) return Error(ErrorCode::kIo, "cannot read " + file.string());
  return s.str();
}

json::value opt_time(const std::optional<store::TimePoint>& t) {
  return t ? json::value(grading::time_to_json(*t)) : json::value(nullptr);
}

// Every regular file under `folder`, sorted, as PREFIX + its relative path.
Status add_folder(const fs::path& folder, const std::string& prefix,
                  std::vector<evidence::TarMember>& out) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return {};
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return Error(ErrorCode::kIo, ec.message()).context("list " + folder.string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto data = read_bytes(f);
    if (!data.ok()) return std::move(data).error();
    std::string name = prefix + fs::relative(f, folder).generic_string();
    if (auto bad = evidence::bad_member_name(name); !bad.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "cannot put " + f.string() + " in the bundle as \"" + name + "\": " + bad);
    }
    out.push_back({std::move(name), std::move(data).value()});
  }
  return {};
}

std::string tickets_json(const lab::Lab& lab, const grading::CandidateGrade& grade) {
  json::array tickets;
  for (const auto& task : lab.tasks) {
    const grading::TaskGrade* g = grade.task(task.id);
    json::object t{
        {"task", task.id},
        {"title", json::object{{"fr", task.ticket.title.fr}, {"en", task.ticket.title.en}}},
        {"from", task.ticket.from},
        {"priority", std::string(lab::to_string(task.ticket.priority))},
        {"sla_seconds", task.ticket.sla.count()},
        {"text", json::object{{"fr", task.ticket.body.fr}, {"en", task.ticket.body.en}}},
        {"opened_at", opt_time(grade.handed_over_at)}};
    if (g != nullptr) {
      t["status"] = std::string(grading::to_string(g->status));
      t["first_passed_at"] = opt_time(g->first_passed_at);
      t["time_to_resolve_seconds"] =
          g->time_to_resolve ? json::value(g->time_to_resolve->count()) : nullptr;
      t["sla_breached"] = g->sla_breached;
    }
    tickets.push_back(std::move(t));
  }
  return json::serialize(tickets) + "\n";
}

std::string session_json(const store::SessionRecord& s, const store::CandidateLabRecord& lab,
                         const std::optional<store::FreezeRecord>& freeze) {
  json::object o{
      {"session", s.id},
      {"lab", s.lab_id},
      {"lab_path", s.lab_path},
      {"seed", std::to_string(s.seed)},
      {"created_at", grading::time_to_json(s.created_at)},
      {"candidate", lab.candidate},
      {"handed_over_at", opt_time(lab.handed_over_at)},
      {"collected_at", freeze ? json::value(grading::time_to_json(freeze->at)) : nullptr},
      {"collected_by", freeze ? json::value(freeze->who) : nullptr}};
  return json::serialize(o) + "\n";
}

}  // namespace

Result<std::vector<evidence::TarMember>> bundle_members(store::Store& store,
                                                        sessions::SessionService& sessions,
                                                        const std::string& session,
                                                        const std::string& candidate,
                                                        const BundleSources& sources) {
  auto record = store.get_session(session);
  if (!record.ok()) return std::move(record).error();
  auto cand = store.get_candidate_lab(session, candidate);
  if (!cand.ok()) return std::move(cand).error();
  auto freeze = store.get_freeze(session);
  if (!freeze.ok()) return std::move(freeze).error();
  auto lab = sessions.candidate_lab(session, candidate);
  if (!lab.ok()) return std::move(lab).error().context("load the lab of session " + session);
  auto input = api::load_session_input(store, sessions, session, candidate);
  if (!input.ok()) return std::move(input).error();
  auto catalog = grading::builtin_competency_catalog();
  if (!catalog.ok()) return std::move(catalog).error();
  auto grades = grading::grade_session(*input, *catalog, sources.now);
  if (!grades.ok()) return std::move(grades).error();
  const grading::CandidateGrade* grade = grades->candidate(candidate);
  if (grade == nullptr) return Error(ErrorCode::kInternal, "no grades for candidate " + candidate);
  grading::ExportOptions options;
  options.candidate = candidate;
  auto graded = grading::render(*grades, grading::Format::kJson, options);
  if (!graded.ok()) return std::move(graded).error();
  auto results = store.list_results(session, candidate);
  if (!results.ok()) return std::move(results).error();

  std::vector<evidence::TarMember> members;
  members.push_back({"results.json", std::move(graded).value()});
  members.push_back({"runs.json", runs_json(*results)});
  members.push_back({"tickets.json", tickets_json(*lab, *grade)});
  members.push_back({"session.json", session_json(*record, *cand, *freeze)});
  ATELIER_RETURN_IF_ERROR(add_folder(fs::path(record->lab_path).parent_path(), "lab/", members));
  ATELIER_RETURN_IF_ERROR(
      add_folder(sources.recordings_root / session / candidate, "recordings/", members));
  return members;
}

std::string runs_json(const std::vector<store::ResultRecord>& results) {
  json::array out;
  for (const auto& r : results) {
    out.push_back(json::object{{"result_id", r.result_id},
                               {"session", r.session},
                               {"candidate", r.candidate},
                               {"task", r.task},
                               {"check_index", r.check_index},
                               {"host", r.host},
                               {"description", r.description},
                               {"status", r.status},
                               {"expected", r.expected},
                               {"observed", r.observed},
                               {"run_id", r.run_id},
                               {"started_at", grading::time_to_json(r.started_at)},
                               {"finished_at", grading::time_to_json(r.finished_at)},
                               {"received_at", grading::time_to_json(r.received_at)},
                               {"run_by", r.run_by},
                               {"signature", r.signature},
                               {"signing_key", r.signing_key},
                               {"integrity", r.integrity}});
  }
  // One result a line: a jury can read and diff it.
  std::string text = "[\n";
  for (std::size_t i = 0; i < out.size(); ++i)
    text += json::serialize(out[i]) + (i + 1 < out.size() ? ",\n" : "\n");
  return text + "]\n";
}

Result<std::vector<store::ResultRecord>> parse_runs_json(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array())
    return Error(ErrorCode::kInvalidArgument, "runs.json is not a JSON array");
  std::vector<store::ResultRecord> out;
  for (const auto& item : v.as_array()) {
    const std::size_t n = out.size();
    const json::object* o = item.if_object();
    auto text_of = [&](const char* key) -> std::string {
      const json::value* f = o ? o->if_contains(key) : nullptr;
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    auto time_of = [&](const char* key) { return grading::time_from_json(text_of(key)); };
    const json::value* index = o ? o->if_contains("check_index") : nullptr;
    auto started = time_of("started_at"), finished = time_of("finished_at"),
         received = time_of("received_at");
    if (!o || !index || !index->is_int64() || !started || !finished || !received) {
      return Error(ErrorCode::kInvalidArgument,
                   "runs.json entry " + std::to_string(n) + " is not a stored result");
    }
    out.push_back({text_of("result_id"), text_of("session"), text_of("candidate"), text_of("task"),
                   static_cast<int>(index->as_int64()), text_of("host"), text_of("description"),
                   text_of("status"), text_of("expected"), text_of("observed"), text_of("run_id"),
                   *started, *finished, *received, text_of("run_by"), text_of("signature"),
                   text_of("signing_key"), text_of("integrity")});
  }
  return out;
}

}  // namespace atelier::cli
