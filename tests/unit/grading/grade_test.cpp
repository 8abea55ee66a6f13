// Grading rules on constructed results: scoring (all / partial), first pass and time-to-resolve,
// SLA, runs before hand-over and after the freeze, overrides, annotations, competency roll-up.
#include "controller/grading/grade.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "common/data/competencies.h"
#include "tests/unit/grading/fixtures.h"

namespace atelier::grading {
namespace {

using namespace testing;  // NOLINT
using namespace std::chrono_literals;

CompetencyCatalog catalog() {
  auto c = builtin_competency_catalog();
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return c.value();
}

SessionInput one_candidate(std::vector<CheckRun> runs, ScoringMode mode = ScoringMode::kAll) {
  SessionInput in;
  in.session = "s1";
  in.lab = two_task_lab();
  in.policy.default_mode = mode;
  CandidateInput c;
  c.candidate = "c01";
  c.handed_over_at = at(0s);
  c.runs = std::move(runs);
  in.candidates.push_back(std::move(c));
  return in;
}

CandidateGrade grade_one(const SessionInput& in, TimePoint now) {
  auto g = grade_session(in, catalog(), now);
  EXPECT_TRUE(g.ok()) << g.error().to_string();
  return g.value().candidates.at(0);
}

TEST(CompetencyCatalog, BuiltinListNamesAllNineteenCodesInBothLanguages) {
  auto c = catalog();
  EXPECT_EQ(c.names.size(), 19u);
  EXPECT_EQ(c.name("C14").fr, "Intervenir sur un système de messagerie informatique");
  EXPECT_EQ(c.name("C14").en, "Work on an email system");
  EXPECT_EQ(c.name("EPREUVE").fr, "");  // an assessment, not a competency
  EXPECT_FALSE(parse_competency_catalog("competencies: 3").ok());
  EXPECT_FALSE(parse_competency_catalog("[unclosed").ok());
}

// One table for the status and points of T2 (3 points, 3 checks) from its latest run.
struct ScoringCase {
  const char* name;
  ScoringMode mode;
  std::vector<std::string> t2_runs;  // statuses per run, in time order
  TaskStatus status;
  double points;
  bool regressed;
};

class Scoring : public ::testing::TestWithParam<ScoringCase> {};

TEST_P(Scoring, StatusAndPointsComeFromTheLatestRun) {
  const auto& tc = GetParam();
  std::vector<CheckRun> runs;
  for (std::size_t i = 0; i < tc.t2_runs.size(); ++i) {
    runs.push_back(make_run("c01", "r" + std::to_string(i), at(std::chrono::minutes(5 * (i + 1))),
                            "", tc.t2_runs[i]));
  }
  auto g = grade_one(one_candidate(runs, tc.mode), at(2h));
  const TaskGrade& t2 = *g.task("T2");
  EXPECT_EQ(t2.status, tc.status);
  EXPECT_DOUBLE_EQ(t2.points_earned, tc.points);
  EXPECT_DOUBLE_EQ(t2.computed_points, tc.points);
  EXPECT_EQ(t2.regressed, tc.regressed);
  EXPECT_EQ(t2.points_possible, 3);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Scoring,
    ::testing::Values(
        ScoringCase{"never_run", ScoringMode::kAll, {}, TaskStatus::kNotRun, 0, false},
        ScoringCase{"all_pass", ScoringMode::kAll, {"ppp"}, TaskStatus::kPassed, 3, false},
        ScoringCase{
            "one_fails_all_mode", ScoringMode::kAll, {"ppf"}, TaskStatus::kFailed, 0, false},
        ScoringCase{"error_counts_as_not_passed",
                    ScoringMode::kAll,
                    {"ppe"},
                    TaskStatus::kFailed,
                    0,
                    false},
        ScoringCase{
            "partial_two_of_three", ScoringMode::kPartial, {"pfp"}, TaskStatus::kPartial, 2, false},
        ScoringCase{
            "partial_one_of_three", ScoringMode::kPartial, {"fpe"}, TaskStatus::kPartial, 1, false},
        ScoringCase{"partial_none", ScoringMode::kPartial, {"fff"}, TaskStatus::kFailed, 0, false},
        ScoringCase{"partial_all", ScoringMode::kPartial, {"ppp"}, TaskStatus::kPassed, 3, false},
        ScoringCase{"missing_check_is_an_error",
                    ScoringMode::kPartial,
                    {"pp"},
                    TaskStatus::kPartial,
                    2,
                    false},
        ScoringCase{
            "fixed_later", ScoringMode::kAll, {"fff", "pfp", "ppp"}, TaskStatus::kPassed, 3, false},
        ScoringCase{
            "broken_again", ScoringMode::kAll, {"ppp", "ppf"}, TaskStatus::kFailed, 0, true}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Scoring, TaskLevelModeOverridesTheDefault) {
  auto in = one_candidate({make_run("c01", "r1", at(60s), "pf", "pfp")});
  in.policy.task_modes["T2"] = ScoringMode::kPartial;
  auto g = grade_one(in, at(2h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kFailed);
  EXPECT_DOUBLE_EQ(g.task("T1")->points_earned, 0);
  EXPECT_EQ(g.task("T2")->status, TaskStatus::kPartial);
  EXPECT_DOUBLE_EQ(g.task("T2")->points_earned, 2);
}

// Tamper evidence (decoys): a result that carries it is never a pass, whatever the agent said,
// in either scoring mode; the task says so and keeps the evidence; a clean run later counts.
TEST(Scoring, TamperedResultsNeverCountAsAPass) {
  for (ScoringMode mode : {ScoringMode::kAll, ScoringMode::kPartial}) {
    CheckRun forged = make_run("c01", "r1", at(60s), "pp", "ppp");
    for (auto& r : forged.results) {
      if (r.task_id == "T2")
        r.integrity = "decoy file /etc/x9q.conf present: expected fail, agent answered pass";
    }
    auto g = grade_one(one_candidate({forged}, mode), at(2h));
    EXPECT_EQ(g.task("T1")->status, TaskStatus::kPassed);
    EXPECT_FALSE(g.task("T1")->tampered);
    const TaskGrade* t2 = g.task("T2");
    EXPECT_EQ(t2->status, TaskStatus::kFailed);
    EXPECT_DOUBLE_EQ(t2->points_earned, 0);
    EXPECT_EQ(t2->checks_passed, 0u);
    EXPECT_FALSE(t2->first_passed_at.has_value());
    EXPECT_TRUE(t2->tampered);
    for (const auto& c : t2->checks) {
      EXPECT_EQ(c.status, CheckStatus::kFail);
      EXPECT_NE(c.integrity.find("expected fail, agent answered pass"), std::string::npos);
    }
    // An honest run afterwards grades as usual, without the flag.
    g = grade_one(one_candidate({forged, make_run("c01", "r2", at(120s), "", "ppp")}, mode),
                  at(2h));
    EXPECT_EQ(g.task("T2")->status, TaskStatus::kPassed);
    EXPECT_FALSE(g.task("T2")->tampered);
    EXPECT_EQ(g.task("T2")->first_passed_at, at(120s));
  }
}

TEST(Scoring, PartialCreditKeepsFractions) {
  auto in = one_candidate({make_run("c01", "r1", at(60s), "", "pff")}, ScoringMode::kPartial);
  auto g = grade_one(in, at(2h));
  EXPECT_DOUBLE_EQ(g.task("T2")->points_earned, 1.0);
  in.lab.tasks[1].points = 2;
  g = grade_one(in, at(2h));
  EXPECT_NEAR(g.task("T2")->points_earned, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(format_points(g.task("T2")->points_earned), "0.67");
}

TEST(Scoring, RunsNotCoveringATaskLeaveItAsItWas) {
  auto g = grade_one(one_candidate({make_run("c01", "r1", at(60s), "pp", "ppp"),
                                    make_run("c01", "r2", at(120s), "ff", "")}),
                     at(2h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kFailed);
  EXPECT_EQ(g.task("T2")->status, TaskStatus::kPassed);
  EXPECT_EQ(g.task("T2")->checks[0].run_id, "r1");
  EXPECT_EQ(g.task("T1")->checks[1].run_id, "r2");
  EXPECT_EQ(g.task("T1")->checks[1].observed, "state broken");
}

TEST(Scoring, RunsAreOrderedByStartTimeNotInputOrder) {
  auto g = grade_one(one_candidate({make_run("c01", "late", at(600s), "pp", ""),
                                    make_run("c01", "early", at(60s), "ff", "")}),
                     at(2h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kPassed);
  EXPECT_EQ(g.task("T1")->first_passed_at, at(600s));
  EXPECT_EQ(g.runs_graded, 2u);
  EXPECT_EQ(g.last_run_at, at(600s));
}

TEST(Evidence, ChecksCarryExpectedObservedAndLabDescriptions) {
  auto g = grade_one(one_candidate({make_run("c01", "r1", at(60s), "pf", "")}), at(2h));
  const auto& checks = g.task("T1")->checks;
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].description, "postfix running");
  EXPECT_EQ(checks[1].host, "client");
  EXPECT_EQ(checks[1].status, CheckStatus::kFail);
  EXPECT_EQ(checks[1].expected, "state ok");
  EXPECT_EQ(checks[1].observed, "state broken");
  EXPECT_EQ(checks[1].result_id, "r1/T1/1");
  // T2 never ran: its checks are listed without a status.
  ASSERT_EQ(g.task("T2")->checks.size(), 3u);
  EXPECT_FALSE(g.task("T2")->checks[0].status.has_value());
}

// Tickets: time-to-resolve and SLA (T1 has a 30 min SLA; T2 none).
struct SlaCase {
  const char* name;
  std::vector<std::pair<int, std::string>> t1_runs;  // (minutes after hand-over, statuses)
  int now_minutes;
  std::optional<int> ttr_minutes;
  bool breached;
};

class Tickets : public ::testing::TestWithParam<SlaCase> {};

TEST_P(Tickets, TimeToResolveAndSla) {
  const auto& tc = GetParam();
  std::vector<CheckRun> runs;
  for (const auto& [minutes, statuses] : tc.t1_runs) {
    runs.push_back(make_run("c01", "r" + std::to_string(minutes), at(std::chrono::minutes(minutes)),
                            statuses, ""));
  }
  auto g = grade_one(one_candidate(runs), at(std::chrono::minutes(tc.now_minutes)));
  const TaskGrade& t1 = *g.task("T1");
  EXPECT_EQ(t1.opened_at, at(0s));
  EXPECT_EQ(t1.sla, 30min);
  if (tc.ttr_minutes) {
    ASSERT_TRUE(t1.time_to_resolve.has_value());
    EXPECT_EQ(*t1.time_to_resolve, std::chrono::minutes(*tc.ttr_minutes));
    EXPECT_EQ(t1.first_passed_at, at(std::chrono::minutes(*tc.ttr_minutes)));
  } else {
    EXPECT_FALSE(t1.time_to_resolve.has_value());
    EXPECT_FALSE(t1.first_passed_at.has_value());
  }
  EXPECT_EQ(t1.sla_breached, tc.breached);
  // T2 has no SLA: never breached.
  EXPECT_FALSE(g.task("T2")->sla_breached);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Tickets,
    ::testing::Values(
        SlaCase{"resolved_within", {{5, "ff"}, {12, "pp"}}, 90, 12, false},
        SlaCase{"resolved_exactly_at_sla", {{30, "pp"}}, 90, 30, false},
        SlaCase{"resolved_after", {{10, "pf"}, {31, "pp"}}, 90, 31, true},
        SlaCase{"unresolved_within", {{10, "pf"}}, 20, std::nullopt, false},
        SlaCase{"unresolved_past", {{10, "pf"}}, 45, std::nullopt, true},
        SlaCase{"never_run_past", {}, 45, std::nullopt, true},
        SlaCase{"first_pass_kept_after_regression", {{8, "pp"}, {40, "pf"}}, 90, 8, false},
        SlaCase{"resolved_at_handover", {{0, "pp"}}, 90, 0, false}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Tickets, NotHandedOverMeansNoTicketOpenAndNoBreach) {
  auto in = one_candidate({make_run("c01", "r1", at(60s), "pp", "")});
  in.candidates[0].handed_over_at.reset();
  auto g = grade_one(in, at(10h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kPassed);
  EXPECT_FALSE(g.task("T1")->opened_at.has_value());
  EXPECT_FALSE(g.task("T1")->time_to_resolve.has_value());
  EXPECT_FALSE(g.task("T1")->sla_breached);
}

TEST(Tickets, RunsBeforeHandOverAreNotGradedButReported) {
  auto in = one_candidate({make_run("c01", "provisioning", at(-120s), "pp", "ppp"),
                           make_run("c01", "r1", at(60s), "ff", "")});
  auto g = grade_one(in, at(2h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kFailed);
  EXPECT_FALSE(g.task("T1")->first_passed_at.has_value());
  EXPECT_EQ(g.task("T2")->status, TaskStatus::kNotRun);
  ASSERT_EQ(g.ignored_runs.size(), 1u);
  EXPECT_EQ(g.ignored_runs[0].run_id, "provisioning");
  EXPECT_EQ(g.ignored_runs[0].reason, IgnoredReason::kBeforeHandOver);
  EXPECT_EQ(g.runs_graded, 1u);
}

TEST(Freeze, RunsAfterTheFreezeAreIgnoredAndReported) {
  auto in = one_candidate({make_run("c01", "r1", at(10min), "pf", "fff"),
                           make_run("c01", "r2", at(50min), "pp", "ppp")});
  in.frozen = Freeze{at(40min), "jury"};
  auto g = grade_one(in, at(3h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kFailed);
  EXPECT_EQ(g.task("T2")->status, TaskStatus::kFailed);
  EXPECT_DOUBLE_EQ(g.points_earned, 0);
  ASSERT_EQ(g.ignored_runs.size(), 1u);
  EXPECT_EQ(g.ignored_runs[0].run_id, "r2");
  EXPECT_EQ(g.ignored_runs[0].reason, IgnoredReason::kAfterFreeze);
  // The SLA clock stopped at the freeze: 40 min > 30 min, breached.
  EXPECT_TRUE(g.task("T1")->sla_breached);
}

TEST(Freeze, FrozenGradesDoNotChangeWhenTimePassesOrRunsArrive) {
  auto in = one_candidate({make_run("c01", "r1", at(10min), "pf", "")});
  in.frozen = Freeze{at(20min), "jury"};
  auto before = grade_session(in, catalog(), at(25min));
  ASSERT_TRUE(before.ok());
  in.candidates[0].runs.push_back(make_run("c01", "r2", at(30min), "pp", "ppp"));
  auto after = grade_session(in, catalog(), at(5h));
  ASSERT_TRUE(after.ok());
  auto strip = [](CandidateGrade g) {
    g.ignored_runs.clear();
    return g;
  };
  EXPECT_EQ(strip(before->candidates[0]), strip(after->candidates[0]));
  EXPECT_FALSE(after->candidates[0].task("T1")->sla_breached);  // 20 min at the freeze
  EXPECT_EQ(after->candidates[0].ignored_runs.size(), 1u);
}

Override make_override(const std::string& task, double points, TimePoint when,
                       std::string justification = "Le correcteur a vérifié à la main") {
  return Override{"c01", task, points, std::move(justification), "evaluateur", when};
}

TEST(Overrides, ReplaceThePointsAndKeepTheJustification) {
  auto in = one_candidate({make_run("c01", "r1", at(10min), "pf", "ppp")});
  in.candidates[0].overrides = {make_override("T1", 3, at(1h)),
                                make_override("T1", 2.5, at(2h), "Deuxième avis")};
  auto g = grade_one(in, at(3h));
  const TaskGrade& t1 = *g.task("T1");
  EXPECT_EQ(t1.status, TaskStatus::kFailed);          // the status stays what the checks said
  EXPECT_EQ(t1.graded_status, TaskStatus::kPartial);  // the grade's verdict: 2.5 of its points
  EXPECT_DOUBLE_EQ(t1.computed_points, 0);
  EXPECT_DOUBLE_EQ(t1.points_earned, 2.5);  // the latest override wins
  ASSERT_TRUE(t1.override.has_value());
  EXPECT_EQ(t1.override->justification, "Deuxième avis");
  EXPECT_EQ(t1.override->who, "evaluateur");
  EXPECT_DOUBLE_EQ(g.points_earned, 5.5);
  // Overriding a passed task down works too.
  in.candidates[0].overrides = {make_override("T2", 0, at(1h), "Solution copiée")};
  g = grade_one(in, at(3h));
  EXPECT_DOUBLE_EQ(g.task("T2")->points_earned, 0);
  EXPECT_EQ(g.task("T2")->status, TaskStatus::kPassed);
  EXPECT_EQ(g.task("T2")->graded_status, TaskStatus::kFailed);
  EXPECT_EQ(g.task("T1")->graded_status, g.task("T1")->status);  // not overridden: the checks'
}

// An overridden task's verdict comes from its points alone: the rule the exports, the grid, a
// cell and the sheet share (all: passed, none: failed, some: partial).
TEST(Overrides, TheVerdictFollowsThePoints) {
  struct Row {
    double earned;
    int possible;
    TaskStatus want;
  };
  for (const Row& r : {Row{4, 4, TaskStatus::kPassed}, Row{3, 4, TaskStatus::kPartial},
                       Row{0.25, 4, TaskStatus::kPartial}, Row{0, 4, TaskStatus::kFailed},
                       Row{1, 1, TaskStatus::kPassed}, Row{0, 1, TaskStatus::kFailed}}) {
    EXPECT_EQ(status_of_points(r.earned, r.possible), r.want) << r.earned << "/" << r.possible;
  }
}

TEST(Overrides, InvalidOnesAreRejectedWithAReason) {
  const LabSpec lab = two_task_lab();
  struct Case {
    Override o;
    const char* message_part;
  } cases[] = {
      {make_override("T1", 3, at(0s), "  \n"), "justification is required"},
      {make_override("T1", 3, at(0s), ""), "justification is required"},
      {make_override("T9", 1, at(0s)), "unknown task \"T9\""},
      {make_override("T1", 5, at(0s)), "0..4"},
      {make_override("T1", -1, at(0s)), "0..4"},
  };
  for (const auto& c : cases) {
    auto s = validate_override(c.o, lab, std::nullopt);
    ASSERT_FALSE(s.ok()) << c.message_part;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().to_string().find(c.message_part), std::string::npos)
        << s.error().to_string();
    auto in = one_candidate({});
    in.candidates[0].overrides = {c.o};
    auto g = grade_session(in, catalog(), at(1h));
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.error().to_string().find("grade candidate c01"), std::string::npos);
  }
  Override nobody = make_override("T1", 1, at(0s));
  nobody.who = "";
  EXPECT_FALSE(validate_override(nobody, lab, std::nullopt).ok());
  EXPECT_TRUE(validate_override(make_override("T1", 4, at(0s)), lab, std::nullopt).ok());
}

TEST(Overrides, AfterTheFreezeTheyAreRefusedAndNotApplied) {
  const LabSpec lab = two_task_lab();
  auto s = validate_override(make_override("T1", 4, at(2h)), lab, Freeze{at(1h), "jury"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  auto in = one_candidate({make_run("c01", "r1", at(10min), "ff", "")});
  in.frozen = Freeze{at(1h), "jury"};
  in.candidates[0].overrides = {make_override("T1", 1, at(30min), "Avant"),
                                make_override("T1", 4, at(2h), "Après")};
  auto g = grade_one(in, at(3h));
  EXPECT_DOUBLE_EQ(g.task("T1")->points_earned, 1);
  ASSERT_EQ(g.ignored_overrides.size(), 1u);
  EXPECT_EQ(g.ignored_overrides[0].value.justification, "Après");
}

TEST(Annotations, AttachToTheirTaskOrTheCandidate) {
  auto in = one_candidate({});
  in.candidates[0].annotations = {{"c01", "T2", "", "a regardé les logs", "eva", at(1h)},
                                  {"c01", "", "", "candidat calme", "eva", at(1h)}};
  auto g = grade_one(in, at(2h));
  ASSERT_EQ(g.task("T2")->annotations.size(), 1u);
  EXPECT_EQ(g.task("T2")->annotations[0].text, "a regardé les logs");
  ASSERT_EQ(g.annotations.size(), 1u);
  in.candidates[0].annotations = {{"c01", "T7", "", "x", "eva", at(1h)}};
  EXPECT_FALSE(grade_session(in, catalog(), at(2h)).ok());
}

TEST(RollUp, PerCompetencyPerTaskAndOverall) {
  // T1 (4 pts, C03+C14) passed; T2 (3 pts, C14+C09) partial 1/3 -> 1 pt.
  auto in = one_candidate({make_run("c01", "r1", at(10min), "pp", "pff")}, ScoringMode::kPartial);
  auto g = grade_one(in, at(1h));
  ASSERT_EQ(g.competencies.size(), 3u);
  const auto& c03 = g.competencies[0];
  const auto& c09 = g.competencies[1];
  const auto& c14 = g.competencies[2];
  EXPECT_EQ(c03.code, "C03");
  EXPECT_EQ(c09.code, "C09");
  EXPECT_EQ(c14.code, "C14");
  EXPECT_DOUBLE_EQ(c03.points_earned, 4);
  EXPECT_EQ(c03.points_possible, 4);
  EXPECT_DOUBLE_EQ(c03.percentage, 100);
  EXPECT_DOUBLE_EQ(c09.points_earned, 1);
  EXPECT_EQ(c09.points_possible, 3);
  EXPECT_NEAR(c09.percentage, 33.333333, 1e-4);
  EXPECT_DOUBLE_EQ(c14.points_earned, 5);  // both tasks count for C14
  EXPECT_EQ(c14.points_possible, 7);
  EXPECT_EQ(c14.task_ids, (std::vector<std::string>{"T1", "T2"}));
  EXPECT_EQ(c14.name.en, "Work on an email system");
  EXPECT_DOUBLE_EQ(g.points_earned, 5);
  EXPECT_EQ(g.points_possible, 7);
  EXPECT_NEAR(g.percentage, 500.0 / 7.0, 1e-9);
  // Overrides flow into the roll-up.
  in.candidates[0].overrides = {make_override("T2", 3, at(30min))};
  g = grade_one(in, at(1h));
  EXPECT_DOUBLE_EQ(g.competencies[1].percentage, 100);
  EXPECT_DOUBLE_EQ(g.percentage, 100);
}

TEST(RollUp, NothingPossibleIsZeroPercentNotNaN) {
  auto in = one_candidate({});
  in.lab.tasks[0].points = 0;
  in.lab.tasks[1].points = 0;
  auto g = grade_one(in, at(1h));
  EXPECT_EQ(g.percentage, 0);
  for (const auto& c : g.competencies) EXPECT_EQ(c.percentage, 0);
}

TEST(SessionGrid, CandidatesByTasksInInputOrder) {
  SessionInput in = one_candidate({make_run("c01", "a1", at(10min), "pp", "ppp")});
  CandidateInput c2;
  c2.candidate = "c02";
  c2.handed_over_at = at(5min);
  c2.runs = {make_run("c02", "b1", at(10min), "ff", "fff")};
  in.candidates.insert(in.candidates.begin(), c2);
  auto g = grade_session(in, catalog(), at(1h));
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  ASSERT_EQ(g->candidates.size(), 2u);
  EXPECT_EQ(g->candidates[0].candidate, "c02");
  EXPECT_EQ(g->candidate("c01")->task("T1")->status, TaskStatus::kPassed);
  EXPECT_EQ(g->candidate("c02")->task("T1")->status, TaskStatus::kFailed);
  EXPECT_EQ(g->candidate("c02")->task("T1")->opened_at, at(5min));
  EXPECT_EQ(g->computed_at, at(1h));
  EXPECT_EQ(g->candidate("nobody"), nullptr);
}

TEST(Validation, InconsistentResultsAreErrorsThatSayWhere) {
  struct Case {
    const char* name;
    std::function<void(SessionInput&)> mutate;
    const char* message_part;
  } cases[] = {
      {"unknown task", [](SessionInput& in) { in.candidates[0].runs[0].results[0].task_id = "T9"; },
       "unknown task \"T9\""},
      {"index out of range",
       [](SessionInput& in) { in.candidates[0].runs[0].results[0].check_index = 2; },
       "has 2 checks, not a check #2"},
      {"reported twice",
       [](SessionInput& in) { in.candidates[0].runs[0].results[1].check_index = 0; },
       "reported twice"},
      {"other candidate's run",
       [](SessionInput& in) { in.candidates[0].runs[0].candidate = "c02"; },
       "belongs to candidate \"c02\""},
      {"other candidate's result",
       [](SessionInput& in) { in.candidates[0].runs[0].results[0].candidate = "c02"; },
       "belongs to candidate \"c02\""},
      {"duplicate run",
       [](SessionInput& in) { in.candidates[0].runs.push_back(in.candidates[0].runs[0]); },
       "appears twice"},
      {"duplicate candidate", [](SessionInput& in) { in.candidates.push_back(in.candidates[0]); },
       "candidate \"c01\" appears twice"},
  };
  for (const auto& c : cases) {
    auto in = one_candidate({make_run("c01", "r1", at(10min), "pp", "")});
    c.mutate(in);
    auto g = grade_session(in, catalog(), at(1h));
    ASSERT_FALSE(g.ok()) << c.name;
    EXPECT_EQ(g.error().code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(g.error().to_string().find(c.message_part), std::string::npos)
        << c.name << ": " << g.error().to_string();
  }
}

TEST(RunsFromResults, GroupsFlatResultsByCandidateAndRun) {
  auto r1 = make_run("c01", "r1", at(10min), "pf", "ppp");
  auto r2 = make_run("c01", "r2", at(5min), "pp", "");
  auto q1 = make_run("c02", "r1", at(7min), "ff", "");  // the same run id for another candidate
  std::vector<CheckResult> flat;
  for (const auto* run : {&r1, &r2, &q1})
    flat.insert(flat.end(), run->results.rbegin(), run->results.rend());
  CheckResult loose = r1.results[0];
  loose.result_id = "loose";
  loose.run_id = "";
  loose.started_at = at(1min);
  flat.push_back(loose);
  auto runs = runs_from_results(flat);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].run_id, "loose");
  EXPECT_EQ(runs[1].run_id, "r2");
  EXPECT_EQ(runs[2].candidate, "c02");
  EXPECT_EQ(runs[3].run_id, "r1");
  EXPECT_EQ(runs[3].candidate, "c01");
  EXPECT_EQ(runs[3].started_at, at(10min));
  EXPECT_EQ(runs[3].finished_at, at(10min) + 1s);
  EXPECT_EQ(runs[3].results, r1.results);  // back in (task, index) order
}

// Who started a run decides its trigger: atelierd's own runs are scheduled, a token's on demand;
// results stored before runs recorded it (run_by empty) count as scheduled, as they used to.
TEST(RunsFromResults, TheActorDecidesTheTrigger) {
  std::vector<CheckResult> flat;
  for (auto [run_id, by] : {std::pair{"r1", "atelierd"}, {"r2", "tok-trainer"}, {"r3", ""}}) {
    auto run = make_run("c01", run_id, at(std::chrono::minutes(flat.size() + 1)), "p", "");
    for (auto r : run.results) {
      r.run_by = by;
      flat.push_back(r);
    }
  }
  auto runs = runs_from_results(flat);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].trigger, RunTrigger::kScheduled);
  EXPECT_EQ(runs[0].run_by, "atelierd");
  EXPECT_EQ(runs[1].trigger, RunTrigger::kOnDemand);
  EXPECT_EQ(runs[1].run_by, "tok-trainer");
  EXPECT_EQ(runs[2].trigger, RunTrigger::kScheduled);
  EXPECT_EQ(runs[2].run_by, "");
}

TEST(Formatting, PointsDurationsAndTimes) {
  EXPECT_EQ(format_points(4), "4");
  EXPECT_EQ(format_points(2.5), "2.5");
  EXPECT_EQ(format_points(2.0 / 3.0), "0.67");
  EXPECT_EQ(format_points(0), "0");
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(59s), "59s");
  EXPECT_EQ(format_duration(245s), "4m05s");
  EXPECT_EQ(format_duration(3723s), "1h02m03s");
  EXPECT_EQ(format_time(at(0s)), "2026-11-30T08:00:00Z");
}

TEST(LabSpecFromLab, KeepsTicketsPointsCompetenciesAndCheckDescriptions) {
  lab::Lab lab;
  lab.id = "demo";
  lab::Task t;
  t.id = "T1";
  t.ticket.title = {"Titre", "Title"};
  t.ticket.priority = lab::Priority::kP1;
  t.ticket.sla = 15min;
  t.points = 5;
  t.competencies = {"C07"};
  checks::Check c1;
  c1.on = "router";
  c1.kind = checks::PingCheck{};
  checks::Check c2;
  c2.on = "client";
  c2.description = "the web site answers";
  c2.kind = checks::HttpCheck{};
  t.checks = {c1, c2};
  lab.tasks.push_back(t);
  LabSpec spec = lab_spec_from_lab(lab);
  ASSERT_EQ(spec.tasks.size(), 1u);
  const auto& ts = spec.tasks[0];
  EXPECT_EQ(ts.sla, 15min);
  EXPECT_EQ(ts.priority, lab::Priority::kP1);
  EXPECT_EQ(ts.points, 5);
  ASSERT_EQ(ts.checks.size(), 2u);
  EXPECT_EQ(ts.checks[0].description, "ping on router");
  EXPECT_EQ(ts.checks[0].kind, "ping");
  EXPECT_EQ(ts.checks[1].description, "the web site answers");
  EXPECT_EQ(ts.checks[1].host, "client");
}

TEST(PolicyFromLab, EachTasksScoringKeyDecidesItsMode) {
  lab::Lab lab;
  lab::Task t1;
  t1.id = "T1";
  lab::Task t2;
  t2.id = "T2";
  t2.scoring = lab::Scoring::kPartial;
  lab.tasks = {t1, t2};
  GradingPolicy policy = policy_from_lab(lab);
  EXPECT_EQ(policy.mode_for("T1"), ScoringMode::kAll);
  EXPECT_EQ(policy.mode_for("T2"), ScoringMode::kPartial);
  EXPECT_EQ(policy.mode_for("T9"), ScoringMode::kAll);
  // Graded with it: T1 (all) gets nothing for 1 of 2, T2 (partial) 2 of 3 checks -> 2 points.
  auto in = one_candidate({make_run("c01", "r1", at(60s), "pf", "ppf")});
  in.policy = policy;
  auto g = grade_one(in, at(2h));
  EXPECT_EQ(g.task("T1")->status, TaskStatus::kFailed);
  EXPECT_DOUBLE_EQ(g.task("T1")->points_earned, 0);
  EXPECT_EQ(g.task("T2")->status, TaskStatus::kPartial);
  EXPECT_DOUBLE_EQ(g.task("T2")->points_earned, 2);
}

// A lab that touches every competency C01..C19: one task per code (points = its number), the
// odd codes solved. The roll-up lists all nineteen in order, each named, with its percentage.
TEST(RollUp, EveryCompetencyC01ToC19) {
  SessionInput in;
  in.session = "s1";
  in.lab.id = "all";
  CheckRun run;
  run.run_id = "r1";
  run.candidate = "c01";
  run.started_at = at(10min);
  for (int i = 1; i <= 19; ++i) {
    char code[4];
    std::snprintf(code, sizeof code, "C%02d", i);
    TaskSpec t;
    t.id = std::string("T") + code;
    t.points = i;
    t.competencies = {code};
    t.checks = {{"h", "command", "check"}};
    in.lab.tasks.push_back(t);
    CheckResult r;
    r.result_id = "r1/" + t.id;
    r.candidate = "c01";
    r.task_id = t.id;
    r.run_id = "r1";
    r.status = i % 2 == 1 ? CheckStatus::kPass : CheckStatus::kFail;
    run.results.push_back(r);
  }
  in.candidates.push_back({"c01", at(0s), {run}, {}, {}});
  auto g = grade_one(in, at(1h));
  ASSERT_EQ(g.competencies.size(), 19u);
  double earned = 0;
  for (int i = 1; i <= 19; ++i) {
    const auto& c = g.competencies[static_cast<std::size_t>(i - 1)];
    char code[4];
    std::snprintf(code, sizeof code, "C%02d", i);
    EXPECT_EQ(c.code, code);
    EXPECT_FALSE(c.name.fr.empty()) << code;
    EXPECT_FALSE(c.name.en.empty()) << code;
    EXPECT_EQ(c.points_possible, i);
    EXPECT_DOUBLE_EQ(c.points_earned, i % 2 == 1 ? i : 0);
    EXPECT_DOUBLE_EQ(c.percentage, i % 2 == 1 ? 100 : 0);
    earned += c.points_earned;
  }
  EXPECT_DOUBLE_EQ(g.points_earned, earned);  // 1+3+...+19 = 100
  EXPECT_DOUBLE_EQ(g.points_earned, 100);
  EXPECT_EQ(g.points_possible, 190);
}

// Freeze, overrides and partial credit together: what was true at the freeze is what stays.
TEST(Freeze, OverridesBeforeItApplyRunsAfterItDoNot) {
  auto in = one_candidate(
      {make_run("c01", "r1", at(5min), "pf", "pff"), make_run("c01", "r2", at(50min), "pp", "ppp")},
      ScoringMode::kPartial);
  in.frozen = Freeze{at(40min), "jury"};
  in.candidates[0].overrides = {make_override("T1", 3, at(30min)),
                                make_override("T2", 3, at(45min))};
  auto g = grade_one(in, at(3h));
  // T1: partial 1/2 of 4 = 2 computed, overridden to 3 before the freeze.
  EXPECT_DOUBLE_EQ(g.task("T1")->computed_points, 2);
  EXPECT_DOUBLE_EQ(g.task("T1")->points_earned, 3);
  ASSERT_TRUE(g.task("T1")->override.has_value());
  EXPECT_FALSE(g.task("T1")->first_passed_at.has_value());  // r2 came after the freeze
  EXPECT_TRUE(g.task("T1")->sla_breached);                  // 30 min SLA, unresolved at the freeze
  // T2: partial 1/3 of 3 = 1; the override after the freeze is reported, not applied.
  EXPECT_DOUBLE_EQ(g.task("T2")->points_earned, 1);
  EXPECT_FALSE(g.task("T2")->override.has_value());
  ASSERT_EQ(g.ignored_overrides.size(), 1u);
  EXPECT_EQ(g.ignored_overrides[0].value.task_id, "T2");
  ASSERT_EQ(g.ignored_runs.size(), 1u);
  EXPECT_EQ(g.ignored_runs[0].run_id, "r2");
  EXPECT_DOUBLE_EQ(g.points_earned, 4);
}

}  // namespace
}  // namespace atelier::grading
