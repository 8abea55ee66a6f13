// POST /tokens (see handlers.h and docs/api.md).
#include <boost/json.hpp>

#include "controller/api/handlers.h"

namespace atelier::api {
namespace json = boost::json;

HttpResponse handle_create_token(const HandlerContext& ctx) {
  auto body = parse_object(ctx.request.body);
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
  const auto& token = *ctx.token;
  if (token.session && *session != token.session) {
    return json_error(403, "forbidden", "this token may only create tokens for session " + *token.session);
  }
  auto created = ctx.store.create_token(*role, *session, *candidate, label->value_or(""), ctx.sessions.now(), ctx.actor);
  if (!created.ok()) return error_response(created.error());
  json::object o{{"token", *created},
                 {"id", store::sha256_hex(*created).substr(0, 12)},
                 {"role", store::to_string(*role)},
                 {"session", *session ? json::value(**session) : json::value(nullptr)},
                 {"candidate", *candidate ? json::value(**candidate) : json::value(nullptr)}};
  return json_response(201, o);
}

}  // namespace atelier::api
