// The fixture of the people's pages' integration tests (staff_login_test.cpp,
// new_session_test.cpp): the real Api, store and demo lab, people's accounts, and a browser's
// requests (cookies, forms, CSRF) given to Api::handle.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "controller/api/api.h"
#include "controller/store/password.h"
#include "tests/support/api_harness.h"

namespace atelier::api::test_support {

namespace json = boost::json;
using store::Role;

class StaffFixture : public test_support::ApiHarness {
 protected:
  // s1 (c01, c02) and s2 (c01) of the demo lab, the matrix tokens, and the people: marie
  // (trainer), paul (trainer limited to s2), jury (evaluator), juge (evaluator limited to s2).
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-staff"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    Api::Options o;
    o.web.access_key = std::string(64, 'k');
    o.web.max_failed_logins = 3;
    api_ = std::make_unique<Api>(*store_, *sessions_, o);
    make_session("s1", {"c01", "c02"});
    make_session("s2", {"c01"});
    add_matrix_tokens();
    // The default cost is tested in the unit tests; here logins stay quick.
    auto h = store::hash_password(kPassword, store::ScryptParams{1024, 8, 1});
    ASSERT_TRUE(h.ok());
    add_user("marie", Role::kTrainer, std::nullopt, *h);
    add_user("paul", Role::kTrainer, "s2", *h);
    add_user("jury", Role::kEvaluator, std::nullopt, *h);
    add_user("juge", Role::kEvaluator, "s2", *h);
  }
  void add_user(const std::string& name, Role role, std::optional<std::string> session,
                const std::string& hash) {
    store::UserRecord u{name, role, std::move(session), false, store::Clock::now()};
    ASSERT_TRUE(store_
                    ->create_user(
                        u, hash, {0, store::Clock::now(), "cli", "user.create", "user " + name, ""})
                    .ok());
  }

  HttpResponse browse(const std::string& method, const std::string& target,
                      const std::string& cookies = "", const std::string& body = "",
                      const std::string& address = "192.0.2.20",
                      const std::string& csrf_header = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.client_address = address;
    if (!cookies.empty()) r.headers.emplace_back("Cookie", cookies);
    if (!csrf_header.empty()) r.headers.emplace_back("X-CSRF-Token", csrf_header);
    r.headers.emplace_back("Content-Type", body.starts_with("{")
                                               ? "application/json"
                                               : "application/x-www-form-urlencoded");
    return api_->handle(r);
  }
  static std::string header(const HttpResponse& r, const std::string& name,
                            const std::string& starts = "") {
    for (const auto& [k, v] : r.headers) {
      if (k == name && v.rfind(starts, 0) == 0) return v;
    }
    return "";
  }
  static std::string cookie_pair(const HttpResponse& r, const std::string& name) {
    std::string c = header(r, "Set-Cookie", name + "=");
    return c.substr(0, c.find(';'));
  }
  // The POST of the login form from a fresh page: its response, and the CSRF value used.
  HttpResponse login(const std::string& name, const std::string& password,
                     const std::string& address = "192.0.2.20") {
    HttpResponse page = browse("GET", "/staff/login", "", "", address);
    csrf_ = cookie_pair(page, "atelier_csrf");
    return browse("POST", "/staff/login", csrf_,
                  "csrf=" + csrf_value() + "&name=" + name + "&password=" + password, address);
  }
  std::string csrf_value() const { return csrf_.substr(csrf_.find('=') + 1); }
  // Both cookies of a signed-in browser: "atelier_staff=...; atelier_csrf=...".
  std::string signed_in(const std::string& name) {
    HttpResponse r = login(name, kPassword);
    EXPECT_EQ(r.status, 303) << r.body;
    return cookie_pair(r, "atelier_staff") + "; " + csrf_;
  }
  std::string candidate_cookie() {
    json::value v = parse(handle("GET", "/sessions/s1/codes", "trainer"));
    std::string code(v.at("codes").at(0).at("code").as_string());
    HttpResponse page = browse("GET", "/login");
    std::string csrf = cookie_pair(page, "atelier_csrf");
    HttpResponse r =
        browse("POST", "/login", csrf, "csrf=" + csrf.substr(csrf.find('=') + 1) + "&code=" + code);
    EXPECT_EQ(r.status, 303) << r.body;
    return cookie_pair(r, "atelier_session") + "; " + csrf;
  }

  // The form body of a POST from the browser holding `cookies`: its own CSRF value.
  static std::string form_of(const std::string& cookies, const std::string& method) {
    if (method != "POST") return "";
    auto at = cookies.find("atelier_csrf=");
    return "csrf=" + cookies.substr(at + 13, 64);
  }

  static constexpr const char* kPassword = "0123456789ab";
  std::string csrf_;
};

}  // namespace atelier::api::test_support
