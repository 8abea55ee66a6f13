// POST/GET /sessions, GET/DELETE /sessions/{session} (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"
#include "controller/sessions/check_interval.h"

namespace atelier::api {
namespace json = boost::json;
namespace {

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

// 400 invalid_lab with the loader's diagnostics (file, line, column, message).
HttpResponse invalid_lab(const Error& error, const std::vector<lab::Diagnostic>& diagnostics) {
  json::array diags;
  for (const auto& d : diagnostics) {
    diags.push_back(json::object{{"file", d.file}, {"line", d.at.line}, {"column", d.at.column},
                                 {"message", d.message}, {"text", d.to_string()}});
  }
  json::object err{{"code", "invalid_lab"}, {"message", error.to_string()}, {"diagnostics", std::move(diags)}};
  return json_response(400, json::object{{"error", std::move(err)}});
}

}  // namespace

HttpResponse handle_create_session(const HandlerContext& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body.ok()) return json_error(400, "bad_json", body.error().message());
  auto req = decode_create(*body);
  if (!req.ok()) return error_response(req.error());
  std::vector<lab::Diagnostic> diagnostics;
  auto created = ctx.sessions.create(*req, ctx.actor, &diagnostics);
  if (!created.ok()) {
    if (diagnostics.empty()) return error_response(created.error());
    return invalid_lab(created.error(), diagnostics);
  }
  auto o = session_with_candidates_json(ctx.store, *created);
  if (!o.ok()) return error_response(o.error());
  return json_response(201, *o);
}

HttpResponse handle_list_sessions(const HandlerContext& ctx) {
  auto list = ctx.store.list_sessions();
  if (!list.ok()) return error_response(list.error());
  json::array out;
  for (const auto& s : *list) {
    if (ctx.token->session && *ctx.token->session != s.id) continue;
    auto labs = ctx.store.list_candidate_labs(s.id);
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

HttpResponse handle_get_session(const HandlerContext& ctx) {
  auto s = ctx.store.get_session(ctx.route.session);
  if (!s.ok()) return error_response(s.error());
  auto labs = ctx.store.list_candidate_labs(ctx.route.session);
  if (!labs.ok()) return error_response(labs.error());
  json::object o = session_json(*s);
  // The interval in force and where it comes from (session > lab > atelierd); null when
  // the lab can no longer be read.
  o["checks_every"] = nullptr;
  if (!labs->empty()) {
    if (auto lab = ctx.sessions.candidate_lab(s->id, labs->front().candidate); lab.ok()) {
      auto e = sessions::effective_check_interval(s->check_interval, lab->check_interval,
                                                  ctx.options.default_check_interval);
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

HttpResponse handle_destroy_session(const HandlerContext& ctx) {
  Status st = ctx.sessions.destroy(ctx.route.session, ctx.actor);
  if (!st.ok()) return error_response(st.error());
  auto s = ctx.store.get_session(ctx.route.session);
  if (!s.ok()) return error_response(s.error());
  return json_response(202, session_json(*s));
}

}  // namespace atelier::api
