// The candidate's own actions through Api::handle with a real store and the demo lab: the session
// flag candidate_resets (POST /sessions, GET), "check my work" (feedback only, CSRF, spacing per
// candidate: 429), "reset this machine" (the flag, the candidate's own host, CSRF, the explicit
// confirmation), each started as the trainer's action with actor "candidate:NAME", and the
// machine shown "resetting" while its reset runs. The core behind LabOperations is a recorder
// here (test:///default boots no guest, so the real one never starts these: ActionsOnTheTestDriver
// below shows its refusal reaching the candidate in words).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <mutex>

#include "controller/api/api.h"
#include "controller/reconciler/reconciler.h"
#include "controller/sessions/action_store.h"
#include "tests/integration/reconciler/test_reconciler_options.h"
#include "tests/integration/web/recording_operations.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace json = boost::json;
using test_support::RecordingOperations;

// A browser at the candidate's seat: cookies, form bodies, a client address.
class SeatHarness : public test_support::ApiHarness {
 protected:
  HttpResponse browse(const std::string& method, const std::string& target,
                      const std::string& cookies = "", const std::string& body = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.client_address = "192.0.2.20";
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
  static std::string cookie_pair(const HttpResponse& r, const std::string& name) {
    std::string c = header(r, "Set-Cookie", name + "=");
    return c.substr(0, c.find(';'));
  }
  void add_tokens() {
    tokens_["trainer"] = token(store::Role::kTrainer, {}, {});
    tokens_["evaluator"] = token(store::Role::kEvaluator, {}, {});
  }
  // Creates `name` through POST /sessions as the trainer, with the given flags.
  void create(const std::string& name, bool feedback, bool resets) {
    json::object body{
        {"lab", "demo"}, {"candidates", json::array{"c01", "c02"}}, {"name", name}, {"seed", 42}};
    if (feedback) body["feedback"] = true;
    if (resets) body["candidate_resets"] = true;
    HttpResponse r = handle("POST", "/sessions", "trainer", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Signs `candidate` of `session` in: the cookies a browser then sends (session and CSRF), and
  // the CSRF token the page's forms carry.
  struct Seat {
    std::string cookies, csrf;
  };
  Seat sign_in(const std::string& session, const std::string& candidate) {
    json::value codes = parse(handle("GET", "/sessions/" + session + "/codes", "trainer"));
    std::string code;
    for (const auto& c : codes.at("codes").as_array()) {
      if (c.at("candidate").as_string() == candidate) code = c.at("code").as_string();
    }
    std::string csrf = cookie_pair(browse("GET", "/login"), "atelier_csrf");
    HttpResponse in =
        browse("POST", "/login", csrf, "csrf=" + csrf.substr(csrf.find('=') + 1) + "&code=" + code);
    EXPECT_EQ(in.status, 303) << in.body;
    return {cookie_pair(in, "atelier_session") + "; " + cookie_pair(in, "atelier_csrf"),
            csrf.substr(csrf.find('=') + 1)};
  }
};

class WebActionsTest : public SeatHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-web-actions"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    ops_ = std::make_unique<RecordingOperations>(*store_);
    Api::Options o;
    o.web.access_key = std::string(64, 'k');
    o.web.candidate_check_every = std::chrono::seconds(60);
    o.operations = ops_.get();
    api_ = std::make_unique<Api>(*store_, *sessions_, o);
    add_tokens();
    ASSERT_NO_FATAL_FAILURE(create("fb", /*feedback=*/true, /*resets=*/false));
    ASSERT_NO_FATAL_FAILURE(create("rs", /*feedback=*/false, /*resets=*/true));
  }
  void TearDown() override {
    api_.reset();
    SeatHarness::TearDown();
  }
  std::unique_ptr<RecordingOperations> ops_;
};

TEST_F(WebActionsTest, CandidateResetsIsASessionFlagOffByDefault) {
  json::value rs = parse(handle("GET", "/sessions/rs", "trainer"));
  EXPECT_EQ(rs.at("candidate_resets"), true);
  EXPECT_EQ(rs.at("feedback"), false);
  json::value fb = parse(handle("GET", "/sessions/fb", "evaluator"));
  EXPECT_EQ(fb.at("candidate_resets"), false);
  EXPECT_TRUE(store_->get_session("rs")->candidate_resets);
  HttpResponse bad =
      handle("POST", "/sessions", "trainer",
             R"({"lab":"demo","candidates":["x"],"name":"bad","candidate_resets":"yes"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("candidate_resets"), std::string::npos);
}

TEST_F(WebActionsTest, CheckMyWorkIsOnlyForSessionsWithFeedback) {
  Seat seat = sign_in("rs", "c01");
  HttpResponse page = browse("GET", "/candidate", seat.cookies);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("action=\"/candidate/check\""), std::string::npos)
      << "no button without feedback";
  HttpResponse post = browse("POST", "/candidate/check", seat.cookies, "csrf=" + seat.csrf);
  EXPECT_EQ(post.status, 403);
  EXPECT_NE(post.body.find("ne propose pas de vérifier"), std::string::npos) << post.body;
  EXPECT_TRUE(ops_->calls().empty());
  EXPECT_EQ(browse("POST", "/candidate/check", "", "csrf=" + seat.csrf).status, 303)
      << "no cookie: to the login";
}

TEST_F(WebActionsTest, CheckMyWorkRunsThisCandidatesChecksAsThemOncePerInterval) {
  Seat a = sign_in("fb", "c01");
  HttpResponse page = browse("GET", "/candidate", a.cookies);
  EXPECT_NE(page.body.find("action=\"/candidate/check\""), std::string::npos);
  EXPECT_NE(page.body.find("name=\"csrf\" value=\"" + a.csrf + "\""), std::string::npos);
  // Without the page's token, or with another one: refused, nothing started.
  EXPECT_EQ(browse("POST", "/candidate/check", a.cookies, "").status, 403);
  EXPECT_EQ(browse("POST", "/candidate/check", a.cookies, "csrf=" + std::string(64, '0')).status,
            403);
  EXPECT_TRUE(ops_->calls().empty());

  HttpResponse go = browse("POST", "/candidate/check", a.cookies, "csrf=" + a.csrf);
  ASSERT_EQ(go.status, 303) << go.body;
  EXPECT_EQ(header(go, "Location"), "/candidate?done=check");
  auto calls = ops_->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].kind, "check_run");
  EXPECT_EQ(calls[0].session, "fb");
  EXPECT_EQ(calls[0].candidate, "c01") << "this candidate's checks only, never the session's";
  EXPECT_EQ(calls[0].actor, "candidate:c01");
  HttpResponse after = browse("GET", "/candidate?done=check", a.cookies);
  EXPECT_NE(after.body.find("Vérification lancée"), std::string::npos);
  EXPECT_NE(after.body.find("Vérification en cours"), std::string::npos)
      << "its run is still running";
  EXPECT_NE(after.body.find("data-refresh=\"10\""), std::string::npos);

  // Again at once: 429, with the time left in words and in Retry-After; nothing started.
  HttpResponse soon = browse("POST", "/candidate/check", a.cookies, "csrf=" + a.csrf);
  EXPECT_EQ(soon.status, 429);
  long long wait = std::stoll(header(soon, "Retry-After"));
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 60);
  EXPECT_NE(soon.body.find("Prochaine possible dans"), std::string::npos) << soon.body;
  EXPECT_EQ(ops_->calls().size(), 1u);
  // The spacing is per candidate: c02 checks now.
  Seat b = sign_in("fb", "c02");
  EXPECT_EQ(browse("POST", "/candidate/check", b.cookies, "csrf=" + b.csrf).status, 303);
  ASSERT_EQ(ops_->calls().size(), 2u);
  EXPECT_EQ(ops_->calls()[1].candidate, "c02");
  EXPECT_EQ(ops_->calls()[1].actor, "candidate:c02");

  // When the run's results are stored, the page shows each task's verdict in words.
  auto t = store::Clock::now();
  ASSERT_TRUE(store_
                  ->add_result({"r1", "fb", "c01", "T2", 0, "server", "user", "fail", "present",
                                "absent", "run-a1_1", t, t, t})
                  .ok());
  std::string verdict = browse("GET", "/candidate", a.cookies).body;
  EXPECT_NE(verdict.find("<strong>F ÉCHEC</strong> 0/1"), std::string::npos) << verdict;
}

TEST_F(WebActionsTest, ResetNeedsTheFlagAndIsOnlyForTheCandidatesOwnMachines) {
  Seat fb = sign_in("fb", "c01");
  EXPECT_EQ(browse("GET", "/candidate", fb.cookies).body.find("/candidate/reset/"),
            std::string::npos);
  EXPECT_EQ(browse("GET", "/candidate/reset/server", fb.cookies).status, 403);
  HttpResponse off =
      browse("POST", "/candidate/reset/server", fb.cookies, "csrf=" + fb.csrf + "&confirm=yes");
  EXPECT_EQ(off.status, 403);
  EXPECT_NE(off.body.find("demandez au formateur"), std::string::npos);

  Seat a = sign_in("rs", "c01");
  std::string page = browse("GET", "/candidate", a.cookies).body;
  EXPECT_NE(page.find("href=\"/candidate/reset/server\""), std::string::npos) << page;
  EXPECT_NE(page.find("href=\"/candidate/reset/client\""), std::string::npos);
  // Names that are not one of the candidate's machines, another candidate's path included.
  for (const std::string bad : {"nothere", "c02/server", "..", "server/x"}) {
    EXPECT_EQ(browse("GET", "/candidate/reset/" + bad, a.cookies).status, 403) << bad;
    EXPECT_EQ(
        browse("POST", "/candidate/reset/" + bad, a.cookies, "csrf=" + a.csrf + "&confirm=yes")
            .status,
        403)
        << bad;
  }
  EXPECT_TRUE(ops_->calls().empty());
}

TEST_F(WebActionsTest, ResetAsksForConfirmationThenResetsThatHostAsTheCandidate) {
  Seat a = sign_in("rs", "c01");
  HttpResponse confirm = browse("GET", "/candidate/reset/server", a.cookies);
  ASSERT_EQ(confirm.status, 200);
  EXPECT_NE(confirm.body.find("action=\"/candidate/reset/server\""), std::string::npos);
  EXPECT_NE(confirm.body.find("name=\"confirm\" value=\"yes\""), std::string::npos);
  EXPECT_NE(confirm.body.find("Oui, réinitialiser server"), std::string::npos) << confirm.body;
  EXPECT_NE(confirm.body.find("tout ce que vous y avez fait est perdu"), std::string::npos);
  EXPECT_TRUE(ops_->calls().empty()) << "the confirmation page changes nothing";
  // Without the token: refused; without the explicit yes: back to the question.
  EXPECT_EQ(browse("POST", "/candidate/reset/server", a.cookies, "confirm=yes").status, 403);
  HttpResponse no_yes = browse("POST", "/candidate/reset/server", a.cookies, "csrf=" + a.csrf);
  EXPECT_EQ(no_yes.status, 303);
  EXPECT_EQ(header(no_yes, "Location"), "/candidate/reset/server");
  EXPECT_TRUE(ops_->calls().empty());

  HttpResponse go =
      browse("POST", "/candidate/reset/server", a.cookies, "csrf=" + a.csrf + "&confirm=yes");
  ASSERT_EQ(go.status, 303) << go.body;
  EXPECT_EQ(header(go, "Location"), "/candidate?done=reset");
  auto calls = ops_->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].kind, "reset");
  EXPECT_EQ(calls[0].session, "rs");
  EXPECT_EQ(calls[0].candidate, "c01");
  EXPECT_EQ(calls[0].host, "server");
  EXPECT_EQ(calls[0].actor, "candidate:c01");

  // While it runs, that machine is "resetting" (in words), its reset button gone, the page
  // reloading itself; the other machine and the other candidate's are not.
  std::string page = browse("GET", "/candidate?done=reset", a.cookies).body;
  EXPECT_NE(page.find("Réinitialisation lancée"), std::string::npos);
  EXPECT_NE(
      page.find("<h3>server</h3>\n<p><span class=\"state resetting\">État : réinitialisation"),
      std::string::npos)
      << page;
  EXPECT_EQ(page.find("href=\"/candidate/reset/server\""), std::string::npos);
  EXPECT_NE(page.find("<h3>client</h3>\n<p><span class=\"state booting\">"), std::string::npos);
  EXPECT_NE(page.find("data-refresh=\"10\""), std::string::npos);
  Seat b = sign_in("rs", "c02");
  EXPECT_EQ(browse("GET", "/candidate", b.cookies).body.find("state resetting"), std::string::npos);
  // When the action ends, the machine shows the lab's state again.
  auto stored = store_->get_action("a1_1");
  ASSERT_TRUE(stored.ok());
  stored->state = "done";
  stored->finished_at = store::Clock::now();
  ASSERT_TRUE(store_->put_action(*stored).ok());
  page = browse("GET", "/candidate?lang=en", a.cookies).body;
  EXPECT_EQ(page.find("state resetting"), std::string::npos);
  EXPECT_EQ(page.find("data-refresh"), std::string::npos);
  EXPECT_NE(page.find("Reset this machine"), std::string::npos);
}

TEST_F(WebActionsTest, TheCoresRefusalsAreSaidInWordsAndDoNotCountAsAChecksRun) {
  ops_->refuse = Error(ErrorCode::kFailedPrecondition, "the lab of c01 is not placed yet");
  Seat a = sign_in("fb", "c01");
  HttpResponse r = browse("POST", "/candidate/check", a.cookies, "csrf=" + a.csrf);
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("pas prêt"), std::string::npos) << r.body;
  ops_->refuse.reset();
  EXPECT_EQ(browse("POST", "/candidate/check", a.cookies, "csrf=" + a.csrf).status, 303)
      << "not spaced after a refusal";
}

// The same requests with the real Reconciler on libvirt's test:///default driver: its labs never
// become ready, so the core refuses (409) both actions, and the candidate is told so.
class ActionsOnTheTestDriver : public SeatHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-web-actions-driver"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    auto r =
        reconciler::Reconciler::create(reconciler::test::test_driver_options(dir_, labs_, src_));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    reconciler_ = std::move(*r);
    Api::Options o;
    o.web.access_key = std::string(64, 'k');
    o.operations = reconciler_.get();
    api_ = std::make_unique<Api>(*store_, *sessions_, o);
    add_tokens();
    ASSERT_NO_FATAL_FAILURE(create("both", /*feedback=*/true, /*resets=*/true));
  }
  void TearDown() override {
    if (reconciler_) reconciler_->stop(std::chrono::seconds(10));
    api_.reset();
    reconciler_.reset();
    SeatHarness::TearDown();
  }
  std::unique_ptr<reconciler::Reconciler> reconciler_;
};

TEST_F(ActionsOnTheTestDriver, ANotReadyLabIsRefusedInWords) {
  Seat a = sign_in("both", "c01");
  HttpResponse check = browse("POST", "/candidate/check", a.cookies, "csrf=" + a.csrf);
  EXPECT_EQ(check.status, 409) << check.body;
  EXPECT_NE(check.body.find("pas prêt"), std::string::npos);
  HttpResponse reset = browse("POST", "/candidate/reset/server?lang=en", a.cookies,
                              "csrf=" + a.csrf + "&confirm=yes");
  EXPECT_EQ(reset.status, 409) << reset.body;
  EXPECT_NE(reset.body.find("not ready"), std::string::npos);
  EXPECT_TRUE(store_->list_running_actions("both")->empty());
}

}  // namespace
}  // namespace atelier::api
