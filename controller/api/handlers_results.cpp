// A session's or a candidate's results, and the evaluators' annotations, overrides and collect
// (see handlers.h, results_api.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"
#include "controller/api/results_api.h"

namespace atelier::api {
namespace json = boost::json;

// Serves both GET .../results (the session's) and GET .../candidates/{candidate}/results.
HttpResponse handle_get_results(const HandlerContext& ctx) {
  const Route& route = ctx.route;
  auto s = ctx.store.get_session(route.session);
  if (!s.ok()) return error_response(s.error());
  std::optional<std::string_view> only;
  if (route.endpoint == Endpoint::kGetCandidateResults) {
    auto c = ctx.store.get_candidate_lab(route.session, route.candidate);
    if (!c.ok()) return error_response(c.error());
    if (ctx.token->role == store::Role::kCandidate && !s->feedback) {
      return json_error(403, "forbidden", "this session does not show candidates their results");
    }
    only = route.candidate;
  }
  if (ResultsApi::wants_export(ctx.request.target)) {  // ?format=...: graded (results_api.h)
    return ResultsApi(ctx.store, ctx.sessions)
        .export_results(route, *ctx.token, ctx.request.target);
  }
  auto results = ctx.store.list_results(route.session, only);
  if (!results.ok()) return error_response(results.error());
  json::array out;
  for (const auto& r : *results) out.push_back(result_json(r));
  json::object o{{"session", route.session}, {"results", std::move(out)}};
  if (only) o["candidate"] = route.candidate;
  return json_response(200, o);
}

HttpResponse handle_create_annotation(const HandlerContext& ctx) {
  return ResultsApi(ctx.store, ctx.sessions).annotate(ctx.route, *ctx.token, ctx.request.body);
}

HttpResponse handle_create_override(const HandlerContext& ctx) {
  return ResultsApi(ctx.store, ctx.sessions)
      .override_score(ctx.route, *ctx.token, ctx.request.body);
}

HttpResponse handle_collect_results(const HandlerContext& ctx) {
  return ResultsApi(ctx.store, ctx.sessions).collect(ctx.route, *ctx.token, ctx.request.body);
}

}  // namespace atelier::api
