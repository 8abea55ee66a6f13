// POST/GET /sessions, GET/DELETE /sessions/{session} (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "controller/api/handlers.h"
#include "controller/sessions/check_interval.h"

namespace atelier::api {
namespace json = boost::json;
namespace {

// Longest lab path, and longest part of one, accepted (PATH_MAX and NAME_MAX on Linux): a
// longer one is the client's mistake, said with the limit, not a 500 from the file system.
constexpr std::size_t kMaxLabPathBytes = 4096;
constexpr std::size_t kMaxLabPathPartBytes = 255;

Status check_lab_path_length(std::string_view lab) {
  if (lab.size() > kMaxLabPathBytes) {
    return Error(ErrorCode::kInvalidArgument, "\"lab\" is " + std::to_string(lab.size()) +
                                                  " bytes long; the limit is " +
                                                  std::to_string(kMaxLabPathBytes) + " bytes");
  }
  std::size_t start = 0;
  while (start <= lab.size()) {
    std::size_t end = std::min(lab.find('/', start), lab.size());
    if (end - start > kMaxLabPathPartBytes) {
      return Error(ErrorCode::kInvalidArgument,
                   "\"lab\" has a part of " + std::to_string(end - start) +
                       " bytes; the limit is " + std::to_string(kMaxLabPathPartBytes) +
                       " bytes between slashes");
    }
    start = end + 1;
  }
  return ok_status();
}

// GET /sessions pages: `limit` sessions at most (default and maximum below), after `after`.
constexpr std::size_t kDefaultSessionPage = 100;
constexpr std::size_t kMaxSessionPage = 1000;

struct Page {
  std::optional<std::string> after;
  std::size_t limit = kDefaultSessionPage;
};

Result<Page> decode_page(const std::map<std::string, std::string>& query) {
  Page page;
  if (auto it = query.find("after"); it != query.end()) page.after = it->second;
  if (auto it = query.find("limit"); it != query.end()) {
    const std::string& text = it->second;
    std::size_t n = 0;
    bool digits = !text.empty() && text.size() <= 6 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (digits) n = std::stoul(text);
    if (!digits || n < 1 || n > kMaxSessionPage) {
      return Error(ErrorCode::kInvalidArgument, "\"limit\" is \"" + text + "\"; expected 1 to " +
                                                    std::to_string(kMaxSessionPage));
    }
    page.limit = n;
  }
  return page;
}

Result<sessions::CreateSessionRequest> decode_create(const json::object& o) {
  ATELIER_RETURN_IF_ERROR(check_fields(o, {"lab", "candidates", "display_names", "seed", "name",
                                           "feedback", "candidate_resets", "check_interval"}));
  sessions::CreateSessionRequest req;
  auto lab = opt_string(o, "lab");
  if (!lab.ok()) return std::move(lab).error();
  if (!*lab)
    return Error(ErrorCode::kInvalidArgument, "\"lab\" is required: a lab id or a lab path");
  req.lab = **lab;
  ATELIER_RETURN_IF_ERROR(check_lab_path_length(req.lab));
  auto cands = o.find("candidates");
  if (cands == o.end() || !cands->value().is_array()) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"candidates\" is required: a list of candidate ids");
  }
  for (const auto& c : cands->value().as_array()) {
    if (!c.is_string())
      return Error(ErrorCode::kInvalidArgument, "\"candidates\" must hold strings");
    req.candidates.emplace_back(c.as_string());
  }
  // The session service checks them (a listed candidate, length, no control character).
  if (auto names = o.find("display_names"); names != o.end() && !names->value().is_null()) {
    const auto* map = names->value().if_object();
    if (map == nullptr)
      return Error(ErrorCode::kInvalidArgument,
                   "\"display_names\" must be an object: candidate id -> the name people read");
    for (const auto& [id, name] : *map) {
      if (!name.is_string())
        return Error(ErrorCode::kInvalidArgument,
                     "\"display_names\": the name of " + std::string(id) + " must be a string");
      req.display_names[std::string(id)] = std::string(name.as_string());
    }
  }
  if (auto seed = o.find("seed"); seed != o.end() && !seed->value().is_null()) {
    if (seed->value().is_uint64())
      req.seed = seed->value().as_uint64();
    else if (seed->value().is_int64() && seed->value().as_int64() >= 0)
      req.seed = static_cast<std::uint64_t>(seed->value().as_int64());
    else
      return Error(ErrorCode::kInvalidArgument, "\"seed\" must be a non-negative integer");
  }
  auto name = opt_string(o, "name");
  if (!name.ok()) return std::move(name).error();
  req.name = *name;
  if (auto fb = o.find("feedback"); fb != o.end()) {
    if (!fb->value().is_bool())
      return Error(ErrorCode::kInvalidArgument, "\"feedback\" must be true or false");
    req.feedback = fb->value().as_bool();
  }
  if (auto cr = o.find("candidate_resets"); cr != o.end()) {
    if (!cr->value().is_bool()) {
      return Error(ErrorCode::kInvalidArgument, "\"candidate_resets\" must be true or false");
    }
    req.candidate_resets = cr->value().as_bool();
  }
  if (auto ci = o.find("check_interval"); ci != o.end() && !ci->value().is_null()) {
    if (!ci->value().is_string()) {
      return Error(
          ErrorCode::kInvalidArgument,
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
    diags.push_back(json::object{{"file", d.file},
                                 {"line", d.at.line},
                                 {"column", d.at.column},
                                 {"message", d.message},
                                 {"text", d.to_string()}});
  }
  json::object err{
      {"code", "invalid_lab"}, {"message", error.to_string()}, {"diagnostics", std::move(diags)}};
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
  auto o = session_with_candidates_json(ctx.store, *created, shows_seed(ctx));
  if (!o.ok()) return error_response(o.error());
  return json_response(201, *o);
}

// Oldest first, a page at a time: "next" is the `after` of the following page, null on the last.
// A session-limited token sees its own session only.
HttpResponse handle_list_sessions(const HandlerContext& ctx) {
  auto query = query_params(ctx.request.target);
  if (!query.ok()) return error_response(query.error());
  auto page = decode_page(*query);
  if (!page.ok()) return error_response(page.error());
  Result<std::vector<store::SessionRecord>> list = std::vector<store::SessionRecord>();
  if (ctx.token->session) {
    auto own = ctx.store.get_session(*ctx.token->session);
    if (own.ok() && (!page->after || *page->after < own->id))
      list->push_back(std::move(own).value());
  } else {
    // One more than asked: whether a next page exists, without a count.
    list = ctx.store.list_sessions_page(page->after, page->limit + 1);
    if (!list.ok() && list.error().code() == ErrorCode::kNotFound) {
      return json_error(400, "invalid_argument", "\"after\" names no session: " + *page->after);
    }
  }
  if (!list.ok()) return error_response(list.error());
  json::value next = nullptr;
  if (list->size() > page->limit) {
    list->resize(page->limit);
    next = json::value(list->back().id);
  }
  json::array out;
  for (const auto& s : *list) {
    auto labs = ctx.store.list_candidate_labs(s.id);
    if (!labs.ok()) return error_response(labs.error());
    json::object o = session_json(s, shows_seed(ctx));
    o["candidates"] = labs->size();
    std::size_t ready = 0;
    for (const auto& c : *labs) ready += c.status == store::LabStatus::kReady ? 1 : 0;
    o["ready"] = ready;
    out.push_back(std::move(o));
  }
  return json_response(200, json::object{{"sessions", std::move(out)}, {"next", std::move(next)}});
}

HttpResponse handle_get_session(const HandlerContext& ctx) {
  auto s = ctx.store.get_session(ctx.route.session);
  if (!s.ok()) return error_response(s.error());
  auto labs = ctx.store.list_candidate_labs(ctx.route.session);
  if (!labs.ok()) return error_response(labs.error());
  json::object o = session_json(*s, shows_seed(ctx));
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
  return json_response(202, session_json(*s, shows_seed(ctx)));
}

}  // namespace atelier::api
