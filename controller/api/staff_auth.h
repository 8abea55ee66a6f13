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
#include "controller/api/web_http.h"
#include "controller/store/store.h"

namespace atelier::api {

inline constexpr std::string_view kStaffCookie = "atelier_staff";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
// What a user's principal's id starts with: the audit rows read "user:marie".
inline constexpr std::string_view kUserActorPrefix = "user:";

// The principal of an account: role and scope of the user, id "user:NAME", label NAME.
store::TokenRecord principal_of(const store::UserRecord& user);

// The principal of the request's staff cookie; nullopt when there is none, it expired, or its
// user was disabled.
Result<std::optional<store::TokenRecord>> staff_principal(store::Store& store,
                                                          const HttpRequest& request);

// Whether a cookie-authenticated request may go on: safe methods always; others only with the
// CSRF token of the atelier_csrf cookie in the X-CSRF-Token header or the body's csrf field.
bool csrf_ok(const HttpRequest& request);

}  // namespace atelier::api
