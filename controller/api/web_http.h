// The web edge's HTTP vocabulary, one copy for every page handler (candidate's, people's,
// evaluator's) and the staff cookie: cookies, form and query fields, random cookie secrets,
// the language choice, and HTML answers with the pages' security headers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "controller/api/http_types.h"
#include "controller/web/pages.h"

namespace atelier::api {

struct HandlerContext;  // handlers.h

inline constexpr std::string_view kCsrfCookieName = "atelier_csrf";
inline constexpr std::string_view kLangCookie = "atelier_lang";

// The value of cookie `name` in the Cookie header, "" when absent.
std::string request_cookie(const HttpRequest& r, std::string_view name);
// Field `name` of a form body or query string, percent- and plus-decoded; "" when absent.
std::string form_value(std::string_view text, std::string_view name);
// Field `name` of the request target's query string.
std::string query_value(const HttpRequest& r, std::string_view name);
// 2*bytes random hex digits (common/crypto), "" when the system generator fails.
std::string random_hex_string(std::size_t bytes);
bool is_cookie_secret(std::string_view s);  // 64 hex digits

// ?lang= wins, then the atelier_lang cookie, then French.
web::Lang lang_of(const HttpRequest& r);
// A Set-Cookie value: Path=/, HttpOnly, SameSite=Strict, Secure when atelierd serves TLS.
std::string set_cookie(const HandlerContext& ctx, std::string_view name, std::string_view value,
                       long long max_age);
// Remembers a ?lang=fr|en choice in its cookie for a year.
void remember_lang(const HandlerContext& ctx, HttpResponse& r);

// An HTML page: atelierd's own files only (inline styles allowed: xterm.js sizes its rows with
// them), no framing, forms post only to atelierd, no referrer, not cached.
HttpResponse html_response(int status, std::string body);
// 303 See Other to `location` (after a form, or to the login).
HttpResponse see_other(std::string location);

}  // namespace atelier::api
