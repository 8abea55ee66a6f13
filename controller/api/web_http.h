// The web edge's HTTP vocabulary, one copy for every page handler (candidate's, people's,
// evaluator's) and the staff cookie: cookies, form and query fields, random cookie secrets,
// the language choice, and HTML answers with the pages' security headers.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/api/http_types.h"
#include "controller/api/query_string.h"
#include "controller/web/pages.h"

namespace atelier::api {

struct HandlerContext;  // handlers.h

inline constexpr std::string_view kCsrfCookieName = "atelier_csrf";
inline constexpr std::string_view kLangCookie = "atelier_lang";

// The value of cookie `name` in the Cookie header, "" when absent.
std::string request_cookie(const HttpRequest& r, std::string_view name);
// Query strings and form bodies have one parser, query_params (query_string.h: Boost.URL's params
// view, percent- and plus-decoded, the last of a repeated key wins); these read through it.
// The fields of an application/x-www-form-urlencoded body; kInvalidArgument when unreadable.
Result<std::map<std::string, std::string>> form_params(std::string_view body);
// The request's query fields, or its form body's; empty when unreadable.
std::map<std::string, std::string> query_fields(const HttpRequest& r);
std::map<std::string, std::string> form_fields(const HttpRequest& r);
// Field `name` of a form body; "" when absent or the body is unreadable.
std::string form_value(std::string_view body, std::string_view name);
// Field `name` of the request target's query string; "" likewise.
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

// What a page's scripts may do beyond running atelierd's own files: kWasm also lets them compile
// WebAssembly ('wasm-unsafe-eval'; asciinema-player's terminal is WebAssembly). Never eval of
// strings, never inline scripts.
enum class PageScripts { kFilesOnly, kFilesAndWasm };

// An HTML page: atelierd's own files only (inline styles allowed: xterm.js sizes its rows with
// them), no framing, forms post only to atelierd, no referrer, not cached.
HttpResponse html_response(int status, std::string body,
                           PageScripts scripts = PageScripts::kFilesOnly);
// Plain UTF-8 text (a console log) with the same headers: never sniffed as HTML, not cached.
HttpResponse text_response(int status, std::string body);
// 303 See Other to `location` (after a form, or to the login).
HttpResponse see_other(std::string location);

}  // namespace atelier::api
