// The action endpoints (reset, solve, check run, action status) and the access details (see
// actions_api.h and docs/api.md).
#include "controller/api/actions_api.h"

#include <ctime>

namespace atelier::api {
namespace json = boost::json;

namespace {

json::object action_json(const ActionRecord& a) {
  json::array cands;
  for (const auto& c : a.candidates) cands.push_back(json::value(c));
  json::array verdicts = verdicts_json(a.verdicts);
  json::object o{
      {"id", a.id},
      {"kind", to_string(a.kind)},
      {"session", a.session},
      {"candidates", std::move(cands)},
      {"host", a.host.empty() ? json::value(nullptr) : json::value(a.host)},
      {"state", to_string(a.state)},
      {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
      {"started_at", iso8601(a.started_at)},
      {"finished_at", a.finished_at ? json::value(iso8601(*a.finished_at)) : json::value(nullptr)}};
  if (a.kind == ActionKind::kCheckRun) {
    o["run_id"] = a.run_id.empty() ? json::value(nullptr) : json::value(a.run_id);
    o["verdicts"] = std::move(verdicts);
  }
  return o;
}

// An optional body: empty, or a JSON object with only the named string field.
Result<std::optional<std::string>> optional_field(const std::string& body, std::string_view field) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::optional<std::string>();
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return Error(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  std::optional<std::string> out;
  for (const auto& kv : v.as_object()) {
    if (kv.key() != field) {
      return Error(ErrorCode::kInvalidArgument, "unknown field \"" + std::string(kv.key()) +
                                                    "\"; expected: " + std::string(field));
    }
    if (kv.value().is_null()) continue;
    if (!kv.value().is_string()) {
      return Error(ErrorCode::kInvalidArgument, "\"" + std::string(field) + "\" must be a string");
    }
    out = std::string(kv.value().as_string());
  }
  return out;
}

// A reset's body: empty, or {"host": "NAME"} (one host), or {"move": true} (the whole lab
// provisioned again on another hypervisor host).
struct ResetBody {
  std::optional<std::string> host;
  bool move = false;
};
Result<ResetBody> reset_body(const std::string& body) {
  ResetBody out;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return out;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return Error(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  for (const auto& kv : v.as_object()) {
    if (kv.value().is_null()) continue;
    if (kv.key() == "host" && kv.value().is_string()) {
      out.host = std::string(kv.value().as_string());
    } else if (kv.key() == "move" && kv.value().is_bool()) {
      out.move = kv.value().as_bool();
    } else if (kv.key() == "host" || kv.key() == "move") {
      return Error(ErrorCode::kInvalidArgument, kv.key() == "host"
                                                    ? "\"host\" must be a string"
                                                    : "\"move\" must be true or false");
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown field \"" + std::string(kv.key()) + "\"; expected: host, move");
    }
  }
  if (out.host && out.move) {
    return Error(ErrorCode::kInvalidArgument,
                 "give \"host\" or \"move\", not both: a move provisions the whole lab again");
  }
  return out;
}

}  // namespace

HttpResponse handle_action(const Route& route, const HttpRequest& request, store::Store& store,
                           LabOperations* operations, const std::string& actor) {
  // Unknown ids are 404 whether or not a reconciler runs.
  auto session = store.get_session(route.session);
  if (!session.ok()) return error_response(session.error());
  if (!route.candidate.empty()) {
    auto c = store.get_candidate_lab(route.session, route.candidate);
    if (!c.ok()) return error_response(c.error());
  }
  Result<ActionRecord> started = Error(ErrorCode::kInternal, "unhandled action endpoint");
  switch (route.endpoint) {
    case Endpoint::kResetLab: {
      auto reset = reset_body(request.body);
      if (!reset.ok()) return json_error(400, "bad_json", reset.error().message());
      if (!operations) break;
      started = reset->move ? operations->move(route.session, route.candidate, actor)
                            : operations->reset(route.session, route.candidate,
                                                reset->host.value_or(""), actor);
      break;
    }
    case Endpoint::kSolveLab: {
      auto none = optional_field(request.body, "");
      if (!none.ok()) return json_error(400, "bad_json", none.error().message());
      if (!operations) break;
      started = operations->solve(route.session, route.candidate, actor);
      break;
    }
    case Endpoint::kRunChecks: {
      auto candidate = optional_field(request.body, "candidate");
      if (!candidate.ok()) return json_error(400, "bad_json", candidate.error().message());
      if (*candidate) {
        auto c = store.get_candidate_lab(route.session, **candidate);
        if (!c.ok()) return error_response(c.error());
      }
      if (!operations) break;
      started = operations->check_run(route.session, *candidate, actor);
      break;
    }
    case Endpoint::kGetAction: {
      if (!operations) break;
      auto a = operations->action(route.action);
      if (!a.ok()) return error_response(a.error());
      if (a->session != route.session) {
        return json_error(404, "not_found",
                          "no action \"" + route.action + "\" in session " + route.session);
      }
      return json_response(200, action_json(*a));
    }
    default:
      return json_error(500, "internal", "not an action endpoint");
  }
  if (!operations) {
    return json_error(503, "unavailable",
                      "this atelierd runs no reconciler: actions are not available");
  }
  if (!started.ok()) return error_response(started.error());
  return json_response(202, action_json(*started));
}

void add_access_details(boost::json::object& access, LabOperations* operations,
                        const std::string& session, const std::string& candidate) {
  if (!operations) return;
  auto a = operations->access(session, candidate);
  if (!a.ok()) return;
  json::array consoles, ssh;
  for (const auto& h : a->hosts) {
    consoles.push_back(json::object{
        {"host", h.name},
        {"domain", h.domain},
        {"uri", h.uri},
        {"command", h.console},
        {"log", h.console_log.empty() ? json::value(nullptr) : json::value(h.console_log)}});
    json::array addrs;
    for (const auto& [net, addr] : h.addresses)
      addrs.push_back(json::object{{"network", net}, {"address", addr}});
    ssh.push_back(json::object{{"host", h.name},
                               {"user", h.ssh_user},
                               {"password", h.ssh_password},
                               {"addresses", std::move(addrs)}});
  }
  access["placed_on"] = a->host;
  access["console"] = std::move(consoles);
  access["ssh"] = json::object{{"note", a->note}, {"hosts", std::move(ssh)}};
}

}  // namespace atelier::api
