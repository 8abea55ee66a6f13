// Unit tests of the evaluator's pages: the grid, a cell and the competency sheet rendered from
// fixture models; names and evidence escaped, verdicts as letters and words, the frozen or
// provisional banner, labelled forms with the CSRF field, server-side sorting, the SVG chart.
#include <gtest/gtest.h>

#include <regex>

#include "controller/web/grid_pages.h"

namespace atelier::web {
namespace {

GridPage grid(Lang lang) {
  GridPage p;
  p.lang = lang;
  p.session = "s1";
  p.lab_title = "Support <N1>";
  p.tasks = {{"T1", "Intranet <down>", "2"}, {"T2", "Compte", "3"}};
  p.rows = {{"zoe<script>",
             {{Verdict::kPassed, "2/2", 2, false, false, "4m05s", "/c/z/T1"},
              {Verdict::kPartial, "1.5/3", 1.5, true, true, "", "/c/z/T2"}},
             "3.5/5",
             3.5,
             70,
             "/sheet/z"},
            {"alice",
             {{Verdict::kFailed, "0/2", 0, false, false, "", "/c/a/T1"},
              {Verdict::kNotRun, "0/3", 0, false, false, "", "/c/a/T2"}},
             "0/5",
             0,
             0,
             "/sheet/a"},
            {"bob",
             {{Verdict::kPassed, "2/2", 2, false, false, "", "/c/b/T1"},
              {Verdict::kPassed, "3/3", 3, false, false, "", "/c/b/T2"}},
             "5/5",
             5,
             100,
             "/sheet/b"}};
  p.self_url = "/evaluator/sessions/s1";
  p.export_base = "/evaluator/sessions/s1/export/";
  p.csrf_token = "csrf\"tok";
  p.freeze_url = "/evaluator/sessions/s1/freeze";
  return p;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

TEST(GridPages, GridShowsVerdictsInWordsAndEscapesNames) {
  auto html = render_grid(grid(Lang::kFr));
  EXPECT_NE(html.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("zoe&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Intranet &lt;down&gt;"), std::string::npos);
  EXPECT_NE(html.find("P RÉUSSI"), std::string::npos);
  EXPECT_NE(html.find("~ PARTIEL"), std::string::npos);
  EXPECT_NE(html.find("F ÉCHEC"), std::string::npos);
  EXPECT_NE(html.find("- NON ÉVALUÉ"), std::string::npos);
  EXPECT_NE(html.find("3.5/5</strong> (70 %)"), std::string::npos);
  EXPECT_NE(html.find("TR 4m05s"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"mark\""), 1u);      // the override star
  EXPECT_EQ(count(html, "class=\"mark sla\""), 1u);  // the SLA mark
  EXPECT_NE(html.find("RÉSULTATS PROVISOIRES"), std::string::npos);
  EXPECT_NE(html.find("name=\"csrf\" value=\"csrf&quot;tok\""), std::string::npos);
  for (std::string k : {"csv", "json", "junit", "html"}) {
    EXPECT_NE(html.find("href=\"/evaluator/sessions/s1/export/" + k + "\""), std::string::npos)
        << k;
  }
  auto en = render_grid(grid(Lang::kEn));
  EXPECT_NE(en.find("P PASSED"), std::string::npos);
  EXPECT_NE(en.find("PROVISIONAL RESULTS"), std::string::npos);
}

TEST(GridPages, FrozenGridIsMarkedAndHasNoFreezeForm) {
  auto p = grid(Lang::kEn);
  p.frozen_at = "2026-12-06T10:00:00Z";
  p.frozen_by = "jury <x>";
  auto html = render_grid(p);
  EXPECT_NE(html.find("FINAL RESULTS (frozen)"), std::string::npos);
  EXPECT_NE(html.find("jury &lt;x&gt;"), std::string::npos);
  EXPECT_EQ(html.find("PROVISIONAL"), std::string::npos);
  EXPECT_EQ(html.find("/freeze\""), std::string::npos);
}

TEST(GridPages, SortsByCandidateTotalOrTask) {
  auto names = [](const GridPage& p) {
    std::string s;
    for (const auto& r : p.rows) s += r.candidate.substr(0, 1);
    return s;
  };
  auto p = grid(Lang::kFr);
  sort_grid(p, "candidate", false);
  EXPECT_EQ(names(p), "abz");
  sort_grid(p, "total", true);
  EXPECT_EQ(names(p), "bza");
  EXPECT_EQ(p.sort, "total");
  sort_grid(p, "T2", false);
  EXPECT_EQ(names(p), "azb");
  sort_grid(p, "T1", true);  // a tie (b and z at 2) falls back to the name
  EXPECT_EQ(names(p), "bza");
  sort_grid(p, "nonsense\"", false);
  EXPECT_EQ(p.sort, "candidate");
  EXPECT_EQ(names(p), "abz");
  // The active column says so to assistive technology; the others link to their sort.
  sort_grid(p, "total", true);
  auto html = render_grid(p);
  EXPECT_NE(html.find("aria-sort=\"descending\" data-key=\"total\""), std::string::npos);
  EXPECT_NE(html.find("href=\"/evaluator/sessions/s1?sort=T1&amp;dir=desc\""), std::string::npos);
}

CellPage cell(Lang lang) {
  CellPage p;
  p.lang = lang;
  p.session = "s1";
  p.candidate = "c01";
  p.task_id = "T1";
  p.task_title = "Intranet";
  p.verdict = Verdict::kFailed;
  p.points = "0/2";
  p.possible = "2";
  p.sla = "30m00s";
  p.sla_breached = true;
  p.checks = {
      {"service nginx", "srv1", Verdict::kFailed, "active", "<script>alert(1)</script>", "10:00"},
      {"port 80", "srv1", Verdict::kPassed, "open", "open", "10:00"}};
  p.runs = {{"run1", "09:50", true, "", "0/2", "avant la remise"},
            {"run2", "10:00", false, "tok1 (jury)", "1/2", ""}};
  p.overrides = {{"1", "vu <en> direct", "jury", "10:05", true}};
  p.notes = {{"note & <b>", "jury", "10:06", ""}};
  p.csrf_token = "abc";
  p.override_url = "/o";
  p.annotate_url = "/a";
  p.freeze_url = "/f";
  p.grid_url = "/g";
  p.sheet_url = "/s";
  return p;
}

TEST(GridPages, CellShowsEscapedEvidenceRunsAndLabelledForms) {
  auto html = render_cell(cell(Lang::kFr));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("vu &lt;en&gt; direct"), std::string::npos);
  EXPECT_NE(html.find("note &amp; &lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("F ÉCHEC"), std::string::npos);
  EXPECT_NE(html.find("P RÉUSSI"), std::string::npos);
  EXPECT_NE(html.find("planifié"), std::string::npos);
  EXPECT_NE(html.find("à la demande"), std::string::npos);
  EXPECT_NE(html.find("tok1 (jury)"), std::string::npos);
  EXPECT_NE(html.find("! délai (SLA) dépassé"), std::string::npos);
  // Three forms (override, annotate, freeze), each with the CSRF field; every field labelled.
  EXPECT_EQ(count(html, "method=\"post\""), 3u);
  EXPECT_EQ(count(html, "name=\"csrf\" value=\"abc\""), 3u);
  std::regex ids("<(?:input|textarea) id=\"([a-z]+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ids); it != std::sregex_iterator();
       ++it) {
    EXPECT_NE(html.find("<label for=\"" + (*it)[1].str() + "\">"), std::string::npos) << (*it)[1];
  }
  EXPECT_NE(html.find("name=\"justification\" rows=\"3\" required"), std::string::npos);
}

// Where a recording's player starts (issue #15): at the ticket's opening, as seconds into the
// recording; at 0 when the connection opened after it or no ticket was handed out.
TEST(GridPages, PlayerStartsAtTheTicketsOpening) {
  using namespace std::chrono_literals;
  const std::chrono::system_clock::time_point rec{std::chrono::seconds(1764943200)};
  struct Row {
    std::optional<std::chrono::system_clock::time_point> ticket;
    long long seconds;
    RecordingView::Start why;
  } rows[] = {
      {rec + 300s, 300, RecordingView::Start::kTicket},
      {rec + 300s + 900ms, 300, RecordingView::Start::kTicket},  // whole seconds, rounded down
      {rec, 0, RecordingView::Start::kTicket},
      {rec - 1s, 0, RecordingView::Start::kOpenedAfterTicket},
      {std::nullopt, 0, RecordingView::Start::kNoTicket},
  };
  for (const auto& r : rows) {
    PlayerStart s = player_start(r.ticket, rec);
    EXPECT_EQ(s.seconds, r.seconds);
    EXPECT_EQ(s.why, r.why);
  }
}

TEST(GridPages, CellListsRecordingsWithAPlayerEachOrSaysThereAreNone) {
  CellPage p = cell(Lang::kFr);
  std::string html = render_cell(p);
  EXPECT_NE(html.find("Enregistrements de la console"), std::string::npos);
  EXPECT_NE(html.find("Aucun enregistrement de console"), std::string::npos);
  EXPECT_EQ(html.find("asciinema-player"), std::string::npos);  // nothing to play: not loaded
  p.player = true;
  p.recordings = {{"srv<1>", 2, "10:00", 12800, "/sessions/s1/candidates/c01/recordings/x-2.cast",
                   300, RecordingView::Start::kTicket, "10:05"},
                  {"srv2", 1, "10:20", 90, "/r/srv2-1.cast", 0,
                   RecordingView::Start::kOpenedAfterTicket, "10:05"}};
  html = render_cell(p);
  EXPECT_NE(html.find("src=\"/assets/player/asciinema-player.min.js\""), std::string::npos);
  EXPECT_NE(html.find("src=\"/assets/recordings.js\""), std::string::npos);
  EXPECT_NE(html.find("data-cast=\"/sessions/s1/candidates/c01/recordings/x-2.cast\" "
                      "data-start-at=\"300\""),
            std::string::npos);
  EXPECT_NE(html.find("srv&lt;1&gt; — connexion 2"), std::string::npos);
  EXPECT_NE(html.find("12,5 Kio"), std::string::npos);
  EXPECT_NE(html.find("90 o"), std::string::npos);
  EXPECT_NE(html.find("démarre à l&#39;ouverture du ticket, 10:05, 5 min 00 s après le début"),
            std::string::npos);
  EXPECT_NE(html.find("démarre au début : la connexion a été ouverte après"), std::string::npos);
  EXPECT_EQ(count(html, "download>"), 2u);
  // Without the player's files: no player, the download links and a sentence saying why.
  p.player = false;
  html = render_cell(p);
  EXPECT_EQ(html.find("data-cast"), std::string::npos);
  EXPECT_EQ(html.find("asciinema-player.min.js"), std::string::npos);
  EXPECT_EQ(count(html, "download>"), 2u);
  EXPECT_NE(html.find("scripts/install-deps"), std::string::npos);
  p.lang = Lang::kEn;
  p.player = true;
  html = render_cell(p);
  EXPECT_NE(html.find("Console recordings"), std::string::npos);
  EXPECT_NE(html.find("12.5 KiB"), std::string::npos);
  EXPECT_NE(html.find("starts when the ticket opened, 10:05, 5 min 00 s into the recording"),
            std::string::npos);
}

TEST(GridPages, OverriddenCellSaysSoWithTheJustification) {
  CellPage c = cell(Lang::kFr);
  EXPECT_EQ(render_cell(c).find("override-note"), std::string::npos);
  c.verdict = Verdict::kPartial;
  c.applied = OverrideView{"3/4", "vu <en> direct", "jury", "10:00", true};
  auto html = render_cell(c);
  EXPECT_NE(html.find("~ PARTIEL</span> (corrigé)"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"override-note\">Note corrigée par jury, 10:00 : "
                      "<q>vu &lt;en&gt; direct</q></p>"),
            std::string::npos);
  c.lang = Lang::kEn;
  EXPECT_NE(render_cell(c).find("~ PARTIAL</span> (overridden)"), std::string::npos);
}

// Tamper evidence (decoys): a T mark with its meaning in the grid cell, the evidence (escaped)
// under the check on the cell page; nothing for clean cells.
TEST(GridPages, TamperedCellsAreMarkedWithTheEvidence) {
  auto g = grid(Lang::kEn);
  EXPECT_EQ(count(render_grid(g), "class=\"mark tampered\""), 0u);
  g.rows[1].cells[0].tampered = true;
  auto html = render_grid(g);
  EXPECT_EQ(count(html, "class=\"mark tampered\""), 1u);
  EXPECT_NE(html.find("title=\"tampered: agent caught, result not counted\">T</abbr>"),
            std::string::npos);

  auto p = cell(Lang::kFr);
  EXPECT_EQ(render_cell(p).find("class=\"v-fail tampered\""), std::string::npos);
  p.checks[0].integrity = "decoy file /etc/<x> present: expected fail, agent answered pass";
  auto page = render_cell(p);
  EXPECT_NE(page.find("falsifié : agent pris en défaut, résultat non compté — decoy file "
                      "/etc/&lt;x&gt; present: "
                      "expected fail, agent answered pass"),
            std::string::npos);
}

TEST(GridPages, CellShowsTheErrorAndKeepsWhatWasTyped) {
  auto p = cell(Lang::kEn);
  p.error = "The justification is required";
  p.points_value = "1.5";
  p.justification_value = "</textarea><script>";
  auto html = render_cell(p);
  EXPECT_NE(html.find("role=\"alert\" id=\"form-error\">The justification is required"),
            std::string::npos);
  EXPECT_NE(html.find("value=\"1.5\""), std::string::npos);
  EXPECT_NE(html.find("&lt;/textarea&gt;&lt;script&gt;</textarea>"), std::string::npos);
}

TEST(GridPages, FrozenCellHasNoOverrideFormButAnnotations) {
  auto p = cell(Lang::kEn);
  p.frozen_at = "2026-12-06T10:00:00Z";
  auto html = render_cell(p);
  EXPECT_NE(html.find("FINAL RESULTS (frozen)"), std::string::npos);
  EXPECT_EQ(html.find("action=\"/o\""), std::string::npos);
  EXPECT_EQ(html.find("action=\"/f\""), std::string::npos);
  EXPECT_NE(html.find("action=\"/a\""), std::string::npos);
  EXPECT_NE(html.find("can no longer be overridden"), std::string::npos);
}

TEST(GridPages, SheetDrawsEachCompetencyAsABarWithItsValueInText) {
  SheetPage p;
  p.candidate = "c01";
  p.total = "3/4";
  p.percentage = 75;
  p.bars = {
      {"C03", "Réseau <IP>", "1/2", 50}, {"C07", "Services", "2/2", 100}, {"C09", "x", "0/0", 0}};
  auto html = render_sheet(p);
  EXPECT_NE(html.find("<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-t\""),
            std::string::npos);
  EXPECT_EQ(count(html, "class=\"bar\""), 3u);
  EXPECT_NE(html.find("width=\"200\" height=\"18\" class=\"bar\""),
            std::string::npos);  // 50 % of 400
  EXPECT_NE(html.find("width=\"400\" height=\"18\" class=\"bar\""), std::string::npos);
  EXPECT_NE(html.find("50 % (1/2)"), std::string::npos);
  EXPECT_NE(html.find("C03 Réseau &lt;IP&gt;"), std::string::npos);
  EXPECT_NE(html.find("RÉSULTATS PROVISOIRES"), std::string::npos);
  EXPECT_NE(html.find("data-print"), std::string::npos);
}

}  // namespace
}  // namespace atelier::web
