// The consoles' credentials and recordings: who opens a console WebSocket (a trainer's token, or
// a candidate's cookie or token, for their own lab only), and the recordings listed and served to
// trainers and evaluators (GET /sessions/{s}/recordings, .../candidates/{c}/recordings/{file}).
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "controller/api/console_ws.h"
#include "controller/api/handlers.h"
#include "controller/api/staff_auth.h"
#include "controller/provider/naming.h"

namespace atelier::api {
namespace json = boost::json;
namespace fs = std::filesystem;

std::optional<ConsolePrincipal> console_principal(store::Store& store, const HttpRequest& request) {
  std::string_view auth = request.authorization;
  if (!auth.empty()) {
    if (!auth.starts_with("Bearer ")) return std::nullopt;
    auto token = store.authenticate(auth.substr(7));
    if (!token.ok()) return std::nullopt;
    ConsolePrincipal p{token->id, token->role == store::Role::kTrainer, token->session,
                       std::nullopt, false, token->label};
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
  return ConsolePrincipal{person.id, person.role == store::Role::kTrainer, person.session,
                          std::nullopt, true, person.label};
}

namespace {

struct RecordingName {
  std::string host;
  long long connection = 0;
};

// "<host>-<n>.cast" as ConsoleHub names them; nullopt for anything else (so no path escapes).
std::optional<RecordingName> parse_recording_name(std::string_view name) {
  if (!name.ends_with(".cast")) return std::nullopt;
  name.remove_suffix(5);
  std::size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  RecordingName r{std::string(name.substr(0, dash)), 0};
  for (char c : name.substr(dash + 1)) {
    if (c < '0' || c > '9' || r.connection > 1000000) return std::nullopt;
    r.connection = r.connection * 10 + (c - '0');
  }
  if (!provider::validate_ref({"s", "c", r.host}).ok()) return std::nullopt;
  return r;
}

// The header's "timestamp" (unix seconds), 0 when unreadable.
long long started_at(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return 0;
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return 0;
  const json::value* t = v.as_object().if_contains("timestamp");
  return t && t->is_int64() ? t->as_int64() : 0;
}

}  // namespace

HttpResponse handle_list_recordings(const HandlerContext& ctx) {
  auto session = ctx.store.get_session(ctx.route.session);
  if (!session.ok()) return error_response(session.error());
  auto labs = ctx.store.list_candidate_labs(ctx.route.session);
  if (!labs.ok()) return error_response(labs.error());
  json::array out;
  const fs::path root = ctx.options.web.recordings_dir;
  for (const auto& lab : *labs) {
    if (root.empty()) break;
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / lab.session / lab.candidate, ec)) {
      if (e.is_regular_file(ec) && parse_recording_name(e.path().filename().string()))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto name = parse_recording_name(f.filename().string());
      const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(started_at(f)));
      out.push_back(
          json::object{{"candidate", lab.candidate},
                       {"host", name->host},
                       {"connection", name->connection},
                       {"bytes", static_cast<std::int64_t>(fs::file_size(f, ec))},
                       {"started_at", iso8601(when)},
                       {"url", "/sessions/" + lab.session + "/candidates/" + lab.candidate +
                                   "/recordings/" + f.filename().string()}});
    }
  }
  return json_response(
      200, json::object{{"session", ctx.route.session}, {"recordings", std::move(out)}});
}

HttpResponse handle_get_recording(const HandlerContext& ctx) {
  if (!parse_recording_name(ctx.route.action) || ctx.options.web.recordings_dir.empty()) {
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
