// Staff cookies as principals, and the CSRF rule of cookie-authenticated requests (staff_auth.h).
#include "controller/api/staff_auth.h"

#include <openssl/rand.h>

#include <array>

#include "controller/sessions/access_code.h"

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
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
  return "";
}

std::string form_value(std::string_view text, std::string_view name) {
  while (!text.empty()) {
    std::size_t end = text.find('&');
    std::string_view part = text.substr(0, end);
    std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      std::string out;
      std::string_view v = part.substr(eq + 1);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') {
          out += ' ';
        } else if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
          out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return "";
}

std::string random_hex_string(std::size_t bytes) {
  std::array<unsigned char, 64> random{};
  if (bytes > random.size() || RAND_bytes(random.data(), static_cast<int>(bytes)) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += kHex[random[i] >> 4];
    out += kHex[random[i] & 0xf];
  }
  return out;
}

bool is_cookie_secret(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (hex_value(c) < 0) return false;
  }
  return true;
}

store::TokenRecord principal_of(const store::UserRecord& user) {
  store::TokenRecord t;
  t.id = std::string(kUserActorPrefix) + user.name;
  t.role = user.role;
  t.session = user.session;
  t.label = user.name;
  t.created_at = user.created_at;
  return t;
}

Result<std::optional<store::TokenRecord>> staff_principal(store::Store& store, const HttpRequest& request) {
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
  if (got.empty() && request.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    got = form_value(request.body, "csrf");
  }
  return sessions::digests_equal(got, want);
}

}  // namespace atelier::api
