// JSON shapes and body readers shared by the handlers (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"
#include "controller/sessions/check_interval.h"

namespace atelier::api {
namespace json = boost::json;

json::value candidate_json(const store::CandidateLabRecord& c) {
  json::object steps;
  for (std::size_t i = 0; i < store::kSteps.size(); ++i) {
    steps[store::to_string(store::kSteps[i])] = store::to_string(c.steps[i]);
  }
  json::object o;
  o["candidate"] = c.candidate;
  o["display_name"] = c.display_name;  // "" when none was given
  o["status"] = store::to_string(c.status);
  o["steps"] = std::move(steps);
  o["error"] = c.error.empty() ? json::value(nullptr) : json::value(c.error);
  o["host"] = c.host ? json::value(*c.host) : json::value(nullptr);
  o["updated_at"] = iso8601(c.updated_at);
  return o;
}

bool shows_seed(const HandlerContext& ctx) {
  return ctx.token && ctx.token->role == store::Role::kTrainer;
}

json::object session_json(const store::SessionRecord& s, bool with_seed) {
  json::object o;
  o["id"] = s.id;
  o["lab"] = json::object{{"id", s.lab_id}, {"path", s.lab_path}};
  if (with_seed) o["seed"] = s.seed;
  o["created_at"] = iso8601(s.created_at);
  o["created_by"] = s.created_by;
  o["desired"] = store::to_string(s.desired);
  o["status"] = store::to_string(s.status);
  o["feedback"] = s.feedback;
  o["candidate_resets"] = s.candidate_resets;
  // The session's own interval ("20s", "off"), null when the lab's or atelierd's applies.
  o["check_interval"] = s.check_interval
                            ? json::value(sessions::format_check_interval(*s.check_interval))
                            : json::value(nullptr);
  return o;
}

json::value result_json(const store::ResultRecord& r) {
  json::object o;
  o["result_id"] = r.result_id;
  o["candidate"] = r.candidate;
  o["task"] = r.task;
  o["check_index"] = r.check_index;
  o["host"] = r.host;
  o["description"] = r.description;
  o["status"] = r.status;
  o["evidence"] = json::object{{"expected", r.expected}, {"observed", r.observed}};
  o["run_id"] = r.run_id;
  o["started_at"] = iso8601(r.started_at);
  o["finished_at"] = iso8601(r.finished_at);
  o["received_at"] = iso8601(r.received_at);
  // Who started the run: "atelierd" (periodic), a token id (on demand), null when not recorded.
  o["run_by"] = r.run_by.empty() ? json::value(nullptr) : json::value(r.run_by);
  // Tamper evidence of the host's answer (decoys): a tampered result is never a pass.
  o["tampered"] = !r.integrity.empty();
  o["integrity"] = r.integrity;
  return o;
}

json::value text_json(const lab::Text& t) {
  return json::object{{"fr", t.fr}, {"en", t.en}};
}

// Reads a JSON object body; errors are 400 bad_json with where the parser stopped.
Result<json::object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return Error(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  return std::move(v.as_object());
}

// Typed field readers: a wrong type or an unknown field is the caller's error, said plainly.
Status check_fields(const json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto k : known) ok = ok || kv.key() == k;
    if (!ok) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Error(ErrorCode::kInvalidArgument,
                   "unknown field \"" + std::string(kv.key()) + "\"; expected: " + list);
    }
  }
  return ok_status();
}
Result<std::optional<std::string>> opt_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return Error(ErrorCode::kInvalidArgument, "\"" + std::string(key) + "\" must be a string");
  }
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<json::object> session_with_candidates_json(store::Store& store,
                                                  const store::SessionRecord& s, bool with_seed) {
  auto labs = store.list_candidate_labs(s.id);
  if (!labs.ok()) return std::move(labs).error();
  json::object o = session_json(s, with_seed);
  json::array cands;
  for (const auto& c : *labs) cands.push_back(candidate_json(c));
  o["candidates"] = std::move(cands);
  return o;
}

}  // namespace atelier::api
