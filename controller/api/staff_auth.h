// People's browser sessions (trainers, evaluators signed in at /staff/login) as API principals:
// the staff cookie becomes the same TokenRecord a bearer token gives, so that authorize() decides
// for cookies and tokens alike. A request authenticated by cookie that changes something must
// carry the CSRF token (header X-CSRF-Token or form field csrf) equal to its atelier_csrf cookie.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/api/http_types.h"
#include "controller/store/store.h"

namespace atelier::api {

inline constexpr std::string_view kStaffCookie = "atelier_staff";
inline constexpr std::string_view kCsrfCookieName = "atelier_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
// What a user's principal's id starts with: the audit rows read "user:marie".
inline constexpr std::string_view kUserActorPrefix = "user:";

// The value of cookie `name` in the Cookie header, "" when absent.
std::string request_cookie(const HttpRequest& r, std::string_view name);
// Field `name` of a form body or query string, percent- and plus-decoded; "" when absent.
std::string form_value(std::string_view text, std::string_view name);
// 2*bytes random hex digits, "" when the system generator fails.
std::string random_hex_string(std::size_t bytes);
bool is_cookie_secret(std::string_view s);  // 64 hex digits

// The principal of an account: role and scope of the user, id "user:NAME", label NAME.
store::TokenRecord principal_of(const store::UserRecord& user);

// The principal of the request's staff cookie; nullopt when there is none, it expired, or its
// user was disabled.
Result<std::optional<store::TokenRecord>> staff_principal(store::Store& store, const HttpRequest& request);

// Whether a cookie-authenticated request may go on: safe methods always; others only with the
// CSRF token of the atelier_csrf cookie in the X-CSRF-Token header or the body's csrf field.
bool csrf_ok(const HttpRequest& request);

}  // namespace atelier::api
