// Routing, authentication and authorization of every request, then the endpoint's handler from
// the role table (see api.h, roles.h, handlers.h and docs/api.md).
#include "controller/api/api.h"

#include <boost/json.hpp>
#include <utility>

#include "controller/api/handlers.h"
#include "controller/api/roles.h"
#include "controller/api/staff_auth.h"

namespace atelier::api {
namespace json = boost::json;
namespace {

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace

Api::Api(store::Store& store, sessions::SessionService& sessions, Options options)
    : store_(store), sessions_(sessions), options_(std::move(options)), web_state_(options_.web) {}

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

// No credential: the staff pages send people to their login; a candidate's browser session is
// refused (it opens nothing beyond the candidate's own pages); the JSON API says what it needs.
HttpResponse Api::unauthenticated(const HttpRequest& request) {
  std::string_view path = path_of(request.target);
  auto candidate = web_session_of(store_, request);
  if (candidate.ok() && candidate->has_value()) {
    return json_error(403, "forbidden",
                      "a candidate's browser session opens only the candidate's own pages");
  }
  if (request.method == "GET" &&
      (path == "/trainer" || path.starts_with("/trainer/") || path.starts_with("/evaluator"))) {
    HttpResponse r;
    r.status = 303;
    r.content_type = "text/html; charset=utf-8";
    r.headers.emplace_back("Location", "/staff/login");
    return r;
  }
  return json_error(401, "unauthenticated",
                    "this endpoint needs a token: Authorization: Bearer TOKEN");
}

HttpResponse Api::dispatch(const HttpRequest& request) {
  auto route = match_route(request.method, path_of(request.target));
  if (!route.ok()) {
    if (route.error().code() == ErrorCode::kFailedPrecondition) {
      return json_error(405, "method_not_allowed", route.error().message());
    }
    return json_error(404, "not_found", route.error().message());
  }
  const Rule& row = rule(route->endpoint);
  std::optional<store::TokenRecord> token;
  // Open endpoints (health, metrics) ignore credentials, so that a probe with a stale token
  // still works.
  if (!request.authorization.empty() && !row.open) {
    std::string_view auth = request.authorization;
    if (auth.substr(0, 7) != "Bearer ") {
      return json_error(401, "unauthenticated",
                        "the Authorization header must be \"Bearer TOKEN\"");
    }
    auto who = store_.authenticate(auth.substr(7), sessions_.now());
    if (!who.ok()) {
      if (who.error().code() == ErrorCode::kPermissionDenied) {
        return json_error(401, "unauthenticated",
                          "the token is not valid; create one with `atelier token create`");
      }
      return error_response(who.error());
    }
    token = std::move(who).value();
  } else if (!row.open) {
    // No bearer token: a trainer's or evaluator's browser session stands for one (staff_auth.h),
    // and what it changes must carry the page's CSRF token.
    auto who = staff_principal(store_, request);
    if (!who.ok()) return error_response(who.error());
    token = std::move(who).value();
    if (token && !csrf_ok(request)) {
      return json_error(403, "forbidden",
                        "a request signed in by cookie that changes something needs the page's "
                        "CSRF token (header X-CSRF-Token or form field csrf)");
    }
  }
  switch (authorize(*route, token)) {
    case Decision::kUnauthenticated:
      return unauthenticated(request);
    case Decision::kForbidden:
      return json_error(403, "forbidden",
                        "a " + std::string(store::to_string(token->role)) +
                            " token may not do this (see the role table in docs/api.md)");
    case Decision::kAllow:
      break;
  }
  const std::string actor = token ? token->id : "anonymous";
  HandlerContext context{
      request, *route, token, actor, store_, sessions_, options_, web_state_, [this] {
        std::lock_guard lock(counts_mutex_);
        return responses_by_status_;
      }};
  return row.handler(context);
}

}  // namespace atelier::api
