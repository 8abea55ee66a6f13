// The evaluator's pages through Api::handle with a real store (results signed as the agent's
// path stores them) and the demo lab: the grid's points and percentage, a cell's escaped
// evidence and run history, overrides with and without a justification, the CSRF token, the
// freeze refusing later overrides, the CSV download, the console recordings with their players
// set at the ticket's opening, and candidates or no token refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "controller/api/api.h"
#include "controller/grading/grade.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

using namespace std::chrono_literals;

class GridPagesTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-grid-pages"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    // A stand-in for the installed asciinema-player: the cell page loads it when it is there.
    std::filesystem::create_directories(dir_ / "player");
    std::ofstream(dir_ / "player" / "asciinema-player.min.js") << "/* player */";
    options_.web.assets_dir = src_ / "controller" / "web" / "assets";
    options_.web.recordings_dir = dir_ / "recordings";
    options_.web.player_dir = dir_ / "player";
    api_ = std::make_unique<Api>(*store_, *sessions_, options_);
    make_session("s1", {"c01", "c02"});
    make_session("s2", {"c01"});
    add_matrix_tokens();
    t0_ = store::Clock::now() - 1h;
    hand_over("c01");
    hand_over("c02");
    // demo: T1 one check (4 points), T2 two (3 points), T3 three (3 points). c01 solves all in
    // a scheduled run; c02 fails all in an on-demand run started by the trainer's token.
    const std::map<std::string, int> checks = {{"T1", 1}, {"T2", 2}, {"T3", 3}};
    for (const auto& [task, n] : checks) {
      for (int i = 0; i < n; ++i) {
        result("c01", "run1", task, i, "pass", "atelierd", "vu : actif");
        result("c02", "run2", task, i, "fail", "tok-trainer",
               task == "T1" ? "<script>alert(1)</script>" : "vu : 0700");
      }
    }
  }

  void hand_over(const std::string& c) {
    auto lab = store_->get_candidate_lab("s1", c);
    ASSERT_TRUE(lab.ok());
    lab->status = store::LabStatus::kReady;
    lab->handed_over_at = t0_;
    ASSERT_TRUE(store_->update_candidate_lab(*lab).ok());
  }
  void result(const std::string& c, const std::string& run, const std::string& task, int index,
              const std::string& status, const std::string& by, const std::string& observed) {
    const auto when = t0_ + 20min;
    store::ResultRecord r{run + "/" + task + "/" + std::to_string(index),
                          "s1",
                          c,
                          task,
                          index,
                          "server",
                          "",
                          status,
                          "attendu : actif",
                          observed,
                          run,
                          when,
                          when + 1s,
                          when + 2s,
                          by};
    auto added = store_->add_result(r);
    ASSERT_TRUE(added.ok()) << added.error().to_string();
  }

  // A browser's request with a bearer token (until people's cookies land) and cookies.
  HttpResponse page(const std::string& method, const std::string& target, const std::string& who,
                    const std::string& body = "", const std::string& cookies = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!tokens_[who].empty()) r.authorization = "Bearer " + tokens_[who];
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
  // The CSRF cookie the grid hands out, as "atelier_csrf=HEX".
  std::string csrf_cookie() {
    HttpResponse g = page("GET", "/evaluator/sessions/s1", "evaluator");
    std::string c = header(g, "Set-Cookie", "atelier_csrf=");
    EXPECT_FALSE(c.empty());
    return c.substr(0, c.find(';'));
  }
  static std::string csrf_value(const std::string& cookie) {
    return cookie.substr(cookie.find('=') + 1);
  }

  // A console recording of s1's `candidate` as ConsoleHub writes it, opened at `opened`.
  void record(const std::string& candidate, const std::string& file,
              store::Clock::time_point opened) {
    const auto folder = dir_ / "recordings" / "s1" / candidate;
    std::filesystem::create_directories(folder);
    const auto unix =
        std::chrono::duration_cast<std::chrono::seconds>(opened.time_since_epoch()).count();
    std::ofstream(folder / file) << "{\"version\": 2, \"width\": 80, \"height\": 24, "
                                    "\"timestamp\": "
                                 << unix << "}\n[0.5, \"o\", \"login: \"]\n";
  }
  // The cell page's recordings section.
  static std::string recordings_of(const HttpResponse& r) {
    const std::size_t at = r.body.find("<section class=\"recordings\"");
    return at == std::string::npos ? "" : r.body.substr(at, r.body.find("</section>", at) - at);
  }

  Api::Options options_;
  store::Clock::time_point t0_;
};

TEST_F(GridPagesTest, GridShowsPointsPercentageAndVerdictsInWords) {
  auto stored = store_->list_results("s1");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 12u);
  EXPECT_FALSE(stored->front().signature.empty());  // signed, as results from agents are
  HttpResponse r = page("GET", "/evaluator/sessions/s1", "evaluator");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(header(r, "Content-Security-Policy"), "");
  EXPECT_NE(r.body.find("<strong>10/10</strong> (100 %)"), std::string::npos);
  EXPECT_NE(r.body.find("<strong>0/10</strong> (0 %)"), std::string::npos);
  EXPECT_NE(r.body.find("4/4</span> <span class=\"verdict v-pass\">P RÉUSSI"), std::string::npos);
  EXPECT_NE(r.body.find("0/4</span> <span class=\"verdict v-fail\">F ÉCHEC"), std::string::npos);
  EXPECT_NE(r.body.find("RÉSULTATS PROVISOIRES"), std::string::npos);
  EXPECT_NE(r.body.find("href=\"/evaluator/sessions/s1/candidates/c02/tasks/T1\""),
            std::string::npos);
  // Sorted by total, highest first, without JavaScript; in English on request.
  HttpResponse sorted =
      page("GET", "/evaluator/sessions/s1?sort=total&dir=desc&lang=en", "trainer");
  ASSERT_EQ(sorted.status, 200);
  EXPECT_LT(sorted.body.find(">c01</th>"), sorted.body.find(">c02</th>"));
  EXPECT_NE(sorted.body.find("PROVISIONAL RESULTS"), std::string::npos);
  sorted = page("GET", "/evaluator/sessions/s1?sort=total", "trainer");
  EXPECT_GT(sorted.body.find(">c01</th>"), sorted.body.find(">c02</th>"));
  EXPECT_EQ(page("GET", "/evaluator/sessions/nope", "evaluator").status, 404);
}

TEST_F(GridPagesTest, CellShowsEscapedEvidenceAndWhoRanTheChecks) {
  HttpResponse r = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T1", "evaluator");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("<script>alert"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.body.find("attendu : actif"), std::string::npos);
  EXPECT_NE(r.body.find("à la demande"), std::string::npos);
  EXPECT_NE(r.body.find("tok-trainer"), std::string::npos);
  EXPECT_NE(r.body.find("0/1"), std::string::npos);
  HttpResponse own = page("GET", "/evaluator/sessions/s1/candidates/c01/tasks/T3", "evaluator");
  EXPECT_NE(own.body.find("planifié"), std::string::npos);
  EXPECT_NE(own.body.find("3/3"), std::string::npos);
  EXPECT_EQ(page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T9", "evaluator").status, 404);
  EXPECT_EQ(page("GET", "/evaluator/sessions/s1/candidates/c09/tasks/T1", "evaluator").status, 404);
}

// Issue #15: the cell lists the candidate's console recordings (every host), each with a player
// set at the ticket's opening (the lab's hand-over) and a download link; none: a sentence.
TEST_F(GridPagesTest, CellPlaysTheCandidatesRecordingsFromTheTicketsOpening) {
  const auto ticket = std::chrono::floor<std::chrono::seconds>(t0_);
  record("c02", "server-1.cast", ticket - 5min);   // opened before the ticket: 300 s in
  record("c02", "client-1.cast", ticket + 10min);  // opened after it: from the start
  record("c01", "server-1.cast", ticket - 1min);   // another candidate's: not on c02's page
  HttpResponse r = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T2", "evaluator");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string section = recordings_of(r);
  EXPECT_NE(section.find("Enregistrements de la console"), std::string::npos) << r.body;
  const std::string server = "/sessions/s1/candidates/c02/recordings/server-1.cast";
  const std::string client = "/sessions/s1/candidates/c02/recordings/client-1.cast";
  EXPECT_NE(section.find("data-cast=\"" + server + "\" data-start-at=\"300\""), std::string::npos)
      << section;
  EXPECT_NE(section.find("data-cast=\"" + client + "\" data-start-at=\"0\""), std::string::npos);
  EXPECT_LT(section.find(client), section.find(server));  // by host
  EXPECT_NE(section.find("href=\"" + server + "\" download"), std::string::npos);
  EXPECT_NE(section.find("démarre à l&#39;ouverture du ticket, " + grading::format_time(ticket) +
                         ", 5 min 00 s après le début de l&#39;enregistrement"),
            std::string::npos)
      << section;
  EXPECT_NE(section.find("la connexion a été ouverte après l&#39;ouverture du ticket"),
            std::string::npos);
  EXPECT_EQ(section.find("/candidates/c01/"), std::string::npos);
  // The player's files, and a policy that lets its WebAssembly terminal compile on this page only.
  EXPECT_NE(r.body.find("src=\"/assets/player/asciinema-player.min.js\""), std::string::npos);
  EXPECT_NE(r.body.find("src=\"/assets/recordings.js\""), std::string::npos);
  EXPECT_NE(header(r, "Content-Security-Policy").find("script-src 'self' 'wasm-unsafe-eval'"),
            std::string::npos);
  // The links the page gives work for the evaluator, and the player's own files are served.
  HttpResponse cast = page("GET", server, "evaluator");
  EXPECT_EQ(cast.status, 200);
  EXPECT_NE(cast.body.find("login: "), std::string::npos);
  EXPECT_EQ(page("GET", "/assets/player/asciinema-player.min.js", "none").body, "/* player */");
  EXPECT_EQ(page("GET", "/assets/recordings.js", "none").status, 200);
  // In English.
  HttpResponse en =
      page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T2?lang=en", "trainer");
  EXPECT_NE(
      recordings_of(en).find("starts when the ticket opened, " + grading::format_time(ticket) +
                             ", 5 min 00 s into the recording"),
      std::string::npos)
      << recordings_of(en);
  // None for c01's colleague without a console: a sentence, no player, the usual policy.
  std::filesystem::remove_all(dir_ / "recordings" / "s1" / "c01");
  HttpResponse none = page("GET", "/evaluator/sessions/s1/candidates/c01/tasks/T2", "evaluator");
  EXPECT_NE(recordings_of(none).find("Aucun enregistrement de console pour ce candidat"),
            std::string::npos);
  EXPECT_EQ(none.body.find("asciinema-player"), std::string::npos);
  EXPECT_EQ(header(none, "Content-Security-Policy").find("wasm"), std::string::npos);
}

// Without the player's files the recordings are still there to download, and the page says why.
TEST_F(GridPagesTest, CellWithoutThePlayerKeepsTheDownloadLinks) {
  record("c02", "server-1.cast", t0_);
  options_.web.player_dir = dir_ / "no-player";
  api_ = std::make_unique<Api>(*store_, *sessions_, options_);
  HttpResponse r = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T1", "evaluator");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string section = recordings_of(r);
  EXPECT_NE(section.find("href=\"/sessions/s1/candidates/c02/recordings/server-1.cast\" download"),
            std::string::npos)
      << section;
  EXPECT_NE(section.find("n&#39;est pas installé"), std::string::npos);
  EXPECT_EQ(r.body.find("data-cast"), std::string::npos);
  EXPECT_EQ(r.body.find("asciinema-player.min.js"), std::string::npos);
  EXPECT_EQ(header(r, "Content-Security-Policy").find("wasm"), std::string::npos);
}

TEST_F(GridPagesTest, OverrideNeedsAJustificationAndTheCsrfToken) {
  const std::string cookie = csrf_cookie();
  const std::string csrf = csrf_value(cookie);
  const std::string target = "/evaluator/sessions/s1/overrides";
  // No justification: refused by the JSON API's code, said in the page's language.
  HttpResponse r = page("POST", target, "evaluator",
                        "csrf=" + csrf + "&candidate=c02&task=T1&points=4&justification=+", cookie);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("La justification est obligatoire"), std::string::npos);
  EXPECT_NE(r.body.find("value=\"4\""), std::string::npos);  // what was typed is kept
  // No token, or another one than the cookie's: the form expired, nothing stored.
  EXPECT_EQ(
      page("POST", target, "evaluator", "candidate=c02&task=T1&points=4&justification=vu", cookie)
          .status,
      400);
  EXPECT_EQ(
      page("POST", target, "evaluator",
           "csrf=" + std::string(64, 'a') + "&candidate=c02&task=T1&points=4&justification=vu",
           cookie)
          .status,
      400);
  EXPECT_EQ(page("POST", target, "evaluator",
                 "csrf=" + csrf + "&candidate=c02&task=T1&points=9&justification=vu", cookie)
                .status,
            400);
  auto none = store_->list_overrides("s1");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // With one: stored (who, justification), back to the cell, and the grid counts it.
  r = page(
      "POST", target, "evaluator",
      "csrf=" + csrf +
          "&candidate=c02&task=T1&points=4&justification=service+vu+actif+en+direct+%C3%A0+10h",
      cookie);
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header(r, "Location"), "/evaluator/sessions/s1/candidates/c02/tasks/T1");
  auto stored = store_->list_overrides("s1");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().justification, "service vu actif en direct à 10h");
  EXPECT_EQ(stored->front().points, 4);
  HttpResponse grid = page("GET", "/evaluator/sessions/s1", "evaluator");
  EXPECT_NE(grid.body.find("<strong>4/10</strong> (40 %)"), std::string::npos);
  EXPECT_NE(grid.body.find("class=\"mark\""), std::string::npos);
  HttpResponse cell = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T1", "evaluator");
  EXPECT_NE(cell.body.find("service vu actif en direct à 10h"), std::string::npos);
}

// An override drives what the pages say (issue #15): the verdict comes from the overridden
// points (all: passed, none: failed, some: partial), marked as corrected, with the justification.
TEST_F(GridPagesTest, OverriddenCellShowsTheVerdictOfItsPoints) {
  const std::string cookie = csrf_cookie();
  const std::string csrf = csrf_value(cookie);
  auto override_to = [&](const std::string& task, const std::string& points) {
    HttpResponse r = page("POST", "/evaluator/sessions/s1/overrides", "evaluator",
                          "csrf=" + csrf + "&candidate=c02&task=" + task + "&points=" + points +
                              "&justification=vu+en+direct",
                          cookie);
    ASSERT_EQ(r.status, 303) << r.body;
  };
  ASSERT_NO_FATAL_FAILURE(override_to("T1", "3"));  // failed by its checks, 3 of 4 given
  ASSERT_NO_FATAL_FAILURE(override_to("T2", "3"));  // all of it
  HttpResponse cell = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T1", "evaluator");
  ASSERT_EQ(cell.status, 200) << cell.body;
  const std::size_t at = cell.body.find("<p class=\"summary\">");
  ASSERT_NE(at, std::string::npos);
  const std::string summary = cell.body.substr(at, cell.body.find("</p>", at) - at);
  EXPECT_NE(summary.find("3/4</span> <span class=\"verdict v-partial\">~ PARTIEL</span> "
                         "(corrigé)"),
            std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("ÉCHEC"), std::string::npos) << summary;
  const std::size_t note = cell.body.find("<p class=\"override-note\">");
  ASSERT_NE(note, std::string::npos);
  EXPECT_NE(cell.body.substr(note, cell.body.find("</p>", note) - note).find("vu en direct"),
            std::string::npos);
  // The checks themselves still say what they saw.
  EXPECT_NE(cell.body.find("F ÉCHEC"), std::string::npos);
  HttpResponse en =
      page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T2?lang=en", "evaluator");
  EXPECT_NE(en.body.find("3/3</span> <span class=\"verdict v-pass\">P PASSED</span> "
                         "(overridden)"),
            std::string::npos);
  // The grid and the competency sheet follow the same rule.
  HttpResponse grid = page("GET", "/evaluator/sessions/s1", "evaluator");
  EXPECT_NE(grid.body.find("3/4</span> <span class=\"verdict v-partial\">~ PARTIEL</span>"),
            std::string::npos);
  EXPECT_NE(grid.body.find("3/3</span> <span class=\"verdict v-pass\">P RÉUSSI</span>"),
            std::string::npos);
  EXPECT_EQ(grid.body.find("3/4</span> <span class=\"verdict v-fail\">"), std::string::npos);
  HttpResponse sheet = page("GET", "/evaluator/sessions/s1/candidates/c02/sheet", "evaluator");
  EXPECT_NE(sheet.body.find("<td>3/4</td><td><span class=\"verdict v-partial\">"),
            std::string::npos);
  // Back to 0: failed, still marked as corrected.
  ASSERT_NO_FATAL_FAILURE(override_to("T1", "0"));
  cell = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T1", "evaluator");
  EXPECT_NE(cell.body.find("0/4</span> <span class=\"verdict v-fail\">F ÉCHEC</span> (corrigé)"),
            std::string::npos);
}

TEST_F(GridPagesTest, FreezeThenOverrideIsRefusedButNotesStayAllowed) {
  const std::string cookie = csrf_cookie();
  const std::string csrf = csrf_value(cookie);
  EXPECT_EQ(page("POST", "/evaluator/sessions/s1/freeze", "evaluator", "", cookie).status, 400);
  HttpResponse f =
      page("POST", "/evaluator/sessions/s1/freeze", "evaluator", "csrf=" + csrf, cookie);
  ASSERT_EQ(f.status, 303) << f.body;
  EXPECT_EQ(header(f, "Location"), "/evaluator/sessions/s1");
  HttpResponse grid = page("GET", "/evaluator/sessions/s1", "evaluator");
  EXPECT_NE(grid.body.find("RÉSULTATS DÉFINITIFS"), std::string::npos);
  EXPECT_EQ(grid.body.find("RÉSULTATS PROVISOIRES"), std::string::npos);
  HttpResponse o =
      page("POST", "/evaluator/sessions/s1/overrides", "evaluator",
           "csrf=" + csrf + "&candidate=c02&task=T1&points=4&justification=trop+tard", cookie);
  EXPECT_EQ(o.status, 409);
  EXPECT_NE(o.body.find("Refusé"), std::string::npos);
  auto none = store_->list_overrides("s1");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  HttpResponse a =
      page("POST", "/evaluator/sessions/s1/annotations", "evaluator",
           "csrf=" + csrf + "&candidate=c02&task=T1&text=relu+apr%C3%A8s+le+gel", cookie);
  EXPECT_EQ(a.status, 303) << a.body;
  HttpResponse cell = page("GET", "/evaluator/sessions/s1/candidates/c02/tasks/T1", "evaluator");
  EXPECT_NE(cell.body.find("relu après le gel"), std::string::npos);
  EXPECT_EQ(cell.body.find("action=\"/evaluator/sessions/s1/overrides\""), std::string::npos);
}

TEST_F(GridPagesTest, CsvJsonJunitAndHtmlDownloadsAreTheGradedExports) {
  HttpResponse csv = page("GET", "/evaluator/sessions/s1/export/csv", "evaluator");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(header(csv, "Content-Disposition"), "attachment; filename=\"atelier-s1.csv\"");
  EXPECT_EQ(csv.body.rfind("session,lab,candidate,task,", 0), 0u);
  // One row per candidate x task; c01 full marks, c02 none.
  std::regex row("\r\ns1,demo,(c0[12]),(T[123]),[^\r]*?,(passed|failed),([0-9.]+),([0-9]+),");
  std::map<std::string, std::string> seen;
  for (auto it = std::sregex_iterator(csv.body.begin(), csv.body.end(), row);
       it != std::sregex_iterator(); ++it) {
    seen[(*it)[1].str() + "/" + (*it)[2].str()] =
        (*it)[3].str() + " " + (*it)[4].str() + "/" + (*it)[5].str();
  }
  EXPECT_EQ(seen.size(), 6u) << csv.body;
  EXPECT_EQ(seen["c01/T1"], "passed 4/4");
  EXPECT_EQ(seen["c01/T3"], "passed 3/3");
  EXPECT_EQ(seen["c02/T2"], "failed 0/3");
  HttpResponse json = page("GET", "/evaluator/sessions/s1/export/json", "trainer");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.content_type, "application/json");
  HttpResponse junit = page("GET", "/evaluator/sessions/s1/export/junit", "evaluator");
  EXPECT_EQ(junit.status, 200);
  EXPECT_NE(junit.body.find("<testsuites"), std::string::npos);
  HttpResponse html = page("GET", "/evaluator/sessions/s1/export/html?candidate=c02", "evaluator");
  EXPECT_EQ(html.status, 200);
  EXPECT_EQ(header(html, "Content-Disposition"), "attachment; filename=\"atelier-s1-c02.html\"");
  EXPECT_EQ(page("GET", "/evaluator/sessions/s1/export/pdf", "evaluator").status, 404);
}

TEST_F(GridPagesTest, SheetDrawsTheCompetencies) {
  HttpResponse r = page("GET", "/evaluator/sessions/s1/candidates/c01/sheet?lang=en", "evaluator");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<svg class=\"chart\" role=\"img\""), std::string::npos);
  for (std::string code : {"C01", "C03", "C07", "C09"})
    EXPECT_NE(r.body.find(">" + code), std::string::npos) << code;
  EXPECT_NE(r.body.find("100 % (7/7)"), std::string::npos);  // C03: T1 (4) + T3 (3)
}

TEST_F(GridPagesTest, CandidatesAndAnonymousAreRefusedOnEveryPage) {
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/evaluator/sessions/s1"},
      {"GET", "/evaluator/sessions/s1/candidates/c01/tasks/T1"},
      {"GET", "/evaluator/sessions/s1/candidates/c01/sheet"},
      {"GET", "/evaluator/sessions/s1/export/csv"},
      {"POST", "/evaluator/sessions/s1/overrides"},
      {"POST", "/evaluator/sessions/s1/annotations"},
      {"POST", "/evaluator/sessions/s1/freeze"}};
  const std::string cookie = csrf_cookie();
  const std::string body =
      "csrf=" + csrf_value(cookie) + "&candidate=c01&task=T1&points=0&justification=x&text=x";
  for (const auto& [method, target] : endpoints) {
    // Without credentials a page is sent to the people's login; a form is refused.
    auto none = page(method, target, "none", body, cookie);
    EXPECT_EQ(none.status, method == "GET" ? 303 : 401) << target;
    EXPECT_EQ(page(method, target, "cand_a", body, cookie).status, 403) << target;
    EXPECT_EQ(page(method, target, "cand_b", body, cookie).status, 403) << target;
    EXPECT_EQ(page(method, target, "evaluator_s2", body, cookie).status, 403) << target;
  }
  auto o = store_->list_overrides("s1");
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->empty());
  auto frozen = store_->get_freeze("s1");
  ASSERT_TRUE(frozen.ok());
  EXPECT_FALSE(frozen->has_value());
}

}  // namespace
}  // namespace atelier::api
