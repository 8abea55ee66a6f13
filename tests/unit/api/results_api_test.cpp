// The evaluators' endpoints through Api::handle (no socket) on a real store in a temporary
// folder, with the demo lab (T3 scored `partial`) and an injected clock: graded exports in every
// format, annotations, overrides (justification required), collect, unknown ids, bad JSON, and
// the role rules (candidate A never reads B's results; feedback off hides a candidate's own).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/api/api.h"
#include "controller/api/results_api.h"
#include "controller/api/server.h"
#include "controller/cli/results_commands.h"
#include "controller/grading/export.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using store::Role;

class ResultsApiTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-results-api-test"));
    // T3 (3 checks, 3 points) gives partial credit.
    std::string yaml = read(labs_ / "demo" / "lab.yaml");
    const std::string t3 = "    points: 3\n    competencies: [C07, C03]\n";
    ASSERT_NE(yaml.find(t3), std::string::npos);
    yaml.replace(yaml.find(t3), t3.size(),
                 "    points: 3\n    scoring: partial\n    competencies: [C07, C03]\n");
    std::ofstream(labs_ / "demo" / "lab.yaml") << yaml;

    sessions::SessionService::Options options;
    options.clock = [this] { return now_; };
    ASSERT_NO_FATAL_FAILURE(open_store(options));
    api_ = std::make_unique<Api>(*store_, *sessions_);

    make_session("s1", {"c01", "c02"}, true);
    make_session("s2", {"c01"}, false);
    hand_over("s1", "c01");
    hand_over("s1", "c02");
    hand_over("s2", "c01");
    // c01: at +5 min T1 fails; at +20 min T1 passes and T3 has 2 of 3 checks.
    result("s1", "c01", "run1", "T1", 0, "fail", 5min);
    result("s1", "c01", "run2", "T1", 0, "pass", 20min);
    result("s1", "c01", "run2", "T3", 0, "pass", 20min);
    result("s1", "c01", "run2", "T3", 1, "pass", 20min);
    result("s1", "c01", "run2", "T3", 2, "fail", 20min);
    // c02: T1 still fails at +20 min.
    result("s1", "c02", "run3", "T1", 0, "fail", 20min);
    result("s2", "c01", "run4", "T1", 0, "pass", 10min);
    now_ = t0_ + 1h;

    tokens_["trainer"] = token(Role::kTrainer, {}, {}, "formateur", now_);
    tokens_["evaluator"] = token(Role::kEvaluator, {}, {}, "jury-Élodie", now_);
    tokens_["cand_a"] = token(Role::kCandidate, "s1", "c01", "", now_);
    tokens_["cand_b"] = token(Role::kCandidate, "s1", "c02", "", now_);
    tokens_["cand_s2"] = token(Role::kCandidate, "s2", "c01", "", now_);
    tokens_["evaluator_s2"] = token(Role::kEvaluator, "s2", {}, "", now_);
    tokens_["none"] = "";
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void hand_over(const std::string& s, const std::string& c) {
    auto lab = store_->get_candidate_lab(s, c);
    ASSERT_TRUE(lab.ok());
    lab->status = store::LabStatus::kReady;
    lab->handed_over_at = t0_;
    ASSERT_TRUE(store_->update_candidate_lab(*lab).ok());
  }
  void result(const std::string& s, const std::string& c, const std::string& run,
              const std::string& task, int index, const std::string& status,
              std::chrono::minutes after) {
    const auto when = t0_ + after;
    store::ResultRecord r{run + "/" + task + "/" + std::to_string(index),
                          s,
                          c,
                          task,
                          index,
                          "server",
                          "",
                          status,
                          "attendu : 2770",
                          status == "pass" ? "vu : 2770" : "vu : 0700",
                          run,
                          when,
                          when + 1s,
                          when + 2s};
    auto added = store_->add_result(r);
    ASSERT_TRUE(added.ok()) << added.error().to_string();
  }
  // The CSV rows as maps column -> value (RFC 4180: quoted fields, doubled quotes, CRLF).
  static std::vector<std::map<std::string, std::string>> csv_rows(const std::string& text) {
    std::vector<std::vector<std::string>> lines(1);
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char ch = text[i];
      if (quoted) {
        if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (ch == '"') {
          quoted = false;
        } else {
          field += ch;
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        lines.back().push_back(std::move(field));
        field.clear();
      } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        lines.back().push_back(std::move(field));
        field.clear();
        lines.emplace_back();
        ++i;
      } else {
        field += ch;
      }
    }
    if (lines.back().empty()) lines.pop_back();
    std::vector<std::map<std::string, std::string>> rows;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i].size(), lines[0].size()) << "row " << i;
      std::map<std::string, std::string> row;
      for (std::size_t j = 0; j < lines[0].size() && j < lines[i].size(); ++j)
        row[lines[0][j]] = lines[i][j];
      rows.push_back(row);
    }
    return rows;
  }
  static const std::map<std::string, std::string>* row_of(
      const std::vector<std::map<std::string, std::string>>& rows, const std::string& candidate,
      const std::string& task) {
    for (const auto& r : rows) {
      if (r.at("candidate") == candidate && r.at("task") == task) return &r;
    }
    return nullptr;
  }

  const store::TimePoint t0_ =
      store::TimePoint(std::chrono::milliseconds(1'796'025'600'000));  // 2026-11-30T08:00Z
  store::TimePoint now_ = t0_;
};

TEST_F(ResultsApiTest, CsvIsTheGradedGridWithTimeToResolveAndFrenchTextsIntact) {
  HttpResponse r = handle("GET", "/sessions/s1/results?format=csv", "evaluator");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  auto rows = csv_rows(r.body);
  ASSERT_EQ(rows.size(), 6u);  // 2 candidates x 3 tasks
  const auto* a1 = row_of(rows, "c01", "T1");
  ASSERT_NE(a1, nullptr);
  EXPECT_EQ(a1->at("status"), "passed");
  EXPECT_EQ(a1->at("points_earned"), "4");
  EXPECT_EQ(a1->at("time_to_resolve_s"), "1200");
  EXPECT_EQ(a1->at("time_to_resolve"), "20m00s");
  EXPECT_EQ(a1->at("sla_breached"), "no");
  const auto* a3 = row_of(rows, "c01", "T3");
  EXPECT_EQ(a3->at("status"), "partial");  // the lab's `scoring: partial`
  EXPECT_EQ(a3->at("points_earned"), "2");
  const auto* b1 = row_of(rows, "c02", "T1");
  EXPECT_EQ(b1->at("status"), "failed");
  EXPECT_EQ(b1->at("time_to_resolve"), "");
  EXPECT_EQ(b1->at("sla_breached"), "yes");  // 30 min SLA, an hour later
  EXPECT_EQ(row_of(rows, "c02", "T2")->at("status"), "not_run");
  // UTF-8 as written in the lab, byte for byte: "Le dossier partagé de l'équipe ... est
  // inaccessible".
  const std::string title = a1->at("title_fr");
  EXPECT_EQ(title.rfind("Le dossier partag\xC3\xA9 de l'\xC3\xA9quipe ", 0), 0u) << title;
  EXPECT_EQ(title.find("{{"), std::string::npos);
  // Each candidate's row reads their own variant of the ticket.
  auto lab_a = sessions_->candidate_lab("s1", "c01");
  auto lab_b = sessions_->candidate_lab("s1", "c02");
  EXPECT_EQ(title, lab_a->tasks[0].ticket.title.fr);
  EXPECT_EQ(row_of(rows, "c02", "T1")->at("title_fr"), lab_b->tasks[0].ticket.title.fr);
  // With a byte order mark on request, and for one candidate.
  HttpResponse bom =
      handle("GET", "/sessions/s1/results?format=csv&bom=1&candidate=c02", "trainer");
  ASSERT_EQ(bom.status, 200);
  EXPECT_EQ(bom.body.rfind("\xEF\xBB\xBFsession,", 0), 0u);
  EXPECT_EQ(csv_rows(bom.body).size(), 3u);
}

TEST_F(ResultsApiTest, JsonJunitHtmlAndGrid) {
  HttpResponse j = handle("GET", "/sessions/s1/results?format=json", "evaluator");
  ASSERT_EQ(j.status, 200) << j.body;
  json::value v = parse(j);
  EXPECT_EQ(v.at("format"), "atelier.grades/1");
  ASSERT_EQ(v.at("candidates").as_array().size(), 2u);
  const auto& t1 = v.at("candidates").at(0).at("tasks").at(0);
  EXPECT_EQ(t1.at("first_passed_at"), "2026-11-30T08:20:00.000Z");
  EXPECT_EQ(t1.at("checks").at(0).at("observed"), "vu : 2770");
  EXPECT_EQ(v.at("candidates").at(0).at("competencies").at(0).at("code"), "C01");  // T2's
  EXPECT_EQ(v.at("candidates").at(0).at("competencies").at(1).at("code"), "C03");

  HttpResponse x = handle("GET", "/sessions/s1/results?format=junit", "evaluator");
  ASSERT_EQ(x.status, 200);
  EXPECT_EQ(x.content_type, "application/xml; charset=utf-8");
  EXPECT_NE(x.body.find("<testsuites"), std::string::npos);
  EXPECT_NE(x.body.find("<failure"), std::string::npos);

  HttpResponse h =
      handle("GET", "/sessions/s1/results?format=html&candidate=c01&lang=en", "evaluator");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.content_type, "text/html; charset=utf-8");
  EXPECT_NE(h.body.find("20m00s"), std::string::npos);
  // Without candidate=: the whole session's report, a sheet per candidate.
  HttpResponse all_html = handle("GET", "/sessions/s1/results?format=html", "evaluator");
  ASSERT_EQ(all_html.status, 200) << all_html.body;
  EXPECT_NE(all_html.body.find("id=\"candidate-c01\""), std::string::npos);
  EXPECT_NE(all_html.body.find("id=\"candidate-c02\""), std::string::npos);
  // One candidate in the session: the report is theirs.
  EXPECT_EQ(handle("GET", "/sessions/s2/results?format=html", "trainer").status, 200);

  HttpResponse g = handle("GET", "/sessions/s1/results?format=grid", "evaluator");
  ASSERT_EQ(g.status, 200);
  EXPECT_NE(g.body.find("c02"), std::string::npos);

  // Without a format: the raw results, as before.
  json::value raw = parse(handle("GET", "/sessions/s1/results", "evaluator"));
  EXPECT_EQ(raw.at("results").as_array().size(), 6u);
}

TEST_F(ResultsApiTest, BadQueriesAndUnknownIds) {
  auto expect = [&](const std::string& target, int status, const std::string& code) {
    HttpResponse r = handle("GET", target, "evaluator");
    EXPECT_EQ(r.status, status) << target << " -> " << r.body;
    EXPECT_EQ(error_code(r), code) << target;
  };
  expect("/sessions/s1/results?format=pdf", 400, "invalid_argument");
  expect("/sessions/s1/results?format=", 400, "invalid_argument");
  expect("/sessions/s1/results?format=csv&lang=de", 400, "invalid_argument");
  expect("/sessions/s1/results?format=csv&candidate=zz", 404, "not_found");
  expect("/sessions/nope/results?format=csv", 404, "not_found");
  expect("/sessions/s1/candidates/zz/results?format=csv", 404, "not_found");
  expect("/sessions/s1/candidates/c01/results?format=csv&candidate=c02", 400, "invalid_argument");
  // Percent-encoded values are decoded.
  EXPECT_EQ(handle("GET", "/sessions/s1/results?format=%63sv&candidate=c%301", "evaluator").status,
            200);
}

TEST_F(ResultsApiTest, CandidatesReadOnlyTheirOwnAndOnlyWithFeedback) {
  HttpResponse own = handle("GET", "/sessions/s1/candidates/c01/results?format=csv", "cand_a");
  ASSERT_EQ(own.status, 200) << own.body;
  auto rows = csv_rows(own.body);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) EXPECT_EQ(r.at("candidate"), "c01");
  EXPECT_EQ(handle("GET", "/sessions/s1/candidates/c02/results?format=csv", "cand_a").status, 403);
  EXPECT_EQ(handle("GET", "/sessions/s1/candidates/c02/results?format=json", "cand_a").status, 403);
  EXPECT_EQ(handle("GET", "/sessions/s1/results?format=csv", "cand_a").status, 403);
  EXPECT_EQ(handle("GET", "/sessions/s1/results?format=csv&candidate=c01", "cand_a").status, 403);
  EXPECT_EQ(handle("GET", "/sessions/s1/candidates/c02/results?format=html", "cand_b").status, 200);
  // Feedback off: not even their own.
  EXPECT_EQ(handle("GET", "/sessions/s2/candidates/c01/results?format=csv", "cand_s2").status, 403);
  EXPECT_EQ(handle("GET", "/sessions/s2/candidates/c01/results?format=csv", "trainer").status, 200);
  // The jury's notes are not shown to candidates.
  ASSERT_EQ(handle("POST", "/sessions/s1/annotations", "evaluator",
                   R"({"candidate":"c01","task":"T1","text":"note du jury"})")
                .status,
            201);
  EXPECT_EQ(handle("GET", "/sessions/s1/candidates/c01/results?format=json", "cand_a")
                .body.find("note du jury"),
            std::string::npos);
  EXPECT_NE(handle("GET", "/sessions/s1/candidates/c01/results?format=json", "evaluator")
                .body.find("note du jury"),
            std::string::npos);
}

TEST_F(ResultsApiTest, RoleMatrixOfTheEvaluatorActions) {
  // none, trainer, evaluator, cand_a, evaluator_s2 (limited to s2)
  const std::array<std::string, 5> who = {"none", "trainer", "evaluator", "cand_a", "evaluator_s2"};
  struct Row {
    std::string target, body;
    std::array<int, 5> expected;
  };
  const std::vector<Row> rows = {
      {"/sessions/s1/annotations", R"({"candidate":"c01","text":"ok"})", {401, 201, 201, 403, 403}},
      {"/sessions/s1/overrides",
       R"({"candidate":"c01","task":"T2","points":1,"justification":"vu en direct"})",
       {401, 201, 201, 403, 403}},
      {"/sessions/s1/collect", "", {401, 200, 200, 403, 403}},
  };
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < who.size(); ++i) {
      HttpResponse r = handle("POST", row.target, who[i], row.body);
      EXPECT_EQ(r.status, row.expected[i]) << row.target << " as " << who[i] << ": " << r.body;
    }
  }
  EXPECT_EQ(handle("GET", "/sessions/s1/collect", "trainer").status, 405);
  EXPECT_EQ(handle("POST", "/sessions/s2/collect", "evaluator_s2").status, 200);
}

TEST_F(ResultsApiTest, AnnotationsAreStoredAuditedAndValidated) {
  HttpResponse r = handle(
      "POST", "/sessions/s1/annotations", "evaluator",
      R"({"candidate":"c01","task":"T1","result_id":"run2/T1/0","text":"Corrigé à la main, proprement"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::value v = parse(r);
  EXPECT_EQ(v.at("text"), "Corrigé à la main, proprement");
  EXPECT_EQ(v.at("at"), "2026-11-30T09:00:00.000Z");
  EXPECT_NE(std::string(v.at("who").as_string()).find("jury-Élodie"), std::string::npos);
  auto stored = store_->list_annotations("s1", "c01");
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().result_id, "run2/T1/0");
  auto log = *store_->list_audit();
  EXPECT_EQ(log.back().action, "results.annotate");
  EXPECT_EQ(log.back().at, now_);
  EXPECT_EQ(log.back().actor, store_->authenticate(tokens_["evaluator"])->id);
  // It shows in the JSON and HTML exports.
  EXPECT_NE(
      handle("GET", "/sessions/s1/results?format=json", "evaluator").body.find("Corrigé à la main"),
      std::string::npos);
  EXPECT_NE(handle("GET", "/sessions/s1/results?format=html&candidate=c01", "evaluator")
                .body.find("Corrigé à la main"),
            std::string::npos);

  auto expect = [&](const std::string& body, int status, const std::string& code) {
    HttpResponse e = handle("POST", "/sessions/s1/annotations", "evaluator", body);
    EXPECT_EQ(e.status, status) << body << " -> " << e.body;
    EXPECT_EQ(error_code(e), code) << body;
  };
  expect("{not json", 400, "bad_json");
  expect("[]", 400, "bad_json");
  expect("", 400, "bad_json");
  expect(R"({"candidate":"c01"})", 400, "invalid_argument");
  expect(R"({"candidate":"c01","text":"   "})", 400, "invalid_argument");
  expect(R"({"text":"x"})", 400, "invalid_argument");
  expect(R"({"candidate":"c01","text":"x","colour":"red"})", 400, "invalid_argument");
  expect(R"({"candidate":"c01","text":7})", 400, "invalid_argument");
  expect(R"({"candidate":"c01","result_id":"run2/T1/0","text":"x"})", 400, "invalid_argument");
  expect(R"({"candidate":"zz","text":"x"})", 404, "not_found");
  expect(R"({"candidate":"c01","task":"T9","text":"x"})", 404, "not_found");
  expect(R"({"candidate":"c01","task":"T1","result_id":"nope","text":"x"})", 404, "not_found");
  expect(R"({"candidate":"c02","task":"T1","result_id":"run2/T1/0","text":"x"})", 404,
         "not_found");  // c01's
  HttpResponse unknown_session = handle("POST", "/sessions/nope/annotations", "evaluator",
                                        R"({"candidate":"c01","text":"x"})");
  EXPECT_EQ(unknown_session.status, 404);
  EXPECT_EQ(store_->list_annotations("s1")->size(), 1u);  // nothing refused was stored
}

TEST_F(ResultsApiTest, OverridesNeedAJustificationAndShowEverywhere) {
  auto expect = [&](const std::string& body, int status, const std::string& code) {
    HttpResponse e = handle("POST", "/sessions/s1/overrides", "evaluator", body);
    EXPECT_EQ(e.status, status) << body << " -> " << e.body;
    EXPECT_EQ(error_code(e), code) << body;
  };
  expect("{", 400, "bad_json");
  expect(R"({"candidate":"c02","task":"T1","points":3})", 400,
         "invalid_argument");  // no justification
  expect(R"({"candidate":"c02","task":"T1","points":3,"justification":""})", 400,
         "invalid_argument");
  expect(R"({"candidate":"c02","task":"T1","points":3,"justification":" \n\t"})", 400,
         "invalid_argument");
  expect(R"({"candidate":"c02","task":"T1","justification":"x"})", 400,
         "invalid_argument");  // no points
  expect(R"({"candidate":"c02","task":"T1","points":"3","justification":"x"})", 400,
         "invalid_argument");
  expect(R"({"candidate":"c02","task":"T1","points":5,"justification":"x"})", 400,
         "invalid_argument");  // max 4
  expect(R"({"candidate":"c02","task":"T1","points":-1,"justification":"x"})", 400,
         "invalid_argument");
  expect(R"({"candidate":"c02","points":1,"justification":"x"})", 400, "invalid_argument");
  expect(R"({"candidate":"c02","task":"T9","points":1,"justification":"x"})", 404, "not_found");
  expect(R"({"candidate":"zz","task":"T1","points":1,"justification":"x"})", 404, "not_found");
  EXPECT_TRUE(store_->list_overrides("s1")->empty());

  const std::string why = "Partage réparé par une autre méthode, \"vérifiée\" devant le jury";
  HttpResponse ok =
      handle("POST", "/sessions/s1/overrides", "evaluator",
             json::serialize(json::object{
                 {"candidate", "c02"}, {"task", "T1"}, {"points", 2.5}, {"justification", why}}));
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(parse(ok).at("points").as_double(), 2.5);
  auto log = *store_->list_audit();
  EXPECT_EQ(log.back().action, "results.override");
  EXPECT_NE(log.back().detail.find(why), std::string::npos);
  EXPECT_NE(log.back().detail.find("jury-Élodie"), std::string::npos);

  auto rows = csv_rows(handle("GET", "/sessions/s1/results?format=csv", "evaluator").body);
  const auto* b1 = row_of(rows, "c02", "T1");
  EXPECT_EQ(b1->at("status"), "failed");
  EXPECT_EQ(b1->at("computed_points"), "0");
  EXPECT_EQ(b1->at("points_earned"), "2.5");
  EXPECT_EQ(b1->at("override_justification"), why);
  std::string html =
      handle("GET", "/sessions/s1/results?format=html&candidate=c02", "evaluator").body;
  EXPECT_NE(html.find(grading::escape_html(why)),
            std::string::npos);  // escaped, the accents intact
}

TEST_F(ResultsApiTest, CollectFreezesTheResults) {
  std::string before = handle("GET", "/sessions/s1/results?format=csv", "evaluator").body;
  HttpResponse r = handle("POST", "/sessions/s1/collect", "evaluator", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = parse(r);
  EXPECT_EQ(v.at("frozen_at"), "2026-11-30T09:00:00.000Z");
  EXPECT_EQ(v.at("already"), false);
  EXPECT_EQ(handle("POST", "/sessions/s1/collect", "evaluator", R"({"x":1})").status, 400);
  EXPECT_EQ(handle("POST", "/sessions/s1/collect", "evaluator", "{oops").status, 400);
  EXPECT_EQ(handle("POST", "/sessions/nope/collect", "evaluator").status, 404);

  // Later: a run arrives (c02 fixes T1), time passes, someone collects again, tries to override.
  now_ += 30min;
  result("s1", "c02", "run9", "T1", 0, "pass", 70min);
  HttpResponse again = handle("POST", "/sessions/s1/collect", "trainer");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(parse(again).at("already"), true);
  EXPECT_EQ(parse(again).at("frozen_at"), "2026-11-30T09:00:00.000Z");
  HttpResponse late =
      handle("POST", "/sessions/s1/overrides", "evaluator",
             R"({"candidate":"c02","task":"T1","points":4,"justification":"trop tard"})");
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(error_code(late), "failed_precondition");
  // Notes stay allowed; the grades do not move.
  EXPECT_EQ(
      handle("POST", "/sessions/s1/annotations", "evaluator", R"({"candidate":"c02","text":"vu"})")
          .status,
      201);
  std::string after = handle("GET", "/sessions/s1/results?format=csv", "evaluator").body;
  auto rows_before = csv_rows(before);
  auto rows_after = csv_rows(after);
  ASSERT_EQ(rows_before.size(), rows_after.size());
  for (std::size_t i = 0; i < rows_after.size(); ++i) {
    auto b = rows_before[i];
    auto a = rows_after[i];
    EXPECT_EQ(a.at("frozen_at"), "2026-11-30T09:00:00Z");
    b.erase("frozen_at");
    a.erase("frozen_at");
    EXPECT_EQ(a, b) << "row " << i;
  }
  EXPECT_EQ(store_->list_results("s1", "c02")->size(), 1u);  // run9 was ignored by the store
  auto log = *store_->list_audit();
  int collects = 0;
  for (const auto& e : log) collects += e.action == "results.collect" ? 1 : 0;
  EXPECT_EQ(collects, 1);
}

// ---- `atelier results ...` against the same API served on 127.0.0.1 port 0 ------------------

class ResultsCliTest : public ResultsApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ResultsApiTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(start_server());
  }
  // The command's words, with --server and --token of `who`.
  std::vector<std::string> as(const std::string& who, std::vector<std::string> words) {
    words.insert(words.end(), {"--server", url_, "--token", tokens_.at(who)});
    return words;
  }
};

TEST_F(ResultsCliTest, ExportWritesTheFormatToAFile) {
  const fs::path out = dir_ / "grille.csv";
  ASSERT_EQ(cli::results_export(as("evaluator", {"s1", "--format", "csv", "--out", out.string()})),
            0);
  std::string csv = read(out);
  auto rows = csv_rows(csv);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(row_of(rows, "c01", "T1")->at("time_to_resolve"), "20m00s");
  EXPECT_EQ(row_of(rows, "c02", "T1")->at("status"), "failed");
  EXPECT_NE(csv.find("Le dossier partag\xC3\xA9"), std::string::npos);

  const fs::path html = dir_ / "c01.html";
  ASSERT_EQ(cli::results_export(as("cand_a", {"s1", "--format", "html", "--candidate", "c01",
                                              "--lang", "en", "--out", html.string()})),
            0);
  EXPECT_NE(read(html).find("<!DOCTYPE html>"), std::string::npos);
  // Candidate A asking for B: the server says no (403: exit 1); nothing is written.
  const fs::path other = dir_ / "c02.csv";
  EXPECT_EQ(cli::results_export(as("cand_a", {"s1", "--format", "csv", "--candidate", "c02",
                                              "--out", other.string()})),
            1);
  EXPECT_FALSE(fs::exists(other));
  // Wrong input: exit 2.
  EXPECT_EQ(
      cli::results_export(as("evaluator", {"nope", "--format", "csv", "--out", other.string()})),
      2);
  EXPECT_EQ(cli::results_export(as("evaluator", {"s1", "--format", "pdf"})), 2);
  EXPECT_EQ(cli::results_export(as("evaluator", {"s1"})), 2);
  EXPECT_EQ(cli::results_export(as("evaluator", {"s1", "--format", "html", "--candidate", "c99"})),
            2);
  EXPECT_EQ(cli::results_export({"--help"}), 0);
}

TEST_F(ResultsCliTest, ServerAndTokenFromTheEnvironment) {
  const fs::path out = dir_ / "all.json";
  ::setenv("ATELIER_SERVER", url_.c_str(), 1);
  ::setenv("ATELIER_TOKEN", tokens_.at("trainer").c_str(), 1);
  int code = cli::results_export({"s1", "--format", "json", "--out", out.string()});
  ::unsetenv("ATELIER_SERVER");
  ::unsetenv("ATELIER_TOKEN");
  ASSERT_EQ(code, 0);
  EXPECT_EQ(json::parse(read(out)).at("format"), "atelier.grades/1");
}

TEST_F(ResultsCliTest, AnnotateOverrideCollect) {
  EXPECT_EQ(cli::results_annotate(as("evaluator", {"s1", "c01", "--task", "T1", "--result",
                                                   "run2/T1/0", "--text", "Réparé en 20 minutes"})),
            0);
  ASSERT_EQ(store_->list_annotations("s1")->size(), 1u);
  EXPECT_EQ(store_->list_annotations("s1")->front().text, "Réparé en 20 minutes");
  EXPECT_EQ(cli::results_annotate(as("evaluator", {"s1", "c01"})), 2);  // no --text
  EXPECT_EQ(cli::results_annotate(as("evaluator", {"s1", "zz", "--text", "x"})),
            2);  // unknown candidate
  EXPECT_EQ(cli::results_annotate(as("cand_a", {"s1", "c01", "--text", "x"})), 1);  // 403

  EXPECT_EQ(cli::results_override(as("evaluator", {"s1", "c02", "T1", "--points", "3"})),
            2);  // no justification
  EXPECT_EQ(cli::results_override(
                as("evaluator", {"s1", "c02", "T1", "--points", "9", "--justification", "x"})),
            2);
  EXPECT_EQ(
      cli::results_override(as("evaluator", {"s1", "c02", "T1", "--points", "3", "--justification",
                                             "Service relancé autrement, constaté par le jury"})),
      0);
  ASSERT_EQ(store_->list_overrides("s1")->size(), 1u);
  EXPECT_EQ(store_->list_overrides("s1")->front().points, 3);

  EXPECT_EQ(cli::results_collect(as("evaluator", {"s1"})), 0);
  EXPECT_TRUE(store_->get_freeze("s1")->has_value());
  EXPECT_EQ(cli::results_collect(as("evaluator", {"s1"})), 0);  // again: nothing changes
  EXPECT_EQ(cli::results_override(
                as("evaluator", {"s1", "c02", "T1", "--points", "4", "--justification", "x"})),
            2);
  EXPECT_EQ(cli::results_collect(as("evaluator", {"nope"})), 2);
  EXPECT_EQ(cli::results_collect(as("cand_a", {"s1"})), 1);
}

}  // namespace
}  // namespace atelier::api
