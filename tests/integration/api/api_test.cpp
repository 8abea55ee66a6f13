// The API served on 127.0.0.1 port 0 by the real server, store and session service, with the
// io_context run by the fixture: every endpoint's success and errors (bad JSON, unknown ids,
// oversized bodies) and the full endpoint x role matrix.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <future>

#include <sqlite3.h>

#include "controller/api/api.h"
#include "controller/api/http_client.h"
#include "controller/api/roles.h"
#include "controller/api/server.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using store::Role;

constexpr std::size_t kMaxBody = 64 * 1024;

class ApiTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-api-test"));
    fs::create_directories(labs_ / "broken");
    std::ofstream(labs_ / "broken" / "lab.yaml")
        << "lab: broken\ntitle: {fr: x, en: y}\nhosts:\n  a: {image: 12}\n";
    ASSERT_NO_FATAL_FAILURE(open_store());
    api_ = std::make_unique<Api>(*store_, *sessions_, Api::Options{std::chrono::milliseconds(50)});

    // Sessions and tokens the tests read; made before the server thread starts.
    make_session("s1", {"c01", "c02"}, /*feedback=*/true);
    make_session("s2", {"c01"}, /*feedback=*/false);
    make_session("s3", {"c01"}, /*feedback=*/false);
    add_result("s1", "c01", "r1", "fail");
    add_result("s1", "c02", "r2", "pass");
    add_matrix_tokens();
    tokens_["cand_s2"] = token(Role::kCandidate, "s2", "c01");

    HttpServer::Options server_options;
    server_options.max_body_bytes = kMaxBody;
    ASSERT_NO_FATAL_FAILURE(
        start_server(server_options, [this](int status) { api_->count_response(status); }));
  }

  void add_result(const std::string& s, const std::string& c, const std::string& id,
                  const std::string& status) {
    auto now = store::Clock::now();
    ASSERT_TRUE(store_
                    ->add_result({id, s, c, "T1", 0, "server", "share", status, "2770", "0700",
                                  "run1", now, now, now})
                    .ok());
  }
  // Runs `f` on the server's worker thread (which owns the store connection) and waits for it.
  template <typename F>
  void on_strand(F f) {
    std::promise<void> done;
    server_->post_to_worker([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
};

// ---- the role matrix ------------------------------------------------------------------------

using test_support::MatrixRow;

TEST_F(ApiTest, RoleMatrixCoversEveryEndpointForEveryRole) {
  const std::string c01 = "/sessions/s1/candidates/c01";
  const std::vector<MatrixRow> rows = {
      {Endpoint::kHealthz, "GET", "/healthz", "", {200, 200, 200, 200, 200, 200, 200, 200}},
      {Endpoint::kMetrics, "GET", "/metrics", "", {200, 200, 200, 200, 200, 200, 200, 200}},
      {Endpoint::kCreateSession,
       "POST",
       "/sessions",
       R"({"lab":"demo","candidates":["x1"]})",
       {401, 401, 201, 403, 403, 403, 403, 403}},
      {Endpoint::kListSessions, "GET", "/sessions", "", {401, 401, 200, 200, 403, 403, 200, 200}},
      // What creating a session needs: a session-limited trainer cannot create one.
      {Endpoint::kListLabs, "GET", "/labs", "", {401, 401, 200, 403, 403, 403, 403, 403}},
      {Endpoint::kGetSession, "GET", "/sessions/s1", "", {401, 401, 200, 200, 403, 403, 403, 403}},
      {Endpoint::kDestroySession,
       "DELETE",
       "/sessions/s3",
       "",
       {401, 401, 202, 403, 403, 403, 403, 403}},
      {Endpoint::kGetCandidate, "GET", c01, "", {401, 401, 200, 200, 200, 403, 403, 403}},
      {Endpoint::kGetAccess, "GET", c01 + "/access", "", {401, 401, 200, 403, 200, 403, 403, 403}},
      {Endpoint::kGetTasks, "GET", c01 + "/tasks", "", {401, 401, 200, 200, 200, 403, 403, 403}},
      {Endpoint::kGetCandidateResults,
       "GET",
       c01 + "/results",
       "",
       {401, 401, 200, 200, 200, 403, 403, 403}},
      {Endpoint::kGetResults,
       "GET",
       "/sessions/s1/results",
       "",
       {401, 401, 200, 200, 403, 403, 403, 403}},
      {Endpoint::kCreateToken,
       "POST",
       "/tokens",
       R"({"role":"evaluator"})",
       {401, 401, 201, 403, 403, 403, 403, 403}},
      // Allowed: 200 with the trainer's view (a session-limited trainer sees its session's).
      {Endpoint::kListTokens, "GET", "/tokens", "", {401, 401, 200, 403, 403, 403, 200, 403}},
      // Allowed: 404, as no token has this id (tokens_test.cpp revokes real ones).
      {Endpoint::kRevokeToken,
       "DELETE",
       "/tokens/000000000000",
       "",
       {401, 401, 404, 403, 403, 403, 404, 403}},
      {Endpoint::kSessionEvents,
       "GET",
       "/sessions/s1/events",
       "",
       {401, 401, 200, 200, 403, 403, 403, 403}},
      // Actions: this fixture runs no reconciler, so an allowed call is 503 (see
      // tests/integration/reconciler for them with one).
      {Endpoint::kResetLab, "POST", c01 + "/reset", "", {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kSolveLab, "POST", c01 + "/solve", "", {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kRunChecks,
       "POST",
       "/sessions/s1/checks",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kGetAction,
       "GET",
       "/sessions/s1/actions/a1",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kCreateAnnotation,
       "POST",
       "/sessions/s1/annotations",
       R"({"candidate":"c01","text":"vu"})",
       {401, 401, 201, 201, 403, 403, 403, 403}},
      {Endpoint::kCreateOverride,
       "POST",
       "/sessions/s1/overrides",
       R"({"candidate":"c01","task":"T1","points":1,"justification":"vu en direct"})",
       {401, 401, 201, 201, 403, 403, 403, 403}},
      // Last: after it, overrides of s1 are refused.
      {Endpoint::kCollectResults,
       "POST",
       "/sessions/s1/collect",
       "",
       {401, 401, 200, 200, 403, 403, 403, 403}},
      // Access codes and the candidate pages (no access-code key here: 503; the pages ignore
      // bearer tokens; tests/integration/web covers them with a key and cookies).
      {Endpoint::kListCodes,
       "GET",
       "/sessions/s1/codes",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kRegenerateCode,
       "POST",
       c01 + "/code",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kLoginPage, "GET", "/login", "", {200, 200, 200, 200, 200, 200, 200, 200}},
      {Endpoint::kLogin, "POST", "/login", "", {503, 503, 503, 503, 503, 503, 503, 503}},
      {Endpoint::kLogout, "GET", "/logout", "", {303, 303, 303, 303, 303, 303, 303, 303}},
      {Endpoint::kCandidatePage, "GET", "/candidate", "", {303, 303, 303, 303, 303, 303, 303, 303}},
      {Endpoint::kAsset,
       "GET",
       "/assets/atelier.css",
       "",
       {404, 404, 404, 404, 404, 404, 404, 404}},
      // The console page needs the candidate's cookie (bearer tokens are ignored: to the login).
      {Endpoint::kConsolePage,
       "GET",
       "/candidate/console/srv1",
       "",
       {303, 303, 303, 303, 303, 303, 303, 303}},
      {Endpoint::kDisplayPage,
       "GET",
       "/candidate/display/client",
       "",
       {303, 303, 303, 303, 303, 303, 303, 303}},
      // Recordings: trainers and evaluators of the session, never candidates (none kept here:
      // an empty list, and 404 for a file; tests/integration/web lists real ones).
      {Endpoint::kListRecordings,
       "GET",
       "/sessions/s1/recordings",
       "",
       {401, 401, 200, 200, 403, 403, 403, 403}},
      {Endpoint::kGetRecording,
       "GET",
       c01 + "/recordings/srv1-1.cast",
       "",
       {401, 401, 404, 404, 403, 403, 403, 403}},
      // The evaluator's pages: trainers and evaluators of the session, never candidates; a GET
      // without credentials goes to the people's login (303). (s2: s1's
      // fixture results share a run id across candidates, which grading refuses); the forms
      // without their CSRF token are 400 (tests/integration/web/grid_pages_test.cpp).
      {Endpoint::kEvaluatorGrid,
       "GET",
       "/evaluator/sessions/s2",
       "",
       {303, 401, 200, 200, 403, 403, 200, 200}},
      {Endpoint::kEvaluatorCell,
       "GET",
       "/evaluator/sessions/s2/candidates/c01/tasks/T1",
       "",
       {303, 401, 200, 200, 403, 403, 200, 200}},
      {Endpoint::kEvaluatorSheet,
       "GET",
       "/evaluator/sessions/s2/candidates/c01/sheet",
       "",
       {303, 401, 200, 200, 403, 403, 200, 200}},
      {Endpoint::kEvaluatorExport,
       "GET",
       "/evaluator/sessions/s2/export/csv",
       "",
       {303, 401, 200, 200, 403, 403, 200, 200}},
      {Endpoint::kEvaluatorOverride,
       "POST",
       "/evaluator/sessions/s2/overrides",
       "candidate=c01&task=T1&points=1",
       {401, 401, 400, 400, 403, 403, 400, 400}},
      {Endpoint::kEvaluatorAnnotate,
       "POST",
       "/evaluator/sessions/s2/annotations",
       "candidate=c01&task=T1&text=x",
       {401, 401, 400, 400, 403, 403, 400, 400}},
      {Endpoint::kEvaluatorFreeze,
       "POST",
       "/evaluator/sessions/s2/freeze",
       "",
       {401, 401, 400, 400, 403, 403, 400, 400}},
      // People's login (open; no CSRF field here: 403) and the trainer's pages: a bearer token is
      // a principal there too; without one a GET is sent to the login. No access key: slips 503.
      {Endpoint::kStaffLoginPage,
       "GET",
       "/staff/login",
       "",
       {200, 200, 200, 200, 200, 200, 200, 200}},
      {Endpoint::kStaffLogin, "POST", "/staff/login", "", {403, 403, 403, 403, 403, 403, 403, 403}},
      {Endpoint::kStaffLogout,
       "GET",
       "/staff/logout",
       "",
       {303, 303, 303, 303, 303, 303, 303, 303}},
      {Endpoint::kTrainerPage, "GET", "/trainer", "", {303, 401, 200, 403, 403, 403, 200, 403}},
      {Endpoint::kTrainerSessionPage,
       "GET",
       "/trainer/sessions/s1",
       "",
       {303, 401, 200, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerSlips,
       "GET",
       "/trainer/sessions/s1/slips",
       "",
       {303, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerConsolePage,
       "GET",
       "/trainer" + c01 + "/console/server",
       "",
       {303, 401, 200, 403, 403, 403, 403, 403}},
      // The demo lab's client has a screen (`display: true`).
      {Endpoint::kTrainerDisplayPage,
       "GET",
       "/trainer" + c01 + "/display/client",
       "",
       {303, 401, 200, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerConsoleLog,
       "GET",
       "/trainer" + c01 + "/console-log/server",
       "",
       {303, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerReset,
       "POST",
       "/trainer" + c01 + "/reset",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerSolve,
       "POST",
       "/trainer" + c01 + "/solve",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerChecks,
       "POST",
       "/trainer/sessions/s1/checks",
       "",
       {401, 401, 503, 403, 403, 403, 403, 403}},
      // Without the typed confirmation nothing is destroyed: back to the page (303).
      {Endpoint::kTrainerDestroy,
       "POST",
       "/trainer/sessions/s1/destroy",
       "",
       {401, 401, 303, 403, 403, 403, 403, 403}},
      // The candidate's own actions need the candidate's cookie: a bearer token is no seat (to the
      // login); tests/integration/web/web_actions_test.cpp covers them with cookies.
      {Endpoint::kCandidateCheck,
       "POST",
       "/candidate/check",
       "",
       {303, 303, 303, 303, 303, 303, 303, 303}},
      {Endpoint::kCandidateResetPage,
       "GET",
       "/candidate/reset/server",
       "",
       {303, 303, 303, 303, 303, 303, 303, 303}},
      {Endpoint::kCandidateReset,
       "POST",
       "/candidate/reset/server",
       "",
       {303, 303, 303, 303, 303, 303, 303, 303}},
      // The new-session form (an empty form comes back: 400, no lab) and the evaluator's home.
      {Endpoint::kTrainerNewSessionPage,
       "GET",
       "/trainer/sessions/new",
       "",
       {303, 401, 200, 403, 403, 403, 403, 403}},
      {Endpoint::kTrainerNewSession,
       "POST",
       "/trainer/sessions/new",
       "",
       {401, 401, 400, 403, 403, 403, 403, 403}},
      {Endpoint::kEvaluatorHome, "GET", "/evaluator", "", {303, 401, 200, 200, 403, 403, 200, 200}},
  };
  // Every endpoint of the role table is in the matrix.
  for (const auto& rule : rules()) {
    bool found = false;
    for (const auto& row : rows) found = found || row.endpoint == rule.endpoint;
    EXPECT_TRUE(found) << "endpoint " << rule.pattern << " is missing from the matrix";
  }
  expect_role_matrix(rows);
}

TEST_F(ApiTest, CandidateACannotReadAnythingOfCandidateB) {
  const std::string b = "/sessions/s1/candidates/c02";
  for (const std::string suffix : {"", "/access", "/tasks", "/results"}) {
    EXPECT_EQ(call("GET", b + suffix, "cand_a").status, 403) << suffix;
    EXPECT_EQ(call("GET", b + suffix, "cand_b").status, 200) << suffix;
  }
  // Not through the session-wide views either, nor through another session's same name.
  EXPECT_EQ(call("GET", "/sessions/s1/results", "cand_a").status, 403);
  EXPECT_EQ(call("GET", "/sessions/s1", "cand_a").status, 403);
  EXPECT_EQ(call("GET", "/sessions/s2/candidates/c01", "cand_a").status, 403);
  // Their own results carry only their own rows.
  json::value own = parse(call("GET", "/sessions/s1/candidates/c01/results", "cand_a"));
  ASSERT_EQ(own.at("results").as_array().size(), 1u);
  EXPECT_EQ(own.at("results").at(0).at("candidate"), "c01");
}

TEST_F(ApiTest, CandidateResultsNeedTheSessionsFeedbackFlag) {
  HttpResponse r = call("GET", "/sessions/s2/candidates/c01/results", "cand_s2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "forbidden");
  EXPECT_EQ(call("GET", "/sessions/s2/candidates/c01/tasks", "cand_s2").status, 200);
  EXPECT_EQ(call("GET", "/sessions/s2/candidates/c01/results", "trainer").status, 200);
}

// Issue #19: the seed is the trainer's; evaluators see sessions without it.
TEST_F(ApiTest, SeedsAreShownToTrainersOnly) {
  for (const std::string target : {"/sessions", "/sessions/s1"}) {
    json::value t = parse(call("GET", target, "trainer"));
    json::value e = parse(call("GET", target, "evaluator"));
    const auto& ts = target == "/sessions" ? t.at("sessions").at(0).as_object() : t.as_object();
    const auto& es = target == "/sessions" ? e.at("sessions").at(0).as_object() : e.as_object();
    EXPECT_EQ(ts.at("seed").to_number<std::uint64_t>(), 42u) << target;
    EXPECT_FALSE(es.contains("seed")) << target << ": " << json::serialize(es);
  }
}

TEST_F(ApiTest, SessionScopedTokensSeeOnlyTheirSession) {
  json::value list = parse(call("GET", "/sessions", "evaluator_s2"));
  ASSERT_EQ(list.at("sessions").as_array().size(), 1u);
  EXPECT_EQ(list.at("sessions").at(0).at("id"), "s2");
  EXPECT_EQ(call("GET", "/sessions/s2", "trainer_s2").status, 200);
  EXPECT_EQ(call("GET", "/sessions/s2/results", "evaluator_s2").status, 200);
  EXPECT_EQ(call("DELETE", "/sessions/s2", "evaluator_s2").status, 403);
  // A scoped trainer makes candidate tokens for its session only.
  EXPECT_EQ(call("POST", "/tokens", "trainer_s2",
                 R"({"role":"candidate","session":"s2","candidate":"c01"})")
                .status,
            201);
  EXPECT_EQ(call("POST", "/tokens", "trainer_s2",
                 R"({"role":"candidate","session":"s1","candidate":"c01"})")
                .status,
            403);
  EXPECT_EQ(call("DELETE", "/sessions/s2", "trainer_s2").status, 202);
}

// ---- authentication --------------------------------------------------------------------------

TEST_F(ApiTest, MalformedAuthorizationIs401) {
  ClientRequest req;
  req.target = "/sessions";
  req.raw_authorization = "Basic dXNlcjpwYXNz";
  auto r = http_call(url_, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(error_code(*r), "unauthenticated");
  req.raw_authorization = "Bearer " + tokens_["trainer"] + "x";
  EXPECT_EQ(http_call(url_, req)->status, 401);
}

// ---- endpoints ---------------------------------------------------------------------------------

TEST_F(ApiTest, HealthzAndMetrics) {
  HttpResponse h = call("GET", "/healthz", "none");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(parse(h).at("status"), "ok");
  call("GET", "/sessions/nope", "trainer");  // a 404 to count
  HttpResponse m = call("GET", "/metrics", "none");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("atelier_sessions{desired=\"active\"} 3"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("atelier_candidate_labs{status=\"pending\"} 4"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("atelier_http_responses_total{code=\"404\"} 1"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("atelier_results 2"), std::string::npos) << m.body;
}

TEST_F(ApiTest, CreateSessionRecordsDesiredStateAndReadsBack) {
  HttpResponse r = call("POST", "/sessions", "trainer",
                        R"({"lab":"demo","candidates":["alice","bob"],"seed":7,"name":"exam1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::value v = parse(r);
  EXPECT_EQ(v.at("id"), "exam1");
  EXPECT_EQ(v.at("lab").at("id"), "demo");
  EXPECT_EQ(v.at("seed").to_number<std::uint64_t>(), 7u);
  EXPECT_EQ(v.at("desired"), "active");
  EXPECT_EQ(v.at("status"), "pending");
  ASSERT_EQ(v.at("candidates").as_array().size(), 2u);
  EXPECT_EQ(v.at("candidates").at(1).at("candidate"), "bob");
  EXPECT_EQ(v.at("candidates").at(1).at("steps").at("networks"), "pending");

  json::value got = parse(call("GET", "/sessions/exam1", "trainer"));
  EXPECT_EQ(got.at("candidates").as_array().size(), 2u);
  json::value list = parse(call("GET", "/sessions", "trainer"));
  EXPECT_EQ(list.at("sessions").as_array().size(), 4u);
  json::value cand = parse(call("GET", "/sessions/exam1/candidates/alice", "trainer"));
  EXPECT_EQ(cand.at("status"), "pending");
  EXPECT_EQ(cand.at("session"), "exam1");

  // A lab given as a path inside the labs folder works too; without a name, one is drawn.
  HttpResponse by_path = call(
      "POST", "/sessions", "trainer",
      json::serialize(json::object{{"lab", (labs_ / "demo").string()}, {"candidates", {"c1"}}}));
  ASSERT_EQ(by_path.status, 201) << by_path.body;
  EXPECT_EQ(parse(by_path).at("id").as_string().size(), 9u);  // "s" + 8 hex digits
}

TEST_F(ApiTest, CreateSessionRejectsBadInput) {
  auto expect = [&](const std::string& body, int status, const std::string& code) {
    HttpResponse r = call("POST", "/sessions", "trainer", body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body;
    EXPECT_EQ(error_code(r), code) << body;
    return r;
  };
  expect("{not json", 400, "bad_json");
  expect("", 400, "bad_json");
  expect("[1,2]", 400, "bad_json");
  expect(R"({"candidates":["a"]})", 400, "invalid_argument");
  expect(R"({"lab":"demo"})", 400, "invalid_argument");
  expect(R"({"lab":"demo","candidates":[]})", 400, "invalid_argument");
  expect(R"({"lab":"demo","candidates":["a-1"]})", 400, "invalid_argument");  // '-' is not allowed
  expect(R"({"lab":"demo","candidates":["a","a"]})", 400, "invalid_argument");
  expect(R"({"lab":"demo","candidates":["a"],"seed":-1})", 400, "invalid_argument");
  expect(R"({"lab":"demo","candidates":["a"],"name":"Bad Name"})", 400, "invalid_argument");
  expect(R"({"lab":"demo","candidates":["a"],"colour":"red"})", 400, "invalid_argument");
  expect(R"({"lab":"nosuchlab","candidates":["a"]})", 404, "not_found");
  expect(R"({"lab":"/etc","candidates":["a"]})", 403, "forbidden");
  expect(R"({"lab":"../../etc/passwd","candidates":["a"]})", 403, "forbidden");
  expect(R"({"lab":"demo","candidates":["a"],"name":"s1"})", 409, "conflict");
  HttpResponse broken = expect(R"({"lab":"broken","candidates":["a"]})", 400, "invalid_lab");
  json::value diags = parse(broken).at("error").at("diagnostics");
  ASSERT_FALSE(diags.as_array().empty());
  EXPECT_GT(diags.at(0).at("line").to_number<int>(), 0);
  EXPECT_NE(std::string(diags.at(0).at("text").as_string()).find("lab.yaml:"), std::string::npos);
  // Nothing was recorded by the refused requests.
  EXPECT_EQ(parse(call("GET", "/sessions", "trainer")).at("sessions").as_array().size(), 3u);
}

// Display names ride with the candidates: kept, shown in every candidate object, checked.
TEST_F(ApiTest, CreateSessionTakesDisplayNames) {
  HttpResponse r = call(
      "POST", "/sessions", "trainer",
      R"({"lab":"demo","candidates":["alice","bob"],"name":"named","display_names":{"alice":"Alice Martin"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::value v = parse(r);
  EXPECT_EQ(v.at("candidates").at(0).at("display_name"), "Alice Martin");
  EXPECT_EQ(v.at("candidates").at(1).at("display_name"), "");
  json::value got = parse(call("GET", "/sessions/named/candidates/alice", "trainer"));
  EXPECT_EQ(got.at("display_name"), "Alice Martin");

  for (const char* bad : {R"("display_names":["Alice"])", R"("display_names":{"alice":5})",
                          R"("display_names":{"zoe":"Zoé"})"}) {
    HttpResponse e = call("POST", "/sessions", "trainer",
                          std::string(R"({"lab":"demo","candidates":["alice"],)") + bad + "}");
    EXPECT_EQ(e.status, 400) << bad << " -> " << e.body;
    EXPECT_EQ(error_code(e), "invalid_argument") << bad;
  }
}

// A session's own check interval: lab-format durations or "off", shown back with the
// interval in force and where it comes from; anything else is a 400 that says what is accepted.
TEST_F(ApiTest, CreateSessionTakesACheckInterval) {
  HttpResponse r =
      call("POST", "/sessions", "trainer",
           R"({"lab":"demo","candidates":["alice"],"name":"every20","check_interval":"20s"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r).at("check_interval"), "20s");
  json::value got = parse(call("GET", "/sessions/every20", "trainer"));
  EXPECT_EQ(got.at("check_interval"), "20s");
  EXPECT_EQ(got.at("checks_every").at("interval"), "20s");
  EXPECT_EQ(got.at("checks_every").at("seconds").to_number<int>(), 20);
  EXPECT_EQ(got.at("checks_every").at("from"), "session");
  ASSERT_EQ(store_->get_session("every20")->check_interval, std::chrono::seconds(20));

  r = call("POST", "/sessions", "trainer",
           R"({"lab":"demo","candidates":["alice"],"name":"quiet","check_interval":"off"})");
  ASSERT_EQ(r.status, 201) << r.body;
  got = parse(call("GET", "/sessions/quiet", "trainer"));
  EXPECT_EQ(got.at("check_interval"), "off");
  EXPECT_EQ(got.at("checks_every").at("interval"), "off");
  EXPECT_EQ(got.at("checks_every").at("from"), "session");
  EXPECT_EQ(store_->get_session("quiet")->check_interval, std::chrono::seconds(0));

  r = call("POST", "/sessions", "trainer",
           R"({"lab":"demo","candidates":["alice"],"name":"canonical","check_interval":"90s"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r).at("check_interval"), "1m30s");

  // Not set: null, and the demo lab sets none, so atelierd's (0 in this fixture) applies.
  got = parse(call("GET", "/sessions/s1", "trainer"));
  EXPECT_TRUE(got.at("check_interval").is_null());
  EXPECT_EQ(got.at("checks_every").at("interval"), "off");
  EXPECT_EQ(got.at("checks_every").at("from"), "atelierd");

  for (const char* bad :
       {R"("20")", R"("fast")", R"("25h")", R"("500ms")", R"("-5s")", R"("")", "20", "true"}) {
    std::string body =
        std::string(R"({"lab":"demo","candidates":["bob"],"name":"bad","check_interval":)") + bad +
        "}";
    HttpResponse refused = call("POST", "/sessions", "trainer", body);
    EXPECT_EQ(refused.status, 400) << body << " -> " << refused.body;
    EXPECT_EQ(error_code(refused), "invalid_argument") << body;
    std::string message(parse(refused).at("error").at("message").as_string());
    EXPECT_NE(message.find("30s"), std::string::npos) << message;
    EXPECT_NE(message.find("off"), std::string::npos) << message;
  }
  EXPECT_EQ(store_->get_session("bad").error().code(), ErrorCode::kNotFound);
}

// Every result says who started its run: "atelierd" for the periodic runs, a token id on demand.
TEST_F(ApiTest, ResultsSayWhoRanTheirRun) {
  auto now = store::Clock::now();
  store::ResultRecord periodic{"r3",   "s1",   "c01",  "T1",         0,   "server", "share",
                               "pass", "2770", "2770", "run-a7-c01", now, now,      now};
  periodic.run_by = "atelierd";
  ASSERT_TRUE(store_->add_result(periodic).ok());
  json::value v = parse(call("GET", "/sessions/s1/results", "evaluator"));
  const auto& results = v.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results.at(0).at("run_by").is_null());  // r1: stored without it
  EXPECT_EQ(results.at(2).at("result_id"), "r3");
  EXPECT_EQ(results.at(2).at("run_by"), "atelierd");
}

TEST_F(ApiTest, OversizedBodiesAre413) {
  std::string big = R"({"lab":"demo","candidates":[")" + std::string(kMaxBody + 10, 'a') + R"("]})";
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/sessions"}, {"POST", "/tokens"}, {"GET", "/sessions"}}) {
    HttpResponse r = call(method, target, "trainer", big);
    EXPECT_EQ(r.status, 413) << method << " " << target;
    EXPECT_EQ(error_code(r), "body_too_large");
  }
  // The server is still serving.
  EXPECT_EQ(call("GET", "/healthz", "none").status, 200);
}

TEST_F(ApiTest, UnknownIdsAre404AndUnknownRoutes404Or405) {
  for (const std::string target :
       {"/sessions/nope", "/sessions/s1/candidates/zz", "/sessions/s1/candidates/zz/access",
        "/sessions/s1/candidates/zz/tasks", "/sessions/s1/candidates/zz/results",
        "/sessions/nope/results", "/sessions/nope/candidates/c01"}) {
    HttpResponse r = call("GET", target, "trainer");
    EXPECT_EQ(r.status, 404) << target << ": " << r.body;
    EXPECT_EQ(error_code(r), "not_found");
  }
  EXPECT_EQ(call("DELETE", "/sessions/nope", "trainer").status, 404);
  EXPECT_EQ(error_code(call("GET", "/nothing/here", "trainer")), "not_found");
  HttpResponse wrong = call("PUT", "/sessions/s1", "trainer");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(error_code(wrong), "method_not_allowed");
}

TEST_F(ApiTest, DestroyMarksDesiredStateAndIsIdempotent) {
  HttpResponse r = call("DELETE", "/sessions/s1", "trainer");
  ASSERT_EQ(r.status, 202);
  EXPECT_EQ(parse(r).at("desired"), "destroyed");
  EXPECT_EQ(call("DELETE", "/sessions/s1", "trainer").status, 202);
  EXPECT_EQ(parse(call("GET", "/sessions/s1", "trainer")).at("desired"), "destroyed");
}

TEST_F(ApiTest, TasksAreTheCandidatesResolvedTickets) {
  json::value a = parse(call("GET", "/sessions/s1/candidates/c01/tasks", "cand_a"));
  json::value b = parse(call("GET", "/sessions/s1/candidates/c02/tasks", "cand_b"));
  ASSERT_EQ(a.at("tasks").as_array().size(), 3u);
  const auto& t1 = a.at("tasks").at(0);
  EXPECT_EQ(t1.at("id"), "T1");
  EXPECT_EQ(t1.at("priority"), "P2");
  EXPECT_EQ(t1.at("sla_seconds").to_number<int>(), 1800);
  std::string title = std::string(t1.at("title").at("en").as_string());
  std::string body = std::string(t1.at("body").at("fr").as_string());
  EXPECT_EQ(title.find("{{"), std::string::npos) << title;
  EXPECT_EQ(body.find("{{"), std::string::npos);
  EXPECT_FALSE(body.empty());
  // Checks are not shown to candidates.
  EXPECT_FALSE(t1.as_object().contains("checks"));
  // Same session seed, other candidate: the variant may differ, the shape does not.
  EXPECT_EQ(b.at("tasks").as_array().size(), 3u);
  // And the same request twice gives the same variant.
  EXPECT_EQ(json::serialize(a),
            json::serialize(parse(call("GET", "/sessions/s1/candidates/c01/tasks", "trainer"))));
}

TEST_F(ApiTest, AccessListsTheCandidatesHosts) {
  json::value v = parse(call("GET", "/sessions/s1/candidates/c01/access", "cand_a"));
  EXPECT_EQ(v.at("ready"), false);
  EXPECT_EQ(v.at("status"), "pending");
  ASSERT_EQ(v.at("hosts").as_array().size(), 2u);
  EXPECT_EQ(v.at("hosts").at(0).at("name"), "server");
  EXPECT_EQ(v.at("hosts").at(0).at("addresses").at(0).at("address"), "10.10.0.10");
}

TEST_F(ApiTest, ResultsCarryEvidence) {
  json::value v = parse(call("GET", "/sessions/s1/results", "evaluator"));
  ASSERT_EQ(v.at("results").as_array().size(), 2u);
  const auto& r = v.at("results").at(0);
  EXPECT_EQ(r.at("result_id"), "r1");
  EXPECT_EQ(r.at("status"), "fail");
  EXPECT_EQ(r.at("evidence").at("expected"), "2770");
  EXPECT_EQ(r.at("evidence").at("observed"), "0700");
}

TEST_F(ApiTest, CreateTokenMakesAWorkingTokenAndRejectsBadInput) {
  HttpResponse r = call("POST", "/tokens", "trainer",
                        R"({"role":"candidate","session":"s1","candidate":"c02","label":"bob"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::value v = parse(r);
  tokens_["new"] = std::string(v.at("token").as_string());
  EXPECT_EQ(v.at("role"), "candidate");
  EXPECT_EQ(call("GET", "/sessions/s1/candidates/c02/tasks", "new").status, 200);
  EXPECT_EQ(call("GET", "/sessions/s1/candidates/c01/tasks", "new").status, 403);

  auto expect = [&](const std::string& body, int status, const std::string& code) {
    HttpResponse e = call("POST", "/tokens", "trainer", body);
    EXPECT_EQ(e.status, status) << body << " -> " << e.body;
    EXPECT_EQ(error_code(e), code) << body;
  };
  expect("{", 400, "bad_json");
  expect(R"({"role":"admin"})", 400, "invalid_argument");
  expect(R"({})", 400, "invalid_argument");
  expect(R"({"role":"candidate","session":"s1"})", 400, "invalid_argument");
  expect(R"({"role":"candidate","session":"s1","candidate":"zz"})", 404, "not_found");
  expect(R"({"role":"evaluator","session":"nope"})", 404, "not_found");
  expect(R"({"role":"evaluator","extra":1})", 400, "invalid_argument");
  expect(R"({"role":5})", 400, "invalid_argument");
}

TEST_F(ApiTest, EventsStreamFollowsTheSessionUntilDestroyed) {
  auto events = open_events("/sessions/s1/events", "evaluator");
  ASSERT_EQ(events->status, 200);
  std::string first = events->next();
  ASSERT_EQ(first.rfind("event: session\ndata: ", 0), 0u) << first;
  json::value v = json::parse(first.substr(first.find("data: ") + 6));
  EXPECT_EQ(v.at("candidates").at(0).at("status"), "pending");

  on_strand([&] {
    auto lab = store_->get_candidate_lab("s1", "c01");
    ASSERT_TRUE(lab.ok());
    lab->status = store::LabStatus::kProvisioning;
    lab->steps[0] = store::StepState::kRunning;
    ASSERT_TRUE(store_->update_candidate_lab(*lab).ok());
  });
  std::string second = events->next();
  json::value w = json::parse(second.substr(second.find("data: ") + 6));
  EXPECT_EQ(w.at("candidates").at(0).at("status"), "provisioning");
  EXPECT_EQ(w.at("candidates").at(0).at("steps").at("networks"), "running");

  on_strand(
      [&] { ASSERT_TRUE(store_->set_session_status("s1", store::LabStatus::kDestroyed).ok()); });
  std::string last = events->next();
  EXPECT_NE(last.find("\"status\":\"destroyed\""), std::string::npos) << last;
  EXPECT_EQ(events->next(), "");  // the stream ends

  EXPECT_EQ(open_events("/sessions/nope/events", "trainer")->status, 404);
}

// The reconciler writes through its own connection to the store: its commits reach the stream
// too (the feed polls the store's change stamp, which another connection's commit moves).
TEST_F(ApiTest, EventsStreamSeesAnotherConnectionsWrites) {
  auto events = open_events("/sessions/s1/events", "trainer");
  ASSERT_EQ(events->status, 200);
  ASSERT_EQ(events->next().rfind("event: session\n", 0), 0u);
  auto other = store::Store::open(dir_ / "state");
  ASSERT_TRUE(other.ok()) << other.error().to_string();
  auto lab = other->get_candidate_lab("s1", "c01");
  ASSERT_TRUE(lab.ok());
  lab->status = store::LabStatus::kReady;
  ASSERT_TRUE(other->update_candidate_lab(*lab).ok());
  std::string next = events->next();
  ASSERT_NE(next.find("data: "), std::string::npos) << next;
  json::value v = json::parse(next.substr(next.find("data: ") + 6));
  EXPECT_EQ(v.at("candidates").at(0).at("status"), "ready");
}

// ---- the io thread never blocks ------------------------------------------------------------

// Another connection holds the store's write lock: a POST that writes waits on SQLite (up to its
// 5 s busy timeout) on the worker thread, and /healthz is still answered at once on the io thread.
TEST_F(ApiTest, HealthzAnswersInMillisecondsWhileAWriteWaitsOnTheStore) {
  using Clock = std::chrono::steady_clock;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "state" / "atelier.db").c_str(), &db), SQLITE_OK);
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close(db); }
  } closer{db};
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  const auto post_start = Clock::now();
  auto post = std::async(std::launch::async, [&] {
    return http_call(url_, {"POST", "/sessions", tokens_["trainer"],
                            R"({"lab":"demo","candidates":["w1"]})", "", ""});
  });
  // /healthz back to back for one second (a fifth of the busy timeout) while the POST waits.
  int answers = 0;
  auto slowest = Clock::duration::zero();
  while (Clock::now() - post_start < std::chrono::seconds(1)) {
    auto t0 = Clock::now();
    auto r = http_call(url_, {"GET", "/healthz", "", "", "", ""}, std::chrono::seconds(10));
    slowest = std::max(slowest, Clock::now() - t0);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->status, 200);
    ++answers;
  }
  auto slowest_ms = std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count();
  std::cout << "healthz while a write waits: " << answers << " answers, slowest " << slowest_ms
            << " ms\n";
  EXPECT_LT(slowest_ms, 250);
  EXPECT_GT(answers, 10);
  // The POST is still waiting for the lock: the worker really was blocked meanwhile.
  ASSERT_EQ(post.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(post.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto created = post.get();
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_GE(Clock::now() - post_start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace atelier::api
