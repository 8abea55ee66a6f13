// The candidate web edge through Api::handle with a real store and the demo lab: access codes
// (issue, regenerate, trainer only), login (CSRF, rate limit, cookie flags), the workspace page,
// isolation between candidates and from the JSON API, logout and session end, and assets
// without traversal.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "controller/api/api.h"
#include "controller/api/console_ws.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using store::Role;

class WebLoginTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-web-login"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    // A folder standing for Debian's xterm, and a secret beside it that must never be served.
    fs::create_directories(dir_ / "xterm" / "addons");
    std::ofstream(dir_ / "xterm" / "xterm.js") << "/* xterm */";
    std::ofstream(dir_ / "secret.css") << "secret";
    fs::create_symlink(dir_ / "secret.css", dir_ / "xterm" / "link.css");
    // And one standing for asciinema-player (/assets/player/), likewise with a link out.
    fs::create_directories(dir_ / "player");
    std::ofstream(dir_ / "player" / "asciinema-player.css") << "/* player */";
    fs::create_symlink(dir_ / "secret.css", dir_ / "player" / "link.css");
    // And Debian's noVNC (/assets/novnc/): ES modules in folders.
    fs::create_directories(dir_ / "novnc" / "core" / "util");
    std::ofstream(dir_ / "novnc" / "core" / "util" / "int.js") << "/* novnc */";
    Api::Options o;
    o.web.access_key = std::string(64, 'k');
    o.web.assets_dir = src_ / "controller" / "web" / "assets";
    o.web.xterm_dir = dir_ / "xterm";
    o.web.player_dir = dir_ / "player";
    o.web.novnc_dir = dir_ / "novnc";
    o.web.max_failed_logins = 5;
    o.web.recordings_dir = dir_ / "recordings";
    api_ = std::make_unique<Api>(*store_, *sessions_, o);
    make_session("s1", {"c01", "c02"}, /*feedback=*/true);
    make_session("s2", {"c01"});
    add_matrix_tokens();
  }

  // A browser's request: cookies and a client address, no bearer token.
  HttpResponse browse(const std::string& method, const std::string& target,
                      const std::string& cookies = "", const std::string& body = "",
                      const std::string& address = "192.0.2.10") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.client_address = address;
    if (!cookies.empty()) r.headers.emplace_back("Cookie", cookies);
    r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return api_->handle(r);
  }
  static std::string header(const HttpResponse& r, const std::string& name,
                            const std::string& starts = "") {
    for (const auto& [k, v] : r.headers) {
      if (k == name && v.rfind(starts, 0) == 0) return v;
    }
    return "";
  }
  // "name=value" of a Set-Cookie for `name`.
  static std::string cookie_pair(const HttpResponse& r, const std::string& name) {
    std::string c = header(r, "Set-Cookie", name + "=");
    return c.substr(0, c.find(';'));
  }
  std::map<std::string, std::string> codes(const std::string& session) {
    json::value v = parse(handle("GET", "/sessions/" + session + "/codes", "trainer"));
    std::map<std::string, std::string> out;
    for (const auto& c : v.at("codes").as_array())
      out[std::string(c.at("candidate").as_string())] = c.at("code").as_string();
    return out;
  }
  // Logs in with `code` from `address`: the response of the POST (csrf from a fresh login page).
  HttpResponse login(const std::string& code, const std::string& address = "192.0.2.10") {
    HttpResponse page = browse("GET", "/login", "", "", address);
    std::string csrf = cookie_pair(page, "atelier_csrf");
    return browse("POST", "/login", csrf,
                  "csrf=" + csrf.substr(csrf.find('=') + 1) + "&code=" + code, address);
  }
  std::string session_cookie(const std::string& code) {
    HttpResponse r = login(code);
    EXPECT_EQ(r.status, 303) << r.body;
    return cookie_pair(r, "atelier_session");
  }
};

TEST_F(WebLoginTest, CodesAreIssuedOnceTypableAndOnlyForTrainers) {
  auto first = codes("s1");
  ASSERT_EQ(first.size(), 2u);
  const std::regex shape(
      "[2346789ACDEFGHJKMNPQRTWXY]{3}-[2346789ACDEFGHJKMNPQRTWXY]{3}-[2346789ACDEFGHJKMNPQRTWXY]{"
      "3}");
  for (const auto& [c, code] : first) EXPECT_TRUE(std::regex_match(code, shape)) << code;
  EXPECT_NE(first["c01"], first["c02"]);
  EXPECT_EQ(codes("s1"), first);                // a second read gives the same codes
  EXPECT_NE(codes("s2")["c01"], first["c01"]);  // same candidate name, another session
  for (const std::string who : {"evaluator", "cand_a", "trainer_s2", "none"}) {
    EXPECT_NE(handle("GET", "/sessions/s1/codes", who).status, 200) << who;
    EXPECT_NE(handle("POST", "/sessions/s1/candidates/c01/code", who).status, 200) << who;
  }
  // Neither the store nor the audit log holds a code in clear.
  auto audit = store_->list_audit();
  ASSERT_TRUE(audit.ok());
  for (const auto& e : *audit)
    EXPECT_EQ(e.detail.find(first["c01"]), std::string::npos) << e.detail;
  auto stored = store_->list_access_codes("s1");
  ASSERT_TRUE(stored.ok());
  for (const auto& a : *stored) EXPECT_EQ(a.digest.find(first[a.candidate]), std::string::npos);
}

TEST_F(WebLoginTest, LoginGivesAStrictHttpOnlyCookieAndTheCandidatesOwnPage) {
  auto c = codes("s1");
  HttpResponse page = browse("GET", "/login");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html lang=\"fr\""), std::string::npos);
  EXPECT_NE(header(page, "Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  // Typed in lower case with spaces: still the code.
  std::string lowered = c["c01"];
  for (auto& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  HttpResponse r = login(lowered.replace(3, 1, "+"));
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header(r, "Location"), "/candidate");
  std::string set = header(r, "Set-Cookie", "atelier_session=");
  EXPECT_NE(set.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(set.find("Secure"), std::string::npos);  // no TLS in this test
  std::string cookie = set.substr(0, set.find(';'));

  HttpResponse ws = browse("GET", "/candidate", cookie);
  ASSERT_EQ(ws.status, 200) << ws.body;
  EXPECT_NE(ws.body.find("<p class=\"who\">c01</p>"), std::string::npos);
  EXPECT_NE(ws.body.find("Vos tickets"), std::string::npos);
  EXPECT_NE(ws.body.find("Priorité : P2"), std::string::npos);
  // Nothing of c02; the forms' CSRF value is random hex, which held "c02" once in a few hundred
  // runs, so it is left out of the search.
  const std::string page_text =
      std::regex_replace(ws.body, std::regex("name=\"csrf\" value=\"[0-9a-f]*\""), "");
  EXPECT_EQ(page_text.find("c02"), std::string::npos);
  // s1 has feedback: a task's latest run shows as a verdict in words, not only in colour.
  EXPECT_EQ(ws.body.find("class=\"verdict"), std::string::npos);
  auto t = store::Clock::now();
  ASSERT_TRUE(store_
                  ->add_result({"r1", "s1", "c01", "T1", 0, "server", "share", "fail", "2770",
                                "0700", "run1", t, t, t})
                  .ok());
  ASSERT_TRUE(store_
                  ->add_result({"r2", "s1", "c01", "T1", 0, "server", "share", "pass", "2770",
                                "2770", "run2", t, t + std::chrono::seconds(60), t})
                  .ok());
  std::string with_verdict = browse("GET", "/candidate", cookie).body;
  EXPECT_NE(with_verdict.find("<strong>P RÉUSSI</strong> 1/1"), std::string::npos) << with_verdict;
  HttpResponse en = browse("GET", "/candidate?lang=en", cookie);
  EXPECT_NE(en.body.find("<html lang=\"en\""), std::string::npos);
  EXPECT_NE(en.body.find("Your tickets"), std::string::npos);
  EXPECT_EQ(cookie_pair(en, "atelier_lang"), "atelier_lang=en");
  EXPECT_NE(browse("GET", "/candidate", cookie + "; atelier_lang=en").body.find("Your tickets"),
            std::string::npos);
  // The page needs the cookie: without it, or with a forged one, back to the login.
  EXPECT_EQ(browse("GET", "/candidate").status, 303);
  EXPECT_EQ(browse("GET", "/candidate", "atelier_session=" + std::string(64, 'a')).status, 303);
}

TEST_F(WebLoginTest, LoginNeedsTheFormsCsrfToken) {
  auto c = codes("s1");
  HttpResponse page = browse("GET", "/login");
  std::string csrf = cookie_pair(page, "atelier_csrf");
  std::string token = csrf.substr(csrf.find('=') + 1);
  EXPECT_NE(page.body.find("value=\"" + token + "\""), std::string::npos);
  EXPECT_EQ(browse("POST", "/login", csrf, "code=" + c["c01"]).status, 403);
  EXPECT_EQ(browse("POST", "/login", "", "csrf=" + token + "&code=" + c["c01"]).status, 403);
  EXPECT_EQ(
      browse("POST", "/login", csrf, "csrf=" + std::string(64, '0') + "&code=" + c["c01"]).status,
      403);
  EXPECT_EQ(browse("POST", "/login", csrf, "csrf=" + token + "&code=" + c["c01"]).status, 303);
}

TEST_F(WebLoginTest, ACandidatesCookieOpensNothingElse) {
  auto c = codes("s1");
  std::string alice = session_cookie(c["c01"]);
  std::string bob = session_cookie(c["c02"]);
  EXPECT_NE(browse("GET", "/candidate", bob).body.find("<p class=\"who\">c02</p>"),
            std::string::npos);
  EXPECT_NE(browse("GET", "/candidate", alice).body.find("<p class=\"who\">c01</p>"),
            std::string::npos);
  // The candidate's cookie is no credential in the JSON API, for anyone's data: 403 (issue 15).
  for (const std::string target :
       {"/sessions", "/sessions/s1", "/sessions/s1/candidates/c01", "/sessions/s1/candidates/c02",
        "/sessions/s1/candidates/c02/tasks", "/sessions/s1/candidates/c01/access",
        "/sessions/s1/results", "/sessions/s1/codes"}) {
    EXPECT_EQ(browse("GET", target, alice).status, 403) << target;
  }
  EXPECT_EQ(browse("POST", "/sessions/s1/candidates/c02/code", alice).status, 403);
}

// The console page of one of the candidate's own machines, French first; another name is 404 for
// everyone alike (whether another candidate has such a host or not).
TEST_F(WebLoginTest, TheConsolePageIsTheCandidatesOwnMachinesOnly) {
  auto c = codes("s1");
  std::string alice = session_cookie(c["c01"]);
  HttpResponse page = browse("GET", "/candidate/console/server", alice);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(page.body.find("data-socket=\"/console/s1/c01/server\""), std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("/assets/xterm/xterm.js"), std::string::npos);
  EXPECT_NE(page.body.find("reconnexion…"), std::string::npos)
      << "the state line's words, in French";
  EXPECT_NE(page.body.find("role=\"status\""), std::string::npos);
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  HttpResponse en = browse("GET", "/candidate/console/server?lang=en", alice);
  EXPECT_NE(en.body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(en.body.find("reconnecting…"), std::string::npos);
  EXPECT_EQ(browse("GET", "/candidate/console/nothere", alice).status, 404);
  EXPECT_EQ(browse("GET", "/candidate/console/server").status, 303) << "no cookie: to the login";
  // The workspace's button leads there.
  EXPECT_NE(browse("GET", "/candidate", alice).body.find("href=\"/candidate/console/server\""),
            std::string::npos);
}

// The demo lab's client has `display: true`: its screen page carries the display socket and
// noVNC's module; the server has no screen (404, saying so); the workspace offers the one button.
TEST_F(WebLoginTest, TheScreenPageIsForMachinesWithAScreen) {
  auto c = codes("s1");
  std::string alice = session_cookie(c["c01"]);
  HttpResponse page = browse("GET", "/candidate/display/client", alice);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("data-socket=\"/display/s1/c01/client\""), std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("/assets/display.js"), std::string::npos);
  HttpResponse none = browse("GET", "/candidate/display/server", alice);
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("pas d&#39;écran"), std::string::npos) << none.body;
  EXPECT_EQ(browse("GET", "/candidate/display/nothere", alice).status, 404);
  EXPECT_EQ(browse("GET", "/candidate/display/client").status, 303) << "no cookie: to the login";
  const std::string workspace = browse("GET", "/candidate", alice).body;
  EXPECT_NE(workspace.find("href=\"/candidate/display/client\""), std::string::npos);
  EXPECT_EQ(workspace.find("href=\"/candidate/display/server\""), std::string::npos);
}

// Who a console WebSocket is opened by: the candidate's cookie (their own lab, Origin required),
// a trainer's token (any lab of its sessions), an evaluator's (no console), nothing else.
TEST_F(WebLoginTest, AConsoleIsOpenedByTheCandidatesCookieOrATrainersToken) {
  auto c = codes("s1");
  HttpRequest r;
  r.headers.emplace_back("Cookie", session_cookie(c["c02"]));
  auto bob = console_principal(*store_, r);
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->candidate, "c02");
  EXPECT_EQ(bob->session, "s1");
  EXPECT_FALSE(bob->trainer);
  EXPECT_TRUE(bob->by_cookie);
  HttpRequest t;
  t.authorization = "Bearer " + tokens_["trainer"];
  auto trainer = console_principal(*store_, t);
  ASSERT_TRUE(trainer.has_value());
  EXPECT_TRUE(trainer->trainer);
  EXPECT_FALSE(trainer->by_cookie);
  t.authorization = "Bearer " + tokens_["trainer_s2"];
  EXPECT_EQ(console_principal(*store_, t)->session, "s2");
  t.authorization = "Bearer " + tokens_["evaluator"];
  auto evaluator = console_principal(*store_, t);
  ASSERT_TRUE(evaluator.has_value());
  EXPECT_FALSE(evaluator->trainer);
  EXPECT_FALSE(evaluator->candidate.has_value()) << "an evaluator opens no live console";
  t.authorization = "Bearer " + tokens_["cand_a"];
  EXPECT_EQ(console_principal(*store_, t)->candidate, "c01");
  t.authorization = "Bearer nope";
  EXPECT_FALSE(console_principal(*store_, t).has_value());
  HttpRequest stale;
  stale.headers.emplace_back("Cookie", "atelier_session=" + std::string(64, 'a'));
  EXPECT_FALSE(console_principal(*store_, stale).has_value());
  EXPECT_FALSE(console_principal(*store_, HttpRequest{}).has_value());
}

TEST_F(WebLoginTest, RecordingsAreListedAndServedToTrainersAndEvaluatorsOnly) {
  fs::create_directories(dir_ / "recordings" / "s1" / "c01");
  std::ofstream(dir_ / "recordings" / "s1" / "c01" / "server-1.cast")
      << "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1764943200}\n[0.5, \"o\", "
         "\"login: \"]\n";
  std::ofstream(dir_ / "recordings" / "s1" / "c01" / "notes.txt") << "not a recording";
  for (const std::string who : {"trainer", "evaluator"}) {
    HttpResponse list = handle("GET", "/sessions/s1/recordings", who);
    ASSERT_EQ(list.status, 200) << list.body;
    json::array all = parse(list).at("recordings").as_array();
    ASSERT_EQ(all.size(), 1u) << list.body;
    EXPECT_EQ(all[0].at("candidate").as_string(), "c01");
    EXPECT_EQ(all[0].at("host").as_string(), "server");
    EXPECT_EQ(all[0].at("connection").as_int64(), 1);
    EXPECT_EQ(all[0].at("started_at").as_string(), "2025-12-05T14:00:00.000Z");
    std::string url(all[0].at("url").as_string());
    HttpResponse file = handle("GET", url, who);
    EXPECT_EQ(file.status, 200);
    EXPECT_EQ(file.content_type, "application/x-asciicast");
    EXPECT_NE(file.body.find("login: "), std::string::npos);
  }
  for (const std::string who : {"cand_a", "cand_b", "trainer_s2"}) {
    EXPECT_EQ(handle("GET", "/sessions/s1/recordings", who).status, 403) << who;
    EXPECT_EQ(handle("GET", "/sessions/s1/candidates/c01/recordings/server-1.cast", who).status,
              403)
        << who;
  }
  for (const std::string bad :
       {"notes.txt", "..", "server-x.cast", "-1.cast", "server-1.cast.bak"}) {
    EXPECT_EQ(handle("GET", "/sessions/s1/candidates/c01/recordings/" + bad, "trainer").status, 404)
        << bad;
  }
  EXPECT_EQ(handle("GET", "/sessions/nope/recordings", "trainer").status, 404);
  // A session or candidate that is not a candidate lab names no folder, ".." included.
  fs::create_directories(dir_ / "recordings" / "s1" / "c09");
  fs::copy_file(dir_ / "recordings" / "s1" / "c01" / "server-1.cast",
                dir_ / "recordings" / "s1" / "server-1.cast");
  fs::copy_file(dir_ / "recordings" / "s1" / "c01" / "server-1.cast",
                dir_ / "recordings" / "s1" / "c09" / "server-1.cast");
  for (const std::string bad : {"/sessions/s1/candidates/../recordings/server-1.cast",
                                "/sessions/s1/candidates/c09/recordings/server-1.cast",
                                "/sessions/../candidates/s1/recordings/server-1.cast"}) {
    EXPECT_EQ(handle("GET", bad, "trainer").status, 404) << bad;
  }
}

TEST_F(WebLoginTest, FailedLoginsAreLimitedPerAddress) {
  auto c = codes("s1");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("AAA-AAA-AAA", "192.0.2.66").status, 401);
  HttpResponse refused = login(c["c01"], "192.0.2.66");  // even the right code, from there
  EXPECT_EQ(refused.status, 429);
  long long wait = std::stoll(header(refused, "Retry-After"));
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 600);
  EXPECT_EQ(login("not a code at all", "192.0.2.67").status, 401);  // malformed counts, elsewhere
  EXPECT_EQ(login(c["c01"], "192.0.2.67").status, 303);  // another address is not blocked
}

TEST_F(WebLoginTest, RegeneratingEndsTheOldCodeAndItsSessionsAtOnce) {
  auto c = codes("s1");
  std::string alice = session_cookie(c["c01"]);
  std::string bob = session_cookie(c["c02"]);
  json::value fresh = parse(handle("POST", "/sessions/s1/candidates/c01/code", "trainer"));
  std::string code = std::string(fresh.at("code").as_string());
  EXPECT_NE(code, c["c01"]);
  EXPECT_EQ(codes("s1")["c01"], code);
  EXPECT_EQ(browse("GET", "/candidate", alice).status, 303);
  EXPECT_EQ(login(c["c01"]).status, 401);
  EXPECT_EQ(login(code).status, 303);
  EXPECT_EQ(browse("GET", "/candidate", bob).status, 200);  // bob is untouched
  EXPECT_EQ(handle("POST", "/sessions/s1/candidates/nobody/code", "trainer").status, 404);
}

TEST_F(WebLoginTest, LogoutAndADestroyedSessionEndTheCookie) {
  auto c = codes("s1");
  std::string alice = session_cookie(c["c01"]);
  std::string bob = session_cookie(c["c02"]);
  HttpResponse out = browse("GET", "/logout", alice);
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(header(out, "Location"), "/login");
  EXPECT_NE(header(out, "Set-Cookie", "atelier_session=").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(browse("GET", "/candidate", alice).status, 303);
  EXPECT_EQ(browse("GET", "/candidate", bob).status, 200);
  EXPECT_EQ(handle("DELETE", "/sessions/s1", "trainer").status, 202);
  EXPECT_EQ(browse("GET", "/candidate", bob).status, 303);
  EXPECT_EQ(login(c["c02"]).status, 401);
}

TEST_F(WebLoginTest, AssetsAreServedWithTheirTypesAndNothingOutsideTheirFolders) {
  HttpResponse css = browse("GET", "/assets/atelier.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_FALSE(css.body.empty());
  EXPECT_EQ(browse("GET", "/assets/atelier.js").content_type, "text/javascript; charset=utf-8");
  HttpResponse xterm = browse("GET", "/assets/xterm/xterm.js");
  EXPECT_EQ(xterm.status, 200);
  EXPECT_EQ(xterm.body, "/* xterm */");
  HttpResponse player = browse("GET", "/assets/player/asciinema-player.css");
  EXPECT_EQ(player.status, 200);
  EXPECT_EQ(player.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(player.body, "/* player */");
  HttpResponse novnc = browse("GET", "/assets/novnc/core/util/int.js");
  EXPECT_EQ(novnc.status, 200);
  EXPECT_EQ(novnc.content_type, "text/javascript; charset=utf-8") << "a module needs a JS type";
  EXPECT_EQ(novnc.body, "/* novnc */");
  // Each prefix reads its own folder only.
  EXPECT_EQ(browse("GET", "/assets/player/xterm.js").status, 404);
  EXPECT_EQ(browse("GET", "/assets/novnc/xterm.js").status, 404);
  EXPECT_EQ(browse("GET", "/assets/xterm/asciinema-player.css").status, 404);
  for (const std::string bad :
       {"/assets/../../../../etc/passwd", "/assets/xterm/../secret.css",
        "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/.hidden.css", "/assets/xterm/link.css",
        "/assets/xterm/addons", "/assets/nope.css", "/assets/atelier.css/", "/assets//etc/passwd",
        "/assets/..%2fsecret.css", "/assets/player/../secret.css", "/assets/player/link.css",
        "/assets/player/", "/assets/player"}) {
    HttpResponse r = browse("GET", bad);
    EXPECT_EQ(r.status, 404) << bad;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << bad;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << bad;
  }
}

TEST_F(WebLoginTest, CookiesAreSecureWhenAtelierdServesTls) {
  Api::Options o;
  o.web.access_key = std::string(64, 'k');
  o.web.secure_cookies = true;
  api_ = std::make_unique<Api>(*store_, *sessions_, o);
  auto c = codes("s1");
  HttpResponse r = login(c["c01"]);
  ASSERT_EQ(r.status, 303);
  EXPECT_NE(header(r, "Set-Cookie", "atelier_session=").find("; Secure"), std::string::npos);
  EXPECT_NE(header(browse("GET", "/login"), "Set-Cookie", "atelier_csrf=").find("; Secure"),
            std::string::npos);
}

}  // namespace
}  // namespace atelier::api
