// POST /tokens, GET /tokens, DELETE /tokens/{token} (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"

namespace atelier::api {
namespace json = boost::json;
namespace {

json::object token_json(const store::TokenRecord& t) {
  return json::object{
      {"id", t.id},
      {"role", store::to_string(t.role)},
      {"session", t.session ? json::value(*t.session) : json::value(nullptr)},
      {"candidate", t.candidate ? json::value(*t.candidate) : json::value(nullptr)},
      {"label", t.label},
      {"created_at", iso8601(t.created_at)},
      {"expires_at", t.expires_at ? json::value(iso8601(*t.expires_at)) : json::value(nullptr)}};
}

// When a new token ends: candidate tokens with their session (no fixed end unless asked);
// the others after `expires`, or kDefaultTokenLifetime.
Result<std::optional<store::TimePoint>> expiry(store::Role role,
                                               const std::optional<std::string>& expires,
                                               store::TimePoint now) {
  std::optional<std::chrono::seconds> lifetime;
  if (expires) {
    auto parsed = store::parse_token_lifetime(*expires);
    if (!parsed.ok()) return std::move(parsed).error();
    lifetime = *parsed;
  } else if (role != store::Role::kCandidate) {
    lifetime = store::kDefaultTokenLifetime;
  }
  if (!lifetime) return std::optional<store::TimePoint>();
  return std::optional(now + *lifetime);
}

}  // namespace

HttpResponse handle_create_token(const HandlerContext& ctx) {
  auto body = parse_object(ctx.request.body);
  if (!body.ok()) return json_error(400, "bad_json", body.error().message());
  Status fields = check_fields(*body, {"role", "session", "candidate", "label", "expires"});
  if (!fields.ok()) return error_response(fields.error());
  auto role_text = opt_string(*body, "role");
  auto session = opt_string(*body, "session");
  auto candidate = opt_string(*body, "candidate");
  auto label = opt_string(*body, "label");
  auto expires = opt_string(*body, "expires");
  for (const auto* r : {&role_text, &session, &candidate, &label, &expires}) {
    if (!r->ok()) return error_response(r->error());
  }
  if (!*role_text)
    return json_error(400, "invalid_argument",
                      "\"role\" is required: trainer, evaluator or candidate");
  auto role = store::parse_role(**role_text);
  if (!role) {
    return json_error(
        400, "invalid_argument",
        "\"role\" is \"" + **role_text + "\"; expected trainer, evaluator or candidate");
  }
  const auto& token = *ctx.token;
  if (token.session && *session != token.session) {
    return json_error(403, "forbidden",
                      "this token may only create tokens for session " + *token.session);
  }
  const store::TimePoint now = ctx.sessions.now();
  auto ends = expiry(*role, *expires, now);
  if (!ends.ok()) return error_response(ends.error());
  auto created = ctx.store.create_token(*role, *session, *candidate, label->value_or(""), now,
                                        ctx.actor, *ends);
  if (!created.ok()) return error_response(created.error());
  json::object o{{"token", *created},
                 {"id", store::sha256_hex(*created).substr(0, 12)},
                 {"role", store::to_string(*role)},
                 {"session", *session ? json::value(**session) : json::value(nullptr)},
                 {"candidate", *candidate ? json::value(**candidate) : json::value(nullptr)},
                 {"expires_at", *ends ? json::value(iso8601(**ends)) : json::value(nullptr)}};
  return json_response(201, o);
}

// A session-limited trainer sees and revokes only the tokens of its session.
HttpResponse handle_list_tokens(const HandlerContext& ctx) {
  auto listed = ctx.store.list_tokens(ctx.sessions.now(), ctx.token->session);
  if (!listed.ok()) return error_response(listed.error());
  json::array items;
  for (const auto& t : *listed) items.push_back(token_json(t));
  return json_response(200, json::object{{"tokens", std::move(items)}});
}

HttpResponse handle_revoke_token(const HandlerContext& ctx) {
  const std::string& id = ctx.route.token;
  store::AuditEntry audit{0, ctx.sessions.now(), ctx.actor, "token.revoke", "token " + id, ""};
  Status s = ctx.store.revoke_token(id, audit, ctx.token->session);
  if (!s.ok()) return error_response(s.error());
  return json_response(200, json::object{{"id", id}, {"revoked", true}});
}

}  // namespace atelier::api
