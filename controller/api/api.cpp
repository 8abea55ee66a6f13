// Request handling for every endpoint (see api.h and docs/api.md).
#include "controller/api/api.h"

#include <boost/json.hpp>

#include <ctime>
#include <sstream>

#include "common/lab/lab.h"
#include "controller/api/results_api.h"
#include "controller/api/roles.h"
#include "controller/sessions/check_interval.h"

namespace atelier::api {
namespace json = boost::json;
namespace {




json::value candidate_json(const store::CandidateLabRecord& c) {
  json::object steps;
  for (std::size_t i = 0; i < store::kSteps.size(); ++i) {
    steps[store::to_string(store::kSteps[i])] = store::to_string(c.steps[i]);
  }
  json::object o;
  o["candidate"] = c.candidate;
  o["status"] = store::to_string(c.status);
  o["steps"] = std::move(steps);
  o["error"] = c.error.empty() ? json::value(nullptr) : json::value(c.error);
  o["host"] = c.host ? json::value(*c.host) : json::value(nullptr);
  o["updated_at"] = iso8601(c.updated_at);
  return o;
}

json::object session_json(const store::SessionRecord& s) {
  json::object o;
  o["id"] = s.id;
  o["lab"] = json::object{{"id", s.lab_id}, {"path", s.lab_path}};
  o["seed"] = s.seed;
  o["created_at"] = iso8601(s.created_at);
  o["created_by"] = s.created_by;
  o["desired"] = store::to_string(s.desired);
  o["status"] = store::to_string(s.status);
  o["feedback"] = s.feedback;
  // The session's own interval ("20s", "off"), null when the lab's or atelierd's applies.
  o["check_interval"] = s.check_interval ? json::value(sessions::format_check_interval(*s.check_interval))
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
  return o;
}

json::value text_json(const lab::Text& t) { return json::object{{"fr", t.fr}, {"en", t.en}}; }

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

Result<sessions::CreateSessionRequest> decode_create(const json::object& o) {
  ATELIER_RETURN_IF_ERROR(check_fields(o, {"lab", "candidates", "seed", "name", "feedback", "check_interval"}));
  sessions::CreateSessionRequest req;
  auto lab = opt_string(o, "lab");
  if (!lab.ok()) return std::move(lab).error();
  if (!*lab) return Error(ErrorCode::kInvalidArgument, "\"lab\" is required: a lab id or a lab path");
  req.lab = **lab;
  auto cands = o.find("candidates");
  if (cands == o.end() || !cands->value().is_array()) {
    return Error(ErrorCode::kInvalidArgument, "\"candidates\" is required: a list of candidate ids");
  }
  for (const auto& c : cands->value().as_array()) {
    if (!c.is_string()) return Error(ErrorCode::kInvalidArgument, "\"candidates\" must hold strings");
    req.candidates.emplace_back(c.as_string());
  }
  if (auto seed = o.find("seed"); seed != o.end() && !seed->value().is_null()) {
    if (seed->value().is_uint64()) req.seed = seed->value().as_uint64();
    else if (seed->value().is_int64() && seed->value().as_int64() >= 0)
      req.seed = static_cast<std::uint64_t>(seed->value().as_int64());
    else return Error(ErrorCode::kInvalidArgument, "\"seed\" must be a non-negative integer");
  }
  auto name = opt_string(o, "name");
  if (!name.ok()) return std::move(name).error();
  req.name = *name;
  if (auto fb = o.find("feedback"); fb != o.end()) {
    if (!fb->value().is_bool()) return Error(ErrorCode::kInvalidArgument, "\"feedback\" must be true or false");
    req.feedback = fb->value().as_bool();
  }
  if (auto ci = o.find("check_interval"); ci != o.end() && !ci->value().is_null()) {
    if (!ci->value().is_string()) {
      return Error(ErrorCode::kInvalidArgument,
                   "\"check_interval\" must be a string: a duration like \"30s\" or \"2m\", or \"off\"");
    }
    auto interval = sessions::parse_check_interval(std::string_view(ci->value().as_string()));
    if (!interval.ok()) return std::move(interval).error();
    req.check_interval = *interval;
  }
  return req;
}

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace

Api::Api(store::Store& store, sessions::SessionService& sessions, Options options)
    : store_(store), sessions_(sessions), options_(options) {}

void Api::count_response(int status) {
  std::lock_guard lock(counts_mutex_);
  responses_by_status_[status]++;
}

std::optional<HttpResponse> Api::handle_quick(const HttpRequest& request) {
  auto route = match_route(request.method, path_of(request.target));
  if (!route.ok() || route->endpoint != Endpoint::kHealthz) return std::nullopt;
  HttpResponse r = json_response(200, json::object{{"status", "ok"}});
  count_response(r.status);
  return r;
}

HttpResponse Api::handle(const HttpRequest& request) {
  HttpResponse r;
  try {
    r = dispatch(request);
  } catch (const std::exception& e) {
    // A bug, not an expected failure; the client gets a JSON 500 and the daemon keeps running.
    r = json_error(500, "internal", std::string("internal error: ") + e.what());
  }
  count_response(r.status);
  return r;
}

HttpResponse Api::dispatch(const HttpRequest& request) {
  auto route = match_route(request.method, path_of(request.target));
  if (!route.ok()) {
    if (route.error().code() == ErrorCode::kFailedPrecondition) {
      return json_error(405, "method_not_allowed", route.error().message());
    }
    return json_error(404, "not_found", route.error().message());
  }

  std::optional<store::TokenRecord> token;
  // Open endpoints (health, metrics) ignore credentials, so that a probe with a stale token
  // still works.
  if (!request.authorization.empty() && !rule(route->endpoint).open) {
    std::string_view auth = request.authorization;
    if (auth.substr(0, 7) != "Bearer ") {
      return json_error(401, "unauthenticated", "the Authorization header must be \"Bearer TOKEN\"");
    }
    auto who = store_.authenticate(auth.substr(7));
    if (!who.ok()) {
      if (who.error().code() == ErrorCode::kPermissionDenied) {
        return json_error(401, "unauthenticated", "the token is not valid; create one with `atelier token create`");
      }
      return error_response(who.error());
    }
    token = std::move(who).value();
  }
  switch (authorize(*route, token)) {
    case Decision::kUnauthenticated:
      return json_error(401, "unauthenticated", "this endpoint needs a token: Authorization: Bearer TOKEN");
    case Decision::kForbidden:
      return json_error(403, "forbidden",
                        "a " + std::string(store::to_string(token->role)) +
                            " token may not do this (see the role table in docs/api.md)");
    case Decision::kAllow:
      break;
  }
  const std::string actor = token ? token->id : "anonymous";

  switch (route->endpoint) {
    case Endpoint::kHealthz:
      return json_response(200, json::object{{"status", "ok"}});

    case Endpoint::kMetrics: {
      auto counts = store_.counts();
      if (!counts.ok()) return error_response(counts.error());
      std::ostringstream out;
      out << "# HELP atelier_http_responses_total HTTP responses by status code.\n"
          << "# TYPE atelier_http_responses_total counter\n";
      std::map<int, std::uint64_t> by_status;
      {
        std::lock_guard lock(counts_mutex_);
        by_status = responses_by_status_;
      }
      for (auto [status, n] : by_status) {
        out << "atelier_http_responses_total{code=\"" << status << "\"} " << n << "\n";
      }
      out << "# HELP atelier_sessions Sessions by desired state.\n# TYPE atelier_sessions gauge\n"
          << "atelier_sessions{desired=\"active\"} " << counts->sessions_active << "\n"
          << "atelier_sessions{desired=\"destroyed\"} " << counts->sessions_destroyed << "\n"
          << "# HELP atelier_candidate_labs Candidate labs by status.\n# TYPE atelier_candidate_labs gauge\n";
      for (std::size_t i = 0; i < counts->candidate_labs_by_status.size(); ++i) {
        out << "atelier_candidate_labs{status=\"" << store::to_string(static_cast<store::LabStatus>(i))
            << "\"} " << counts->candidate_labs_by_status[i] << "\n";
      }
      out << "# HELP atelier_results Check results stored.\n# TYPE atelier_results gauge\n"
          << "atelier_results " << counts->results << "\n";
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = out.str();
      return r;
    }

    case Endpoint::kCreateSession: {
      auto body = parse_object(request.body);
      if (!body.ok()) return json_error(400, "bad_json", body.error().message());
      auto req = decode_create(*body);
      if (!req.ok()) return error_response(req.error());
      std::vector<lab::Diagnostic> diagnostics;
      auto created = sessions_.create(*req, actor, &diagnostics);
      if (!created.ok()) {
        if (diagnostics.empty()) return error_response(created.error());
        json::array diags;
        for (const auto& d : diagnostics) {
          diags.push_back(json::object{{"file", d.file}, {"line", d.at.line}, {"column", d.at.column},
                                       {"message", d.message}, {"text", d.to_string()}});
        }
        json::object err{{"code", "invalid_lab"}, {"message", created.error().to_string()},
                         {"diagnostics", std::move(diags)}};
        return json_response(400, json::object{{"error", std::move(err)}});
      }
      json::object o = session_json(*created);
      auto labs = store_.list_candidate_labs(created->id);
      if (!labs.ok()) return error_response(labs.error());
      json::array cands;
      for (const auto& c : *labs) cands.push_back(candidate_json(c));
      o["candidates"] = std::move(cands);
      return json_response(201, o);
    }

    case Endpoint::kListSessions: {
      auto list = store_.list_sessions();
      if (!list.ok()) return error_response(list.error());
      json::array out;
      for (const auto& s : *list) {
        if (token->session && *token->session != s.id) continue;
        auto labs = store_.list_candidate_labs(s.id);
        if (!labs.ok()) return error_response(labs.error());
        json::object o = session_json(s);
        o["candidates"] = labs->size();
        std::size_t ready = 0;
        for (const auto& c : *labs) ready += c.status == store::LabStatus::kReady ? 1 : 0;
        o["ready"] = ready;
        out.push_back(std::move(o));
      }
      return json_response(200, json::object{{"sessions", std::move(out)}});
    }

    case Endpoint::kGetSession: {
      auto s = store_.get_session(route->session);
      if (!s.ok()) return error_response(s.error());
      auto labs = store_.list_candidate_labs(route->session);
      if (!labs.ok()) return error_response(labs.error());
      json::object o = session_json(*s);
      // The interval in force and where it comes from (session > lab > atelierd); null when
      // the lab can no longer be read.
      o["checks_every"] = nullptr;
      if (!labs->empty()) {
        if (auto lab = sessions_.candidate_lab(s->id, labs->front().candidate); lab.ok()) {
          auto e = sessions::effective_check_interval(s->check_interval, lab->check_interval,
                                                      options_.default_check_interval);
          o["checks_every"] = json::object{{"interval", sessions::format_check_interval(e.every)},
                                           {"seconds", e.every.count()},
                                           {"from", sessions::to_string(e.from)}};
        }
      }
      json::array cands;
      for (const auto& c : *labs) cands.push_back(candidate_json(c));
      o["candidates"] = std::move(cands);
      return json_response(200, o);
    }

    case Endpoint::kSessionEvents: {
      // One "session" event with the whole session (as GET /sessions/{id}) now and at every
      // change; the stream ends after the session reaches status destroyed.
      auto snapshot = [this, id = route->session]() -> Result<std::pair<std::string, bool>> {
        auto s = store_.get_session(id);
        if (!s.ok()) return std::move(s).error();
        auto labs = store_.list_candidate_labs(id);
        if (!labs.ok()) return std::move(labs).error();
        json::object o = session_json(*s);
        json::array cands;
        for (const auto& c : *labs) cands.push_back(candidate_json(c));
        o["candidates"] = std::move(cands);
        return std::pair<std::string, bool>("event: session\ndata: " + json::serialize(o) + "\n\n",
                                            s->status == store::LabStatus::kDestroyed);
      };
      auto first = snapshot();
      if (!first.ok()) return error_response(first.error());
      HttpResponse r;
      r.content_type = "text/event-stream";
      r.body = first->first;
      r.poll_interval = options_.events_poll_interval;
      r.poll = [snapshot, last = first->first, done = first->second,
                quiet = 0]() mutable -> std::optional<std::string> {
        if (done) return std::nullopt;
        auto now = snapshot();
        if (!now.ok()) return std::nullopt;  // the session vanished or the store failed: end
        done = now->second;
        if (now->first != last) {
          last = now->first;
          quiet = 0;
          return last;
        }
        if (++quiet >= 15) {
          quiet = 0;
          return std::string(": keep-alive\n\n");
        }
        return std::string();
      };
      return r;
    }

    case Endpoint::kDestroySession: {
      Status st = sessions_.destroy(route->session, actor);
      if (!st.ok()) return error_response(st.error());
      auto s = store_.get_session(route->session);
      if (!s.ok()) return error_response(s.error());
      return json_response(202, session_json(*s));
    }

    case Endpoint::kGetCandidate: {
      auto c = store_.get_candidate_lab(route->session, route->candidate);
      if (!c.ok()) return error_response(c.error());
      json::value v = candidate_json(*c);
      v.as_object()["session"] = route->session;
      return json_response(200, v);
    }

    case Endpoint::kGetAccess: {
      auto c = store_.get_candidate_lab(route->session, route->candidate);
      if (!c.ok()) return error_response(c.error());
      auto lab = sessions_.candidate_lab(route->session, route->candidate);
      if (!lab.ok()) return error_response(lab.error());
      json::array hosts;
      for (const auto& h : lab->hosts) {
        json::array addrs;
        for (const auto& n : h.nics) {
          addrs.push_back(json::object{{"network", n.network}, {"address", n.address.to_string()}});
        }
        hosts.push_back(json::object{{"name", h.name}, {"addresses", std::move(addrs)}});
      }
      bool ready = c->status == store::LabStatus::kReady;
      json::object o{{"session", route->session},
                     {"candidate", route->candidate},
                     {"ready", ready},
                     {"status", store::to_string(c->status)},
                     {"hosts", std::move(hosts)},
                     // Console and SSH are filled from the lab's plan once it is placed.
                     {"placed_on", nullptr},
                     {"console", nullptr},
                     {"ssh", nullptr}};
      add_access_details(o, options_.operations, route->session, route->candidate);
      return json_response(200, o);
    }

    case Endpoint::kGetTasks: {
      auto lab = sessions_.candidate_lab(route->session, route->candidate);
      if (!lab.ok()) return error_response(lab.error());
      json::array tasks;
      for (const auto& t : lab->tasks) {
        json::array comps;
        for (const auto& c : t.competencies) comps.push_back(json::value(c));
        tasks.push_back(json::object{{"id", t.id},
                                     {"title", text_json(t.ticket.title)},
                                     {"from", t.ticket.from},
                                     {"priority", lab::to_string(t.ticket.priority)},
                                     {"sla_seconds", t.ticket.sla.count()},
                                     {"points", t.points},
                                     {"competencies", std::move(comps)},
                                     {"body", text_json(t.ticket.body)}});
      }
      return json_response(200, json::object{{"session", route->session},
                                             {"candidate", route->candidate},
                                             {"lab", lab->id},
                                             {"title", text_json(lab->title)},
                                             {"tasks", std::move(tasks)}});
    }

    case Endpoint::kGetCandidateResults:
    case Endpoint::kGetResults: {
      auto s = store_.get_session(route->session);
      if (!s.ok()) return error_response(s.error());
      std::optional<std::string_view> only;
      if (route->endpoint == Endpoint::kGetCandidateResults) {
        auto c = store_.get_candidate_lab(route->session, route->candidate);
        if (!c.ok()) return error_response(c.error());
        if (token->role == store::Role::kCandidate && !s->feedback) {
          return json_error(403, "forbidden", "this session does not show candidates their results");
        }
        only = route->candidate;
      }
      if (ResultsApi::wants_export(request.target)) {  // ?format=...: graded (results_api.h)
        return ResultsApi(store_, sessions_).export_results(*route, *token, request.target);
      }
      auto results = store_.list_results(route->session, only);
      if (!results.ok()) return error_response(results.error());
      json::array out;
      for (const auto& r : *results) out.push_back(result_json(r));
      json::object o{{"session", route->session}, {"results", std::move(out)}};
      if (only) o["candidate"] = route->candidate;
      return json_response(200, o);
    }

    case Endpoint::kCreateToken: {
      auto body = parse_object(request.body);
      if (!body.ok()) return json_error(400, "bad_json", body.error().message());
      Status fields = check_fields(*body, {"role", "session", "candidate", "label"});
      if (!fields.ok()) return error_response(fields.error());
      auto role_text = opt_string(*body, "role");
      auto session = opt_string(*body, "session");
      auto candidate = opt_string(*body, "candidate");
      auto label = opt_string(*body, "label");
      for (const auto* r : {&role_text, &session, &candidate, &label}) {
        if (!r->ok()) return error_response(r->error());
      }
      if (!*role_text) return json_error(400, "invalid_argument", "\"role\" is required: trainer, evaluator or candidate");
      auto role = store::parse_role(**role_text);
      if (!role) {
        return json_error(400, "invalid_argument",
                          "\"role\" is \"" + **role_text + "\"; expected trainer, evaluator or candidate");
      }
      if (token->session && *session != token->session) {
        return json_error(403, "forbidden", "this token may only create tokens for session " + *token->session);
      }
      auto created = store_.create_token(*role, *session, *candidate, label->value_or(""), sessions_.now(), actor);
      if (!created.ok()) return error_response(created.error());
      json::object o{{"token", *created},
                     {"id", store::sha256_hex(*created).substr(0, 12)},
                     {"role", store::to_string(*role)},
                     {"session", *session ? json::value(**session) : json::value(nullptr)},
                     {"candidate", *candidate ? json::value(**candidate) : json::value(nullptr)}};
      return json_response(201, o);
    }

    case Endpoint::kResetLab:
    case Endpoint::kSolveLab:
    case Endpoint::kRunChecks:
    case Endpoint::kGetAction:
      return handle_action(*route, request, store_, options_.operations, actor);

    case Endpoint::kCreateAnnotation:
      return ResultsApi(store_, sessions_).annotate(*route, *token, request.body);
    case Endpoint::kCreateOverride:
      return ResultsApi(store_, sessions_).override_score(*route, *token, request.body);
    case Endpoint::kCollectResults:
      return ResultsApi(store_, sessions_).collect(*route, *token, request.body);
  }
  return json_error(500, "internal", "unhandled endpoint");
}

}  // namespace atelier::api
