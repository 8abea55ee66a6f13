// The web edge's HTTP vocabulary (see web_http.h).
#include "controller/api/web_http.h"

#include <cctype>

#include "common/crypto/digest.h"
#include "controller/api/handlers.h"

namespace atelier::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string request_cookie(const HttpRequest& r, std::string_view name) {
  std::string_view all = r.header("Cookie");
  while (!all.empty()) {
    std::size_t end = all.find(';');
    std::string_view part = all.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
  return "";
}

Result<std::map<std::string, std::string>> form_params(std::string_view body) {
  // Clients that post raw spaces or other bytes a query may not hold (curl -d 'code=a b') are
  // read as browsers' bodies: those bytes are escaped first, then the one parser reads it.
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string target = "/?";
  for (unsigned char c : body) {
    bool plain =
        std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/?%").find(static_cast<char>(c)) !=
                               std::string_view::npos;
    if (plain) {
      target += static_cast<char>(c);
    } else {
      target += '%';
      target += kHex[c >> 4];
      target += kHex[c & 0xf];
    }
  }
  return query_params(target);
}

std::map<std::string, std::string> query_fields(const HttpRequest& r) {
  auto q = query_params(r.target);
  return q.ok() ? std::move(q).value() : std::map<std::string, std::string>{};
}

std::map<std::string, std::string> form_fields(const HttpRequest& r) {
  auto f = form_params(r.body);
  return f.ok() ? std::move(f).value() : std::map<std::string, std::string>{};
}

std::string form_value(std::string_view body, std::string_view name) {
  auto f = form_params(body);
  if (!f.ok()) return "";
  auto it = f->find(std::string(name));
  return it == f->end() ? "" : it->second;
}

std::string query_value(const HttpRequest& r, std::string_view name) {
  auto q = query_fields(r);
  auto it = q.find(std::string(name));
  return it == q.end() ? "" : it->second;
}

std::string random_hex_string(std::size_t bytes) {
  auto h = crypto::random_hex(bytes);
  return h.ok() ? std::move(h).value() : std::string();
}

bool is_cookie_secret(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (hex_value(c) < 0) return false;
  }
  return true;
}

web::Lang lang_of(const HttpRequest& r) {
  std::string q = query_value(r, "lang");
  if (q.empty()) q = request_cookie(r, kLangCookie);
  return q == "en" ? web::Lang::kEn : web::Lang::kFr;
}

std::string set_cookie(const HandlerContext& ctx, std::string_view name, std::string_view value,
                       long long max_age) {
  std::string c = std::string(name) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (ctx.options.web.secure_cookies) c += "; Secure";
  return c;
}

void remember_lang(const HandlerContext& ctx, HttpResponse& r) {
  std::string q = query_value(ctx.request, "lang");
  if (q == "fr" || q == "en")
    r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kLangCookie, q, 31536000));
}

HttpResponse html_response(int status, std::string body, PageScripts scripts) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  std::string policy =
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
  if (scripts == PageScripts::kFilesAndWasm) policy += "; script-src 'self' 'wasm-unsafe-eval'";
  r.headers = {{"Content-Security-Policy", std::move(policy)},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cache-Control", "no-store"}};
  return r;
}

HttpResponse text_response(int status, std::string body) {
  HttpResponse r = html_response(status, std::move(body));
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

HttpResponse see_other(std::string location) {
  HttpResponse r = html_response(303, "");
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

}  // namespace atelier::api
