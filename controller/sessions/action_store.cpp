// Converting actions between their domain form and the store's (see action_store.h).
#include "controller/sessions/action_store.h"

#include <boost/json.hpp>

#include <exception>

namespace atelier::sessions {
namespace json = boost::json;
namespace {

Result<std::vector<TaskVerdict>> parse_verdicts(const std::string& text) {
  std::vector<TaskVerdict> out;
  try {
    const json::value parsed = json::parse(text);
    for (const auto& v : parsed.as_array()) {
      const auto& o = v.as_object();
      out.push_back({std::string(o.at("candidate").as_string()),
                     std::string(o.at("task").as_string()), o.at("passed").as_bool(),
                     static_cast<int>(o.at("checks").to_number<std::int64_t>()),
                     static_cast<int>(o.at("failed").to_number<std::int64_t>())});
    }
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal,
                 "stored verdicts are not as expected: " + std::string(e.what()));
  }
  return out;
}

}  // namespace

json::array verdicts_json(const std::vector<TaskVerdict>& verdicts) {
  json::array out;
  for (const auto& v : verdicts) {
    out.push_back(json::object{{"candidate", v.candidate},
                               {"task", v.task},
                               {"passed", v.passed},
                               {"checks", v.checks},
                               {"failed", v.failed}});
  }
  return out;
}

store::ActionRecord to_stored(const ActionRecord& a) {
  store::ActionRecord s;
  s.id = a.id;
  s.kind = to_string(a.kind);
  s.session = a.session;
  s.candidates = a.candidates;
  s.host = a.host;
  s.state = to_string(a.state);
  s.error = a.error;
  s.run_id = a.run_id;
  s.verdicts = json::serialize(verdicts_json(a.verdicts));
  s.started_at = a.started_at;
  s.finished_at = a.finished_at;
  return s;
}

Result<ActionRecord> from_stored(const store::ActionRecord& s) {
  auto kind = parse_action_kind(s.kind);
  auto state = parse_action_state(s.state);
  if (!kind || !state) {
    return Error(ErrorCode::kInternal, "stored action " + s.id + " has kind \"" + s.kind +
                                           "\" and state \"" + s.state + "\"");
  }
  auto verdicts = parse_verdicts(s.verdicts);
  if (!verdicts.ok()) return std::move(verdicts).error().context("stored action " + s.id);
  ActionRecord a;
  a.id = s.id;
  a.kind = *kind;
  a.session = s.session;
  a.candidates = s.candidates;
  a.host = s.host;
  a.state = *state;
  a.error = s.error;
  a.run_id = s.run_id;
  a.verdicts = std::move(*verdicts);
  a.started_at = s.started_at;
  a.finished_at = s.finished_at;
  return a;
}

}  // namespace atelier::sessions
