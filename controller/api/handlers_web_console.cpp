// The consoles' credentials and recordings: who opens a console WebSocket (a trainer's token or
// staff cookie; a candidate's cookie or token, for their own lab only), and the recordings listed
// and served to trainers and evaluators (GET /sessions/{s}/recordings,
// .../candidates/{c}/recordings/{file}).
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "controller/api/console_ws.h"
#include "controller/api/handlers.h"
#include "controller/api/staff_auth.h"
#include "controller/console/recordings.h"

namespace atelier::api {
namespace json = boost::json;
namespace fs = std::filesystem;

std::optional<ConsolePrincipal> console_principal(store::Store& store, const HttpRequest& request) {
  std::string_view auth = request.authorization;
  if (!auth.empty()) {
    if (!auth.starts_with("Bearer ")) return std::nullopt;
    auto token = store.authenticate(auth.substr(7));
    if (!token.ok()) return std::nullopt;
    ConsolePrincipal p{token->id,      token->role == store::Role::kTrainer,
                       token->session, std::nullopt,
                       false,          token->label};
    // An evaluator's token names no candidate and is no trainer: refused (403) by the bridge.
    if (token->role == store::Role::kCandidate) p.candidate = token->candidate;
    return p;
  }
  auto who = web_session_of(store, request);
  if (who.ok() && who->has_value()) {
    const store::WebSessionRecord& w = **who;
    return ConsolePrincipal{w.candidate, false, w.session, w.candidate, true, w.candidate};
  }
  // A person signed in at /staff/login: a trainer watches and takes over from the trainer's
  // pages; an evaluator is no trainer and names no candidate (refused by the bridge).
  auto staff = staff_principal(store, request);
  if (!staff.ok() || !staff->has_value()) return std::nullopt;
  const store::TokenRecord& person = **staff;
  return ConsolePrincipal{person.id,      person.role == store::Role::kTrainer,
                          person.session, std::nullopt,
                          true,           person.label};
}

HttpResponse handle_list_recordings(const HandlerContext& ctx) {
  auto session = ctx.store.get_session(ctx.route.session);
  if (!session.ok()) return error_response(session.error());
  auto labs = ctx.store.list_candidate_labs(ctx.route.session);
  if (!labs.ok()) return error_response(labs.error());
  json::array out;
  for (const auto& lab : *labs) {
    for (const auto& f :
         console::list_recordings(ctx.options.web.recordings_dir, lab.session, lab.candidate)) {
      out.push_back(json::object{{"candidate", lab.candidate},
                                 {"host", f.name.host},
                                 {"connection", f.name.connection},
                                 {"bytes", static_cast<std::int64_t>(f.bytes)},
                                 {"started_at", iso8601(f.started_at)},
                                 {"url", "/sessions/" + lab.session + "/candidates/" +
                                             lab.candidate + "/recordings/" + f.file}});
    }
  }
  return json_response(
      200, json::object{{"session", ctx.route.session}, {"recordings", std::move(out)}});
}

HttpResponse handle_get_recording(const HandlerContext& ctx) {
  // The session and candidate become folders: only a candidate lab the store knows names one
  // (not "..", which would step out of the session's recordings).
  if (!console::parse_recording_name(ctx.route.action) || ctx.options.web.recordings_dir.empty() ||
      !ctx.store.get_candidate_lab(ctx.route.session, ctx.route.candidate).ok()) {
    return json_error(404, "not_found",
                      "no such recording; list them with GET /sessions/SESSION/recordings");
  }
  fs::path file =
      ctx.options.web.recordings_dir / ctx.route.session / ctx.route.candidate / ctx.route.action;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return json_error(404, "not_found",
                      "no such recording; list them with GET /sessions/SESSION/recordings");
  HttpResponse r;
  r.content_type = "application/x-asciicast";
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + ctx.route.candidate +
                                                    "-" + ctx.route.action + "\"");
  return r;
}

}  // namespace atelier::api
