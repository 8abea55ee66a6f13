// Staff cookies as principals, and the CSRF rule of cookie-authenticated requests (staff_auth.h).
#include "controller/api/staff_auth.h"

#include "controller/sessions/access_code.h"

namespace atelier::api {

store::TokenRecord principal_of(const store::UserRecord& user) {
  store::TokenRecord t;
  t.id = std::string(kUserActorPrefix) + user.name;
  t.role = user.role;
  t.session = user.session;
  t.label = user.name;
  t.created_at = user.created_at;
  return t;
}

Result<std::optional<store::TokenRecord>> staff_principal(store::Store& store,
                                                          const HttpRequest& request) {
  std::string c = request_cookie(request, kStaffCookie);
  if (!is_cookie_secret(c)) return std::optional<store::TokenRecord>();
  auto user = store.find_staff_session(store::sha256_hex(c), store::Clock::now());
  if (!user.ok()) return std::move(user).error();
  if (!user->has_value()) return std::optional<store::TokenRecord>();
  return std::optional(principal_of(**user));
}

bool csrf_ok(const HttpRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") return true;
  std::string want = request_cookie(request, kCsrfCookieName);
  if (!is_cookie_secret(want)) return false;
  std::string got(request.header(kCsrfHeader));
  if (got.empty() &&
      request.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    got = form_value(request.body, "csrf");
  }
  return sessions::digests_equal(got, want);
}

}  // namespace atelier::api
