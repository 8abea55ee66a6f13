// People's accounts through Api::handle with a real store and the demo lab (issue 15): staff
// login (ok, wrong password, unknown name, rate limit, disabled), the staff cookie as a
// principal (JSON API by cookie, CSRF on changes, audit under the user's name), the role matrix
// of the trainer's pages (trainer, session-limited trainer, evaluator, candidate cookie, none),
// and the console recordings the cell page's players fetch by cookie.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "controller/api/console_ws.h"
#include "tests/integration/web/recording_operations.h"
#include "tests/integration/web/staff_fixture.h"

namespace atelier::api {
namespace {

namespace json = boost::json;
using test_support::RecordingOperations;

class StaffLoginTest : public test_support::StaffFixture {
 protected:
  // The Api again, with `ops` as the core behind the trainer's actions.
  void with_operations(sessions::LabOperations& ops) {
    Api::Options o;
    o.web.access_key = std::string(64, 'k');
    o.operations = &ops;
    api_ = std::make_unique<Api>(*store_, *sessions_, o);
  }
};

TEST_F(StaffLoginTest, LoginGivesAStrictHttpOnlyCookieAndTheTrainerPages) {
  HttpResponse page = browse("GET", "/staff/login");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<label for=\"password\">Mot de passe</label>"), std::string::npos);
  HttpResponse r = login("marie", kPassword);
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header(r, "Location"), "/trainer");
  std::string set = header(r, "Set-Cookie", "atelier_staff=");
  EXPECT_NE(set.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
  std::string cookies = cookie_pair(r, "atelier_staff") + "; " + csrf_;
  HttpResponse list = browse("GET", "/trainer", cookies);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("href=\"/trainer/sessions/s1\""), std::string::npos);
  EXPECT_NE(list.body.find("href=\"/trainer/sessions/s2\""), std::string::npos);
  EXPECT_NE(list.body.find("0 / 2"), std::string::npos);
  HttpResponse filtered = browse("GET", "/trainer?q=S2", cookies);
  EXPECT_EQ(filtered.body.find("/trainer/sessions/s1\""), std::string::npos);
  EXPECT_NE(filtered.body.find("/trainer/sessions/s2\""), std::string::npos);
  HttpResponse one = browse("GET", "/trainer/sessions/s1?lang=en", cookies);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_NE(one.body.find("<html lang=\"en\""), std::string::npos);
  EXPECT_NE(one.body.find("data-candidate=\"c02\""), std::string::npos);
  EXPECT_NE(one.body.find("it gives them the answer"), std::string::npos);
  EXPECT_NE(one.body.find("name=\"csrf\" value=\"" + csrf_value() + "\""), std::string::npos);
  // The JSON API by cookie, as the pages' scripts use it.
  EXPECT_EQ(browse("GET", "/sessions/s1", cookies).status, 200);
  // Logout ends the cookie.
  EXPECT_EQ(browse("GET", "/staff/logout", cookies).status, 303);
  EXPECT_EQ(browse("GET", "/trainer", cookies).status, 303);
}

TEST_F(StaffLoginTest, WrongPasswordUnknownNameAndRateLimit) {
  HttpResponse wrong = login("marie", "not-the-password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("Nom ou mot de passe incorrect."), std::string::npos);
  EXPECT_EQ(header(wrong, "Set-Cookie", "atelier_staff=").size(), 0u);
  HttpResponse unknown = login("nobody", kPassword);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(login("marie", "again-wrong!").status, 401);
  // Three failures from this address: the right password is refused too, with Retry-After.
  HttpResponse limited = login("marie", kPassword);
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(header(limited, "Retry-After").empty());
  // The candidates' login shares the limiter (one per address).
  EXPECT_EQ(browse("POST", "/login", csrf_, "csrf=" + csrf_value() + "&code=AAA-AAA-AAA").status,
            429);
  // Another address is not held back.
  EXPECT_EQ(login("marie", kPassword, "192.0.2.99").status, 303);
  // No CSRF field: refused before the password is looked at.
  EXPECT_EQ(browse("POST", "/staff/login", csrf_, "name=marie&password=" + std::string(kPassword),
                   "192.0.2.98")
                .status,
            403);
}

TEST_F(StaffLoginTest, DisabledUserStopsAtOnce) {
  std::string cookies = signed_in("marie");
  ASSERT_EQ(browse("GET", "/trainer", cookies).status, 200);
  ASSERT_TRUE(
      store_
          ->disable_user("marie", {0, store::Clock::now(), "cli", "user.disable", "user marie", ""})
          .ok());
  EXPECT_EQ(browse("GET", "/trainer", cookies).status, 303);  // back to the login
  EXPECT_EQ(browse("GET", "/sessions/s1", cookies).status, 401);
  HttpResponse again = login("marie", kPassword, "192.0.2.30");
  EXPECT_EQ(again.status, 403);
  EXPECT_NE(again.body.find("désactivé"), std::string::npos);
}

// What evaluators read beside a note, an override or a freeze: the person's account name, not
// "user:jury (jury)"; a token keeps "id (label)" (its id tells which token of that label).
TEST_F(StaffLoginTest, EvaluatorActionsNameThePersonOrTheToken) {
  const std::string jury = signed_in("jury");
  const std::string note = R"({"candidate": "c01", "task": "T1", "text": "vu"})";
  HttpResponse by_person =
      browse("POST", "/sessions/s1/annotations", jury, note, "192.0.2.30", csrf_value());
  ASSERT_EQ(by_person.status, 201) << by_person.body;
  EXPECT_EQ(parse(by_person).at("who").as_string(), "jury");
  HttpResponse by_token = handle("POST", "/sessions/s1/annotations", "evaluator", note);
  ASSERT_EQ(by_token.status, 201) << by_token.body;
  const std::string who(parse(by_token).at("who").as_string());
  EXPECT_TRUE(who.ends_with(" (test)") && who.size() > 7) << who;
}

TEST_F(StaffLoginTest, CookieChangesNeedCsrfAndAreAuditedUnderTheUsersName) {
  std::string cookies = signed_in("marie");
  // The JSON API: DELETE by cookie without the header is refused, with it allowed.
  EXPECT_EQ(browse("DELETE", "/sessions/s2", cookies).status, 403);
  EXPECT_EQ(browse("DELETE", "/sessions/s2", cookies, "", "192.0.2.20",
                   std::string(1, csrf_value()[0] == '0' ? '1' : '0') + csrf_value().substr(1))
                .status,
            403);
  EXPECT_EQ(browse("DELETE", "/sessions/s2", cookies, "", "192.0.2.20", csrf_value()).status, 202);
  // A page form without its field, then the typed confirmation wrong, then right.
  EXPECT_EQ(browse("POST", "/trainer/sessions/s1/destroy", cookies, "confirm=s1").status, 403);
  HttpResponse mismatch = browse("POST", "/trainer/sessions/s1/destroy", cookies,
                                 "csrf=" + csrf_value() + "&confirm=s");
  EXPECT_EQ(header(mismatch, "Location"), "/trainer/sessions/s1?done=destroy_mismatch");
  auto s1 = store_->get_session("s1");
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->desired, store::DesiredState::kActive);
  HttpResponse done = browse("POST", "/trainer/sessions/s1/destroy", cookies,
                             "csrf=" + csrf_value() + "&confirm=s1");
  EXPECT_EQ(header(done, "Location"), "/trainer/sessions/s1?done=destroyed");
  s1 = store_->get_session("s1");
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->desired, store::DesiredState::kDestroyed);
  auto log = store_->list_audit();
  ASSERT_TRUE(log.ok());
  int by_marie = 0;
  for (const auto& e : *log)
    by_marie += e.actor == "user:marie" && e.action == "session.destroy" ? 1 : 0;
  EXPECT_EQ(by_marie, 2);
}

TEST_F(StaffLoginTest, RoleMatrixOfTheTrainerPages) {
  struct Row {
    std::string method, target;
  };
  const Row rows[] = {{"GET", "/trainer"},
                      {"GET", "/trainer/sessions/s1"},
                      {"GET", "/trainer/sessions/s1/slips"},
                      {"GET", "/trainer/sessions/s1/candidates/c01/console/server"},
                      {"POST", "/trainer/sessions/s1/candidates/c01/reset"},
                      {"POST", "/trainer/sessions/s1/candidates/c01/solve"},
                      {"POST", "/trainer/sessions/s1/checks"},
                      {"POST", "/trainer/sessions/s1/destroy"}};
  const std::string trainer = signed_in("marie"), limited = signed_in("paul"),
                    evaluator = signed_in("jury");
  const std::string candidate = candidate_cookie();
  for (const auto& r : rows) {
    const std::string body = r.method == "POST" ? "csrf=" + csrf_value() : "";
    // No credential: the pages send to the login (GET) or answer 401.
    int none = browse(r.method, r.target, "", body).status;
    EXPECT_EQ(none, r.method == "GET" ? 303 : 401) << r.target;
    EXPECT_EQ(browse(r.method, r.target, candidate, form_of(candidate, r.method)).status, 403)
        << r.target;
    EXPECT_EQ(browse(r.method, r.target, evaluator, form_of(evaluator, r.method)).status, 403)
        << r.target;
    if (r.target != "/trainer") {
      EXPECT_EQ(browse(r.method, r.target, limited, form_of(limited, r.method)).status, 403)
          << r.target;
    }
    if (r.target.ends_with("/destroy")) continue;  // the trainer's destroy is tested above
    int status = browse(r.method, r.target, trainer, form_of(trainer, r.method)).status;
    // No reconciler in this harness: the actions answer 503 (the API's own answer), the pages 200.
    EXPECT_EQ(status, r.method == "GET" ? 200 : 503) << r.target;
  }
  // A session-limited trainer's list shows their session only.
  HttpResponse list = browse("GET", "/trainer", limited);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("/trainer/sessions/s1\""), std::string::npos);
  EXPECT_NE(list.body.find("/trainer/sessions/s2\""), std::string::npos);
  // A candidate's cookie opens nothing of the JSON API either.
  EXPECT_EQ(browse("GET", "/sessions/s1", candidate).status, 403);
  EXPECT_EQ(browse("GET", "/sessions", candidate).status, 403);
  // The evaluator's cookie reads what an evaluator token reads.
  EXPECT_EQ(browse("GET", "/sessions/s1/results", evaluator).status, 200);
}

// The cell page's players fetch recordings with the browser's staff cookie (issue #15): an
// evaluator's or trainer's cookie gets the file, a candidate's cookie or an evaluator limited to
// another session gets 403, nothing at all 401.
TEST_F(StaffLoginTest, RecordingsOpenToStaffCookiesNotToCandidates) {
  Api::Options o;
  o.web.access_key = std::string(64, 'k');
  o.web.recordings_dir = dir_ / "recordings";
  api_ = std::make_unique<Api>(*store_, *sessions_, o);
  std::filesystem::create_directories(dir_ / "recordings" / "s1" / "c01");
  std::ofstream(dir_ / "recordings" / "s1" / "c01" / "server-1.cast")
      << "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1764943200}\n"
         "[0.5, \"o\", \"login: \"]\n";
  const std::string url = "/sessions/s1/candidates/c01/recordings/server-1.cast";
  for (const std::string who : {"jury", "marie"}) {
    HttpResponse r = browse("GET", url, signed_in(who));
    EXPECT_EQ(r.status, 200) << who << ": " << r.body;
    EXPECT_NE(r.body.find("login: "), std::string::npos) << who;
    EXPECT_EQ(browse("GET", "/sessions/s1/recordings", signed_in(who)).status, 200) << who;
  }
  // A candidate's cookie is refused, whoever's recording it is: evidence is for staff.
  EXPECT_EQ(browse("GET", url, candidate_cookie()).status, 403);
  EXPECT_EQ(browse("GET", url, signed_in("juge")).status, 403);
  EXPECT_EQ(browse("GET", url).status, 401);
}

// The session page's reset (issue #15): one machine chosen in the list, or the whole lab, started
// as the core's reset under the trainer's name; the list offers the lab's machines.
TEST_F(StaffLoginTest, TheTrainerResetsOneMachineOrTheWholeLab) {
  RecordingOperations ops(*store_);
  with_operations(ops);
  const std::string cookies = signed_in("marie");
  HttpResponse page = browse("GET", "/trainer/sessions/s1", cookies);
  ASSERT_EQ(page.status, 200);
  for (const std::string option :
       {"<option value=\"\">tout le lab</option>", "<option value=\"server\">server</option>",
        "<option value=\"client\">client</option>",
        "<label for=\"reset-c01\" class=\"visually-hidden\">Que réinitialiser ? (c01)</label>"}) {
    EXPECT_NE(page.body.find(option), std::string::npos) << option;
  }
  const std::string url = "/trainer/sessions/s1/candidates/c01/reset";
  HttpResponse one = browse("POST", url, cookies, form_of(cookies, "POST") + "&host=server");
  EXPECT_EQ(one.status, 303) << one.body;
  EXPECT_TRUE(header(one, "Location").starts_with("/trainer/sessions/s1?done=reset%20"))
      << header(one, "Location");
  HttpResponse whole = browse("POST", url, cookies, form_of(cookies, "POST") + "&host=");
  EXPECT_EQ(whole.status, 303) << whole.body;
  // Moving the lab to another hypervisor host is offered once atelierd has more than one.
  const std::string move_option = "<option value=\"@move\">tout le lab, sur un autre hyperviseur";
  EXPECT_EQ(page.body.find(move_option), std::string::npos) << "one hypervisor host: no move";
  ASSERT_TRUE(store_->upsert_host({"local", "qemu:///system", 8ull << 30, 2, true}).ok());
  ASSERT_TRUE(store_->upsert_host({"hv2", "qemu+ssh://hv2/system", 8ull << 30, 2, true}).ok());
  page = browse("GET", "/trainer/sessions/s1", cookies);
  EXPECT_NE(page.body.find(move_option), std::string::npos) << page.body;
  HttpResponse moved = browse("POST", url, cookies, form_of(cookies, "POST") + "&host=%40move");
  EXPECT_EQ(moved.status, 303) << moved.body;
  auto calls = ops.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].kind, "reset");
  EXPECT_EQ(calls[0].candidate, "c01");
  EXPECT_EQ(calls[0].host, "server");
  EXPECT_EQ(calls[0].actor, "user:marie");
  EXPECT_EQ(calls[1].host, "");
  EXPECT_EQ(calls[2].kind, "move");
  EXPECT_EQ(calls[2].candidate, "c01");
  EXPECT_EQ(calls[2].actor, "user:marie");
}

// Beside a provisioning error, the session page links each machine's console log; the log is
// served as plain text (its end when long), to trainers only.
TEST_F(StaffLoginTest, AnErrorLinksTheMachinesConsoleLogs) {
  RecordingOperations ops(*store_);
  with_operations(ops);
  const std::string cookies = signed_in("marie");
  const std::string log_url = "/trainer/sessions/s1/candidates/c01/console-log/server";
  auto lab = store_->get_candidate_lab("s1", "c01");
  ASSERT_TRUE(lab.ok());
  HttpResponse page = browse("GET", "/trainer/sessions/s1", cookies);
  EXPECT_EQ(page.body.find(log_url), std::string::npos) << "no error, no link";
  lab->status = store::LabStatus::kFailed;
  lab->error = "server did not answer within 300 s";
  ASSERT_TRUE(store_->update_candidate_lab(*lab).ok());
  page = browse("GET", "/trainer/sessions/s1", cookies);
  EXPECT_NE(page.body.find("Journaux de console : <a href=\"" + log_url + "\""), std::string::npos)
      << page.body;

  // Not placed yet: 404 in words. Placed: the file, as text, and its end only when long.
  HttpResponse none = browse("GET", log_url, cookies);
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("not placed"), std::string::npos) << none.body;
  const std::filesystem::path file = dir_ / "server.console.log";
  ops.lab_access =
      sessions::LabAccess{"local", {{.name = "server", .console_log = file.string()}}, ""};
  std::ofstream(file) << "Debian GNU/Linux 12 server ttyS0\nserver login: ";
  HttpResponse log = browse("GET", log_url, cookies);
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(log.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(log.body, "Debian GNU/Linux 12 server ttyS0\nserver login: ");
  std::ofstream(file, std::ios::app) << std::string(300 * 1024, 'x') << "\nthe last line\n";
  log = browse("GET", log_url, cookies);
  EXPECT_TRUE(log.body.starts_with("[…]\n")) << log.body.substr(0, 40);
  EXPECT_TRUE(log.body.ends_with("\nthe last line\n"));
  EXPECT_LE(log.body.size(), 256u * 1024 + 8);
  EXPECT_EQ(browse("GET", "/trainer/sessions/s1/candidates/c01/console-log/nope", cookies).status,
            404);
  // Trainers only: a candidate's or an evaluator's cookie, a trainer of another session.
  EXPECT_EQ(browse("GET", log_url, candidate_cookie()).status, 403);
  EXPECT_EQ(browse("GET", log_url, signed_in("jury")).status, 403);
  EXPECT_EQ(browse("GET", log_url, signed_in("paul")).status, 403);
}

TEST_F(StaffLoginTest, SlipsPageListsEachCandidatesCode) {
  std::string cookies = signed_in("marie");
  HttpResponse slips = browse("GET", "/trainer/sessions/s1/slips", cookies);
  ASSERT_EQ(slips.status, 200) << slips.body;
  json::value v = parse(handle("GET", "/sessions/s1/codes", "trainer"));
  for (const auto& c : v.at("codes").as_array()) {
    EXPECT_NE(slips.body.find(std::string(c.at("code").as_string())), std::string::npos);
  }
}

}  // namespace
}  // namespace atelier::api

namespace atelier::api {
namespace {

// A trainer opens a candidate's machine's console from the session page (watch, take over: the
// page's buttons, the bridge's rules); the staff cookie is the bridge's principal. An evaluator's
// cookie is no trainer and names no candidate: the bridge refuses it.
TEST_F(StaffLoginTest, TrainersOpenTheCandidatesConsolesFromTheSessionPage) {
  const std::string trainer = signed_in("marie");
  HttpResponse session = browse("GET", "/trainer/sessions/s1", trainer);
  ASSERT_EQ(session.status, 200);
  for (const std::string c : {"c01", "c02"}) {
    for (const std::string host : {"server", "client"}) {
      EXPECT_NE(session.body.find("href=\"/trainer/sessions/s1/candidates/" + c + "/console/" +
                                  host + "\""),
                std::string::npos)
          << c << " " << host;
    }
  }
  HttpResponse page = browse("GET", "/trainer/sessions/s1/candidates/c02/console/client", trainer);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-socket=\"/console/s1/c02/client\""), std::string::npos);
  EXPECT_NE(page.body.find("data-role=\"trainer\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"take-over\""), std::string::npos);
  EXPECT_NE(page.body.find("id=\"hand-back\""), std::string::npos);
  EXPECT_NE(page.body.find("href=\"/trainer/sessions/s1\""), std::string::npos) << "way back";
  EXPECT_EQ(browse("GET", "/trainer/sessions/s1/candidates/c02/console/router", trainer).status,
            404)
      << "a machine outside the lab";

  // The candidate's own console page has the banner, not the buttons.
  HttpResponse own = browse("GET", "/candidate/console/server", candidate_cookie());
  ASSERT_EQ(own.status, 200);
  EXPECT_NE(own.body.find("id=\"keyboard\""), std::string::npos);
  EXPECT_NE(own.body.find("data-role=\"candidate\""), std::string::npos);
  EXPECT_EQ(own.body.find("id=\"take-over\""), std::string::npos);

  auto principal = [&](const std::string& cookies) {
    HttpRequest r;
    r.headers.emplace_back("Cookie", cookies);
    return console_principal(*store_, r);
  };
  auto marie = principal(trainer);
  ASSERT_TRUE(marie.has_value());
  EXPECT_TRUE(marie->trainer);
  EXPECT_TRUE(marie->by_cookie) << "so the bridge asks for the page's Origin";
  EXPECT_FALSE(marie->session.has_value());
  EXPECT_FALSE(marie->candidate.has_value());
  EXPECT_EQ(marie->shown_as, "marie") << "what the candidate's banner names";
  auto paul = principal(signed_in("paul"));
  ASSERT_TRUE(paul.has_value());
  EXPECT_EQ(paul->session, "s2");
  auto jury = principal(signed_in("jury"));
  ASSERT_TRUE(jury.has_value());
  EXPECT_FALSE(jury->trainer);
  EXPECT_FALSE(jury->candidate.has_value()) << "an evaluator watches recordings, not consoles";
  EXPECT_FALSE(principal("atelier_staff=" + std::string(64, 'a')).has_value());
}

}  // namespace
}  // namespace atelier::api
