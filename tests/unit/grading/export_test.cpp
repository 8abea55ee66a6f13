// The exports on constructed grades: CSV quoting and French texts, JSON content and round trip,
// JUnit structure (parsed back with pugixml, validated against junit.xsd with xmllint), HTML
// escaping of hostile strings from agents and evaluators.
#include "controller/grading/export.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "common/process/run_process.h"
#include "controller/grading/grade.h"
#include "controller/grading/json.h"
#include "tests/unit/grading/fixtures.h"

namespace atelier::grading {
namespace {

using namespace testing;  // NOLINT
using namespace std::chrono_literals;

constexpr const char* kHostile = "<script>alert('x')</script> & \"q\", a,b\r\nline2 ]]> \x01";

// c01: T1 passed at 12 min (override down to 3, justified with commas, quotes, a newline and
// markup); T2 partial 2/3 with hostile evidence. c02: T1 failing past the SLA, T2 never run.
SessionInput sample_input() {
  SessionInput in;
  in.session = "s1";
  in.lab = two_task_lab();
  in.lab.tasks[1].checks[2].description = kHostile;
  in.policy.task_modes["T2"] = ScoringMode::kPartial;
  CandidateInput a;
  a.candidate = "c01";
  a.handed_over_at = at(0s);
  a.runs = {make_run("c01", "r1", at(5min), "pf", "fff"),
            make_run("c01", "r2", at(12min), "pp", "ppf")};
  a.runs[1].results.back().observed = kHostile;
  a.runs[1].results.back().expected = "réponse « OK », pas d'erreur";
  a.overrides = {Override{"c01", "T1", 3, "Réparé, mais \"à la main\", sans ticket\n<b>gras</b>",
                          "Élodie", at(1h)}};
  a.annotations = {{"c01", "T2", "", kHostile, "Élodie", at(1h)}};
  CandidateInput b;
  b.candidate = "c02";
  b.handed_over_at = at(0s);
  b.runs = {make_run("c02", "q1", at(5min), "fe", "")};
  in.candidates = {a, b};
  return in;
}

SessionGrades sample() {
  auto catalog = builtin_competency_catalog();
  EXPECT_TRUE(catalog.ok());
  auto g = grade_session(sample_input(), catalog.value(), at(2h));
  EXPECT_TRUE(g.ok()) << g.error().to_string();
  return g.value();
}

// An RFC 4180 reader for the test: rows of fields, CRLF between rows.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "quote inside an unquoted field";
      quoted = was_quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
    } else if (c == '\r') {
      EXPECT_EQ(text[i + 1], '\n') << "a bare CR outside quotes";
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
      ++i;
      rows.emplace_back();
    } else {
      EXPECT_NE(c, '\n') << "a bare LF outside quotes";
      field += c;
    }
  }
  EXPECT_FALSE(quoted);
  EXPECT_TRUE(field.empty() && !was_quoted);
  rows.pop_back();  // after the last CRLF
  return rows;
}

TEST(CsvField, QuotesOnlyWhatRfc4180Requires) {
  struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"système « messagerie »", "système « messagerie »"},
      {"a,b", "\"a,b\""},
      {"dit \"oui\"", "\"dit \"\"oui\"\"\""},
      {"l1\nl2", "\"l1\nl2\""},
      {"l1\r\nl2", "\"l1\r\nl2\""},
      {"\"", "\"\"\"\""},
  };
  for (const auto& c : cases) EXPECT_EQ(csv_field(c.in), c.out) << c.in;
}

TEST(Csv, OneRowPerCandidateAndTaskWithFrenchTextsIntact) {
  auto csv = render_csv(sample());
  ASSERT_TRUE(csv.ok());
  auto rows = parse_csv(*csv);
  ASSERT_EQ(rows.size(), 1u + 2 * 2);
  EXPECT_EQ(rows[0], csv_columns());
  auto col = [&](const char* name) {
    auto it = std::find(csv_columns().begin(), csv_columns().end(), name);
    EXPECT_NE(it, csv_columns().end()) << name;
    return static_cast<std::size_t>(it - csv_columns().begin());
  };
  for (const auto& r : rows) ASSERT_EQ(r.size(), csv_columns().size());
  const auto& c01_t1 = rows[1];
  EXPECT_EQ(c01_t1[col("candidate")], "c01");
  EXPECT_EQ(c01_t1[col("task")], "T1");
  EXPECT_EQ(c01_t1[col("title_fr")], "Les mails n'arrivent plus");
  EXPECT_EQ(c01_t1[col("status")], "passed");                        // what the checks said
  EXPECT_EQ(c01_t1[col("graded_status")], "partial");                // overridden to 3 of 4 points
  EXPECT_EQ(rows[2][col("graded_status")], rows[2][col("status")]);  // not overridden
  EXPECT_EQ(c01_t1[col("points_earned")], "3");
  EXPECT_EQ(c01_t1[col("computed_points")], "4");
  EXPECT_EQ(c01_t1[col("time_to_resolve_s")], "720");
  EXPECT_EQ(c01_t1[col("time_to_resolve")], "12m00s");
  EXPECT_EQ(c01_t1[col("sla_s")], "1800");
  EXPECT_EQ(c01_t1[col("sla_breached")], "no");
  EXPECT_EQ(c01_t1[col("competencies")], "C03 C14");
  EXPECT_EQ(c01_t1[col("override_justification")],
            "Réparé, mais \"à la main\", sans ticket\n<b>gras</b>");
  EXPECT_EQ(c01_t1[col("override_who")], "Élodie");
  const auto& c01_t2 = rows[2];
  EXPECT_EQ(c01_t2[col("title_fr")], "Créer la boîte « compta »");
  EXPECT_EQ(c01_t2[col("status")], "partial");
  EXPECT_EQ(c01_t2[col("points_earned")], "2");
  const auto& c02_t1 = rows[3];
  EXPECT_EQ(c02_t1[col("candidate")], "c02");
  EXPECT_EQ(c02_t1[col("status")], "failed");
  EXPECT_EQ(c02_t1[col("time_to_resolve")], "");
  EXPECT_EQ(c02_t1[col("sla_breached")], "yes");
  EXPECT_EQ(rows[4][col("status")], "not_run");
}

// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80           ? 0
                    : (c >> 5) == 0x6  ? 1
                    : (c >> 4) == 0xE  ? 2
                    : (c >> 3) == 0x1E ? 3
                                       : 9;
    if (n == 9 || i + n >= text.size() + (n == 0 ? 1 : 0)) return false;
    std::uint32_t cp = n == 0 ? c : c & (0x3F >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// The CSV carries the lab's and evaluators' French texts byte for byte: valid UTF-8, no
// re-encoding (no "Ã©" from a Latin-1 round trip), no replacement characters, and the texts
// equal to their sources.
TEST(Csv, IsUtf8WithTheFrenchTextsByteForByte) {
  auto grades = sample();
  auto csv = render_csv(grades);
  ASSERT_TRUE(csv.ok());
  EXPECT_TRUE(valid_utf8(*csv));
  EXPECT_EQ(csv->find("\xC3\x83"), std::string::npos);      // "Ã": a double encoding
  EXPECT_EQ(csv->find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  for (const std::string& text : {std::string("Cr\xC3\xA9"
                                              "er la bo\xC3\xAE"
                                              "te \xC2\xAB compta \xC2\xBB"),
                                  std::string("\xC3\x89lodie"), grades.lab.tasks[0].title.fr}) {
    EXPECT_NE(csv->find(text), std::string::npos) << text;
  }
  ExportOptions bom;
  bom.csv_bom = true;
  auto with_bom = render_csv(grades, bom);
  ASSERT_TRUE(with_bom.ok());
  EXPECT_EQ(*with_bom, "\xEF\xBB\xBF" + *csv);
  EXPECT_FALSE(valid_utf8("\xC3"));      // the validator itself: truncated
  EXPECT_FALSE(valid_utf8("\xC0\xA9"));  // overlong
  EXPECT_FALSE(valid_utf8("caf\xE9"));   // Latin-1
  EXPECT_TRUE(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(Csv, CandidateFilterBomAndUnknownCandidate) {
  ExportOptions o;
  o.candidate = "c02";
  o.csv_bom = true;
  auto csv = render_csv(sample(), o);
  ASSERT_TRUE(csv.ok());
  ASSERT_EQ(csv->substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(parse_csv(csv->substr(3)).size(), 3u);
  o.candidate = "c99";
  auto missing = render_csv(sample(), o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST(Json, CarriesEverythingAndParsesBack) {
  auto text = render_json(sample());
  ASSERT_TRUE(text.ok());
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  ASSERT_FALSE(ec) << ec.message();
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("format").as_string(), kGradesFormat);
  const auto& c01 = o.at("candidates").as_array()[0].as_object();
  EXPECT_EQ(c01.at("candidate").as_string(), "c01");
  const auto& t1 = c01.at("tasks").as_array()[0].as_object();
  EXPECT_EQ(t1.at("status").as_string(), "passed");
  EXPECT_EQ(t1.at("graded_status").as_string(), "partial");
  EXPECT_EQ(t1.at("time_to_resolve_s").as_int64(), 720);
  EXPECT_EQ(t1.at("points_earned").as_int64(), 3);  // whole numbers are integers, not 3E0
  EXPECT_EQ(c01.at("percentage").as_double(), 500.0 / 7.0);
  EXPECT_EQ(t1.at("first_passed_at").as_string(), "2026-11-30T08:12:00.000Z");
  EXPECT_EQ(t1.at("override").as_object().at("who").as_string(), "Élodie");
  const auto& t2 = c01.at("tasks").as_array()[1].as_object();
  EXPECT_EQ(t2.at("checks").as_array()[2].as_object().at("observed").as_string(), kHostile);
  const auto& comps = c01.at("competencies").as_array();
  ASSERT_EQ(comps.size(), 3u);
  EXPECT_EQ(comps[2].as_object().at("code").as_string(), "C14");
  EXPECT_EQ(comps[2].as_object().at("name").as_object().at("fr").as_string(),
            "Intervenir sur un système de messagerie informatique");
}

TEST(Json, SessionInputRoundTrips) {
  SessionInput in = sample_input();
  in.frozen = Freeze{at(90min) + 123ms, "jury"};
  in.candidates[0].runs[0].trigger = RunTrigger::kOnDemand;
  auto back = session_input_from_json_text(boost::json::serialize(to_json(in)));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->session, in.session);
  EXPECT_EQ(back->lab, in.lab);
  EXPECT_EQ(back->policy, in.policy);
  EXPECT_EQ(back->frozen, in.frozen);
  ASSERT_EQ(back->candidates.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back->candidates[i].candidate, in.candidates[i].candidate);
    EXPECT_EQ(back->candidates[i].handed_over_at, in.candidates[i].handed_over_at);
    EXPECT_EQ(back->candidates[i].runs, in.candidates[i].runs);
    EXPECT_EQ(back->candidates[i].overrides, in.candidates[i].overrides);
    EXPECT_EQ(back->candidates[i].annotations, in.candidates[i].annotations);
  }
}

TEST(Json, BadInputSaysWhere) {
  struct {
    const char* text;
    const char* message_part;
  } cases[] = {
      {"{", "not valid JSON"},
      {"[]", "$: expected an object"},
      {R"({"session":"s","candidates":[]})", "$.lab: is required"},
      {R"({"session":"s","lab":{"id":"l","tasks":[]},"candidates":[{"candidate":"c","runs":[{"run_id":"r","started_at":"yesterday"}]}]})",
       "$.candidates[0].runs[0].started_at: expected a UTC time"},
      {R"({"session":"s","lab":{"id":"l","tasks":[]},"candidates":[{"candidate":"c","runs":[{"run_id":"r","started_at":"2026-11-30T08:00:00Z","results":[{"result_id":"x","task":"T1","check_index":0,"status":"ok"}]}]}]})",
       "$.candidates[0].runs[0].results[0].status: expected pass, fail or error"},
      {R"({"format":"other/2","session":"s"})", "$.format"},
  };
  for (const auto& c : cases) {
    auto r = session_input_from_json_text(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.error().to_string().find(c.message_part), std::string::npos)
        << r.error().to_string();
  }
}

TEST(Json, TimesParseWithAndWithoutMilliseconds) {
  EXPECT_EQ(time_from_json("2026-11-30T08:00:00Z"), at(0s));
  EXPECT_EQ(time_from_json("2026-11-30T08:00:00.5Z"), at(0s) + 500ms);
  EXPECT_EQ(time_to_json(at(0s) + 42ms), "2026-11-30T08:00:00.042Z");
  EXPECT_FALSE(time_from_json("2026-02-30T08:00:00Z"));
  EXPECT_FALSE(time_from_json("2026-11-30 08:00:00Z"));
  EXPECT_FALSE(time_from_json("2026-11-30T08:00:00+01:00"));
}

TEST(Junit, OneTestCasePerCheckWithFailuresAndEvidence) {
  auto xml = render_junit(sample());
  ASSERT_TRUE(xml.ok());
  pugi::xml_document doc;
  auto parsed = doc.load_string(xml->c_str());
  ASSERT_TRUE(parsed) << parsed.description() << "\n" << *xml;
  auto suites = doc.child("testsuites");
  EXPECT_EQ(suites.attribute("tests").as_int(), 10);  // 2 candidates x 5 checks
  std::vector<pugi::xml_node> per_candidate;
  for (auto s : suites.children("testsuite")) per_candidate.push_back(s);
  ASSERT_EQ(per_candidate.size(), 2u);
  auto c01 = per_candidate[0];
  EXPECT_STREQ(c01.attribute("name").value(), "s1.c01");
  EXPECT_EQ(c01.attribute("tests").as_int(), 5);
  EXPECT_EQ(c01.attribute("failures").as_int(), 1);
  EXPECT_EQ(c01.attribute("errors").as_int(), 0);
  int cases = 0;
  for (auto tc : c01.children("testcase")) {
    ++cases;
    if (std::string(tc.attribute("name").value()).rfind("T2#2", 0) == 0) {
      auto failure = tc.child("failure");
      ASSERT_TRUE(failure) << "T2#2 failed";
      std::string body = failure.text().get();
      EXPECT_NE(body.find("expected: réponse « OK », pas d'erreur"), std::string::npos);
      EXPECT_NE(body.find("observed: <script>alert('x')</script> & \"q\", a,b"), std::string::npos);
      EXPECT_EQ(body.find('\x01'), std::string::npos);  // control characters cannot be in XML
      EXPECT_STREQ(tc.attribute("classname").value(), "s1.c01.T2");
    }
  }
  EXPECT_EQ(cases, 5);
  auto c02 = per_candidate[1];
  EXPECT_EQ(c02.attribute("failures").as_int(), 1);
  EXPECT_EQ(c02.attribute("errors").as_int(), 1);
  EXPECT_EQ(c02.attribute("skipped").as_int(), 3);
}

// A forged run (decoys caught the agent): every export says tampered, with the evidence, and
// nothing counts as a pass.
TEST(Exports, ShowTamperedResultsWithTheirEvidence) {
  const std::string evidence = "decoy group q7w2k9xz exists: expected fail, agent answered pass";
  SessionInput in;
  in.session = "s1";
  in.lab = two_task_lab();
  CandidateInput a;
  a.candidate = "c01";
  a.handed_over_at = at(0s);
  a.runs = {make_run("c01", "r1", at(5min), "pp", "ppp")};
  for (auto& r : a.runs[0].results) {
    if (r.task_id == "T1") r.integrity = evidence;
  }
  in.candidates = {a};
  auto catalog = builtin_competency_catalog();
  ASSERT_TRUE(catalog.ok());
  auto g = grade_session(in, *catalog, at(2h));
  ASSERT_TRUE(g.ok()) << g.error().to_string();

  auto csv = render_csv(*g);
  ASSERT_TRUE(csv.ok());
  auto rows = parse_csv(*csv);
  ASSERT_EQ(rows.size(), 3u);
  auto col = [&](const char* name) {
    return static_cast<std::size_t>(std::find(csv_columns().begin(), csv_columns().end(), name) -
                                    csv_columns().begin());
  };
  EXPECT_EQ(rows[1][col("status")], "failed");
  EXPECT_EQ(rows[1][col("tampered")], "yes");
  EXPECT_EQ(rows[1][col("tamper_evidence")], evidence);  // once, though both checks carry it
  EXPECT_EQ(rows[2][col("tampered")], "no");
  EXPECT_EQ(rows[2][col("tamper_evidence")], "");

  auto json = render_json(*g);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"tampered\":true"), std::string::npos);
  EXPECT_NE(json->find("\"integrity\":\"" + evidence + "\""), std::string::npos);

  auto xml = render_junit(*g);
  ASSERT_TRUE(xml.ok());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml->c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("failures").as_int(), 2);
  for (auto tc : suite.children("testcase")) {
    if (std::string(tc.attribute("name").value()).rfind("T1#", 0) != 0) continue;
    EXPECT_STREQ(tc.child("failure").attribute("type").value(), "tampered");
    EXPECT_EQ(std::string(tc.child("failure").attribute("message").value()),
              "tampered: " + evidence);
  }

  ExportOptions en;
  en.candidate = "c01";
  en.language = Language::kEn;
  auto html = render_html(*g, en);
  ASSERT_TRUE(html.ok()) << html.error().to_string();
  EXPECT_NE(html->find("Tampering detected (result not counted): " + evidence), std::string::npos);
  auto grid = render_grid(*g, {});
  ASSERT_TRUE(grid.ok());
  EXPECT_NE(grid->find("0/4 F! tampered"), std::string::npos) << *grid;  // T1 also past its SLA
}

TEST(Junit, ValidatesAgainstTheJunitSchema) {
  const std::string xsd = std::string(ATELIER_GRADING_TEST_DIR) + "/junit.xsd";
  for (const auto& candidate : std::vector<std::optional<std::string>>{std::nullopt, "c02"}) {
    ExportOptions o;
    o.candidate = candidate;
    auto xml = render_junit(sample(), o);
    ASSERT_TRUE(xml.ok());
    process::ProcessSpec spec;
    spec.argv = {"xmllint", "--noout", "--schema", xsd, "-"};
    spec.stdin_data = *xml;
    spec.timeout = 30s;
    auto r = process::run_process(spec);
    ASSERT_TRUE(r.ok()) << r.error().to_string() << " (xmllint comes with libxml2-utils)";
    EXPECT_EQ(r->exit_code, 0) << r->err << "\n" << *xml;
  }
  // The schema does reject a broken report, so the check above means something.
  process::ProcessSpec spec;
  spec.argv = {"xmllint", "--noout", "--schema", xsd, "-"};
  spec.stdin_data = "<testsuites><testsuite name=\"x\"><testcase/></testsuite></testsuites>";
  auto r = process::run_process(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->exit_code, 0);
}

TEST(Html, EscapesEveryHostileString) {
  ExportOptions o;
  o.candidate = "c01";
  auto html = render_html(sample(), o);
  ASSERT_TRUE(html.ok()) << html.error().to_string();
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_EQ(html->find("<b>gras"), std::string::npos);
  EXPECT_NE(html->find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"),
            std::string::npos);
  EXPECT_NE(html->find("&lt;b&gt;gras&lt;/b&gt;"), std::string::npos);
  // Self-contained: no outside resource, a CSP that forbids scripts, print rules.
  EXPECT_EQ(html->find("src="), std::string::npos);
  EXPECT_EQ(html->find("href="), std::string::npos);
  EXPECT_NE(html->find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html->find("@media print"), std::string::npos);
  EXPECT_EQ(escape_html("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

TEST(Html, ShowsTicketsCompetenciesOverridesAndEvidence) {
  ExportOptions o;
  o.candidate = "c01";
  auto html = render_html(sample(), o);
  ASSERT_TRUE(html.ok());
  for (const char* part :
       {"Rapport d&#39;évaluation", "Les mails n&#39;arrivent plus", "12m00s", "30m00s",
        "Intervenir sur un système de messagerie informatique", "C14", "5 / 7",
        "Réparé, mais &quot;à la main&quot;, sans ticket", "Élodie",
        "réponse « OK », pas d&#39;erreur", "Résultats non figés", "partielle"}) {
    EXPECT_NE(html->find(part), std::string::npos) << part;
  }
  // T1, passed by its checks and overridden to 3 of 4, reads partial, marked overridden.
  EXPECT_NE(html->find("Les mails n&#39;arrivent plus <span class=\"partial\">("),
            std::string::npos);
  EXPECT_NE(html->find(" *)</span></h3>"), std::string::npos);
  pugi::xml_document doc;  // the markup nests: XHTML-ish parse of the body succeeds
  auto body_start = html->find("<body>");
  auto body_end = html->find("</body>");
  ASSERT_NE(body_start, std::string::npos);
  std::string body = html->substr(body_start, body_end + 7 - body_start);
  for (std::size_t p; (p = body.find("<br>")) != std::string::npos;) body.replace(p, 4, "<br/>");
  auto parsed = doc.load_string(body.c_str());
  EXPECT_TRUE(parsed) << parsed.description() << " at " << parsed.offset;

  o.language = Language::kEn;
  auto en = render_html(sample(), o);
  ASSERT_TRUE(en.ok());
  EXPECT_NE(en->find("Assessment report"), std::string::npos);
  EXPECT_NE(en->find("Mail no longer arrives"), std::string::npos);
  EXPECT_NE(en->find("Work on an email system"), std::string::npos);

  o.candidate = "c02";
  o.language = Language::kFr;
  auto c02 = render_html(sample(), o);
  ASSERT_TRUE(c02.ok());
  EXPECT_NE(c02->find("dépassé"), std::string::npos);
  EXPECT_NE(c02->find("non résolu"), std::string::npos);
}

TEST(Html, NeedsAKnownCandidate) {
  ExportOptions o;
  o.candidate = "c99";
  auto unknown = render_html(sample(), o);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

// The sheet of one candidate: from <article class="sheet" ...> to its </article>.
std::string sheet_of(const std::string& html, const std::string& candidate) {
  const auto start = html.find("<article class=\"sheet\" id=\"candidate-" + candidate + "\">");
  if (start == std::string::npos) return "";
  const auto end = html.find("</article>\n", start);
  return end == std::string::npos ? "" : html.substr(start, end + 11 - start);
}

// Without a candidate: one file, every candidate's sheet in session order, each the very sheet
// of that candidate's own report, and a page break before every sheet but the first.
TEST(Html, WholeSessionHoldsEveryCandidatesSheet) {
  const SessionGrades g = sample();
  ASSERT_GE(g.candidates.size(), 2u);
  auto all = render_html(g, {});
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  std::size_t sheets = 0;
  for (auto at = all->find("<article class=\"sheet\""); at != std::string::npos;
       at = all->find("<article class=\"sheet\"", at + 1)) {
    ++sheets;
  }
  EXPECT_EQ(sheets, g.candidates.size());
  std::size_t previous = 0;
  for (const auto& c : g.candidates) {
    ExportOptions one;
    one.candidate = c.candidate;
    auto single = render_html(g, one);
    ASSERT_TRUE(single.ok());
    const std::string sheet = sheet_of(*single, c.candidate);
    ASSERT_FALSE(sheet.empty()) << c.candidate;
    const auto at = all->find(sheet);
    ASSERT_NE(at, std::string::npos) << c.candidate << "'s sheet is not in the session's report";
    EXPECT_GE(at, previous) << "sheets out of session order";
    previous = at;
  }
  EXPECT_NE(all->find(".sheet + .sheet { break-before: page; page-break-before: always;"),
            std::string::npos);
  EXPECT_NE(all->find("<title>Rapport d"), std::string::npos);
  EXPECT_NE(all->find(g.session), std::string::npos);
  EXPECT_NE(all->find("dépassé"), std::string::npos);  // c02's breached SLA
  // The markup still nests: the body parses as XML.
  const auto b = all->find("<body>");
  const auto e = all->find("</body>");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::string body = all->substr(b, e + 7 - b);
  for (std::size_t p; (p = body.find("<br>")) != std::string::npos;) body.replace(p, 4, "<br/>");
  pugi::xml_document doc;
  auto parsed = doc.load_string(body.c_str());
  EXPECT_TRUE(parsed) << parsed.description() << " at " << parsed.offset;
}

TEST(Grid, OneRowPerCandidateWithLettersAndMarks) {
  auto grid = render_grid(sample());
  ASSERT_TRUE(grid.ok());
  EXPECT_EQ(*grid,
            "session s1, lab messagerie, provisional at 2026-11-30T10:00:00Z\n"
            "candidate  T1      T2     total\n"
            "c01        3/4 ~*  2/3 ~  5/7 (71.4%)\n"
            "c02        0/4 F!  0/3 -  0/7 (0.0%)\n"
            "P passed, ~ partial, F failed, - not run; * overridden, ! SLA breached\n");
  EXPECT_EQ(parse_format("grid"), Format::kGrid);
  EXPECT_FALSE(parse_format("pdf").has_value());
}

TEST(Frozen, ExportsSayWhenResultsWereFrozen) {
  SessionInput in = sample_input();
  in.frozen = Freeze{at(10min), "jury"};
  auto catalog = builtin_competency_catalog();
  auto g = grade_session(in, catalog.value(), at(2h));
  ASSERT_TRUE(g.ok());
  ExportOptions o;
  o.candidate = "c01";
  auto html = render_html(*g, o);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("Résultats figés le"), std::string::npos);
  EXPECT_NE(html->find("after_freeze"), std::string::npos);  // r2 at 12 min is listed, not graded
  auto csv = render_csv(*g, o);
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv->find("2026-11-30T08:10:00Z"), std::string::npos);
  EXPECT_NE(csv->find(",failed,"), std::string::npos);  // T1 failed at the freeze
}

}  // namespace
}  // namespace atelier::grading
