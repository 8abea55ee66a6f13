// Store tests on a real SQLite file in a temporary directory: every table, migrations,
// reopening, tokens, the trainer's actions, and readers working while a writer writes.
#include "controller/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

namespace atelier::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-store-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Store open() {
    auto s = Store::open(dir_ / "state");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return std::move(s).value();
  }

  static SessionRecord session(std::string id) {
    SessionRecord s;
    s.id = std::move(id);
    s.lab_path = "/labs/demo/lab.yaml";
    s.lab_id = "demo";
    s.seed = 0xfedcba9876543210ull;  // above INT64_MAX: must survive the signed column
    s.created_at = now_;
    s.feedback = true;
    s.created_by = "cli";
    return s;
  }
  static AuditEntry audit(std::string action) {
    return {0, now_, "tester", std::move(action), "t", ""};
  }

  static inline const TimePoint now_ = TimePoint(std::chrono::milliseconds(1'700'000'000'123));
  fs::path dir_;
};

TEST_F(StoreTest, NewStoreHasLatestSchemaAndReopenDoesNotMigrateAgain) {
  {
    Store s = open();
    EXPECT_EQ(*s.schema_version(), Store::latest_schema_version());
    ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("session.create")).ok());
  }
  Store s = open();  // a second migration run would fail on CREATE TABLE
  EXPECT_EQ(*s.schema_version(), Store::latest_schema_version());
  EXPECT_TRUE(s.get_session("s1").ok());
}

TEST_F(StoreTest, RefusesAStoreFromANewerAtelier) {
  {
    Store s = open();
    ASSERT_TRUE(s.database().exec("PRAGMA user_version = 99").ok());
  }
  auto s = Store::open(dir_ / "state");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.error().to_string().find("newer"), std::string::npos);
}

TEST_F(StoreTest, SessionsRoundTripAndSurviveReopen) {
  {
    Store s = open();
    ASSERT_TRUE(s.create_session(session("s1"), {"c01", "c02"}, audit("session.create")).ok());
  }
  Store s = open();
  auto got = s.get_session("s1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->lab_path, "/labs/demo/lab.yaml");
  EXPECT_EQ(got->lab_id, "demo");
  EXPECT_EQ(got->seed, 0xfedcba9876543210ull);
  EXPECT_EQ(got->created_at, now_);
  EXPECT_EQ(got->desired, DesiredState::kActive);
  EXPECT_EQ(got->status, LabStatus::kPending);
  EXPECT_TRUE(got->feedback);
  EXPECT_FALSE(got->candidate_resets);  // off unless asked for
  auto labs = s.list_candidate_labs("s1");
  ASSERT_TRUE(labs.ok());
  ASSERT_EQ(labs->size(), 2u);
  EXPECT_EQ((*labs)[0].candidate, "c01");
  EXPECT_EQ((*labs)[1].candidate, "c02");
  for (StepState st : (*labs)[0].steps) EXPECT_EQ(st, StepState::kPending);
  auto audit_log = s.list_audit();
  ASSERT_TRUE(audit_log.ok());
  ASSERT_EQ(audit_log->size(), 1u);
  EXPECT_EQ(audit_log->front().action, "session.create");
}

TEST_F(StoreTest, DuplicateSessionIsAlreadyExistsAndLeavesNothingHalfWritten) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("a")).ok());
  auto again = s.create_session(session("s1"), {"c09"}, audit("b"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  // A duplicate candidate rolls the whole session back.
  auto dup = s.create_session(session("s2"), {"c01", "c01"}, audit("c"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.get_session("s2").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.list_audit()->size(), 1u);
  EXPECT_EQ(s.list_candidate_labs("s1")->size(), 1u);
}

TEST_F(StoreTest, DesiredStateAndStatus) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("a")).ok());
  ASSERT_TRUE(s.set_desired_state("s1", DesiredState::kDestroyed, audit("session.destroy")).ok());
  ASSERT_TRUE(s.set_desired_state("s1", DesiredState::kDestroyed, audit("session.destroy")).ok());
  ASSERT_TRUE(s.set_session_status("s1", LabStatus::kDestroying).ok());
  auto got = s.get_session("s1");
  EXPECT_EQ(got->desired, DesiredState::kDestroyed);
  EXPECT_EQ(got->status, LabStatus::kDestroying);
  EXPECT_EQ(s.set_desired_state("nope", DesiredState::kDestroyed, audit("x")).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(s.set_session_status("nope", LabStatus::kReady).error().code(), ErrorCode::kNotFound);
  auto list = s.list_sessions();
  ASSERT_EQ(list->size(), 1u);
  auto counts = s.counts();
  EXPECT_EQ(counts->sessions_destroyed, 1);
  EXPECT_EQ(counts->sessions_active, 0);
  EXPECT_EQ(counts->candidate_labs_by_status[static_cast<int>(LabStatus::kPending)], 1);
}

TEST_F(StoreTest, CandidateLabStepsAndErrors) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("a")).ok());
  auto lab = s.get_candidate_lab("s1", "c01");
  ASSERT_TRUE(lab.ok());
  lab->status = LabStatus::kFailed;
  lab->steps[static_cast<int>(Step::kNetworks)] = StepState::kDone;
  lab->steps[static_cast<int>(Step::kDisks)] = StepState::kFailed;
  lab->error = "create overlay <- no space";
  lab->host = "hv1";
  lab->updated_at = now_ + std::chrono::seconds(5);
  ASSERT_TRUE(s.update_candidate_lab(*lab).ok());
  auto back = s.get_candidate_lab("s1", "c01");
  EXPECT_EQ(back->status, LabStatus::kFailed);
  EXPECT_EQ(back->steps[0], StepState::kDone);
  EXPECT_EQ(back->steps[1], StepState::kFailed);
  EXPECT_EQ(back->steps[2], StepState::kPending);
  EXPECT_EQ(back->error, "create overlay <- no space");
  EXPECT_EQ(back->host, "hv1");
  EXPECT_EQ(back->updated_at, now_ + std::chrono::seconds(5));
  EXPECT_FALSE(back->handed_over_at.has_value());
  back->handed_over_at = now_ + std::chrono::seconds(7);
  ASSERT_TRUE(s.update_candidate_lab(*back).ok());
  EXPECT_EQ(s.get_candidate_lab("s1", "c01")->handed_over_at, now_ + std::chrono::seconds(7));
  EXPECT_EQ(s.get_candidate_lab("s1", "c02").error().code(), ErrorCode::kNotFound);
  lab->candidate = "c02";
  EXPECT_EQ(s.update_candidate_lab(*lab).error().code(), ErrorCode::kNotFound);
}

TEST_F(StoreTest, HostsUpsert) {
  Store s = open();
  ASSERT_TRUE(s.upsert_host({"hv1", "qemu:///system", 8ull << 30, 2, true}).ok());
  ASSERT_TRUE(s.upsert_host({"hv1", "qemu+ssh://hv1/system", 16ull << 30, 4, false}).ok());
  ASSERT_TRUE(s.upsert_host({"hv0", "test:///default", 1, 1, true}).ok());
  auto hosts = s.list_hosts();
  ASSERT_EQ(hosts->size(), 2u);
  EXPECT_EQ((*hosts)[0].name, "hv0");
  EXPECT_EQ((*hosts)[1].uri, "qemu+ssh://hv1/system");
  EXPECT_EQ((*hosts)[1].memory_bytes, 16ull << 30);
  EXPECT_EQ((*hosts)[1].vcpus, 4);
  EXPECT_FALSE((*hosts)[1].enabled);
}

TEST_F(StoreTest, ObjectsAreRecordedOnceAndNeedTheirCandidateLab) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("a")).ok());
  ObjectRecord o{
      0,   "s1", "c01", ObjectKind::kNetwork, "atelier-s1-c01-lan", "hv1", ObjectState::kIntended,
      now_};
  auto id = s.record_object(o);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  o.state = ObjectState::kCreated;
  auto again = s.record_object(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*id, *again);
  ASSERT_TRUE(s.set_object_state(*id, ObjectState::kDeleted).ok());
  auto objects = s.list_objects("s1");
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ(objects->front().state, ObjectState::kDeleted);
  EXPECT_EQ(objects->front().kind, ObjectKind::kNetwork);
  o.candidate = "c99";  // foreign key: no such candidate lab
  o.name = "atelier-s1-c99-lan";
  EXPECT_FALSE(s.record_object(o).ok());
  EXPECT_EQ(s.set_object_state(12345, ObjectState::kDeleted).error().code(), ErrorCode::kNotFound);
}

TEST_F(StoreTest, ResultsAreCountedOnceWhenResent) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01", "c02"}, audit("a")).ok());
  ResultRecord r{"r-1",  "s1",        "c01",       "T1",    0,    "server", "share mode",
                 "fail", "mode 2770", "mode 0700", "run-1", now_, now_,     now_};
  EXPECT_EQ(*s.add_result(r), true);
  EXPECT_EQ(*s.add_result(r), false);
  r.result_id = "r-2";
  r.candidate = "c02";
  r.status = "pass";
  EXPECT_EQ(*s.add_result(r), true);
  r.result_id = "r-4";
  r.status = "maybe";
  EXPECT_EQ(s.add_result(r).error().code(), ErrorCode::kInvalidArgument);
  r.status = "error";
  r.result_id = "r-3";
  r.candidate = "nobody";
  EXPECT_EQ(s.add_result(r).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.list_results("s1")->size(), 2u);
  auto c01 = s.list_results("s1", "c01");
  ASSERT_EQ(c01->size(), 1u);
  EXPECT_EQ(c01->front().expected, "mode 2770");
  EXPECT_EQ(c01->front().observed, "mode 0700");
  EXPECT_EQ(c01->front().status, "fail");
  EXPECT_EQ(c01->front().run_id, "run-1");
  EXPECT_EQ(c01->front().finished_at, now_);
  EXPECT_EQ(s.counts()->results, 2);
}

// Schema 4: a session's own check interval (unset, 0 = off, or seconds) and who ran each run.
TEST_F(StoreTest, SessionCheckIntervalAndRunByRoundTrip) {
  {
    Store s = open();
    SessionRecord off = session("s_off");
    off.check_interval = std::chrono::seconds(0);
    SessionRecord every = session("s_20");
    every.check_interval = std::chrono::seconds(20);
    ASSERT_TRUE(s.create_session(session("s_unset"), {"c01"}, audit("a")).ok());
    ASSERT_TRUE(s.create_session(off, {"c01"}, audit("a")).ok());
    ASSERT_TRUE(s.create_session(every, {"c01"}, audit("a")).ok());
    ResultRecord r{"r-1",  "s_20", "c01", "T1",    0,    "server", "d",
                   "pass", "e",    "o",   "run-1", now_, now_,     now_};
    r.run_by = "atelierd";
    ASSERT_TRUE(*s.add_result(r));
    r.result_id = "r-2";
    r.run_by = "3fa2c1d9e0b4";
    ASSERT_TRUE(*s.add_result(r));
  }
  Store s = open();
  EXPECT_EQ(s.get_session("s_unset")->check_interval, std::nullopt);
  EXPECT_EQ(s.get_session("s_off")->check_interval, std::chrono::seconds(0));
  EXPECT_EQ(s.get_session("s_20")->check_interval, std::chrono::seconds(20));
  auto listed = s.list_sessions();
  ASSERT_EQ(listed->size(), 3u);
  auto results = s.list_results("s_20");
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].run_by, "atelierd");
  EXPECT_EQ((*results)[1].run_by, "3fa2c1d9e0b4");
  // The column refuses a negative interval.
  EXPECT_FALSE(
      s.database().exec("UPDATE sessions SET check_interval_s = -1 WHERE id = 's_20'").ok());
}

// A file written by an atelier whose schema stopped at version 3 (before session check
// intervals): reopening upgrades it to the latest version and keeps its sessions, labs, results.
TEST_F(StoreTest, UpgradesASchema3StoreAndKeepsItsSessions) {
  const fs::path file = Store::database_path(dir_ / "state");
  fs::create_directories(file.parent_path());
  {
    auto old = Store::open_file_at_version(file, 3);
    ASSERT_TRUE(old.ok()) << old.error().to_string();
    EXPECT_EQ(*old->schema_version(), 3);
    // As the version-3 code wrote them: no check_interval_s, no run_by.
    ASSERT_TRUE(
        old->database()
            .exec("INSERT INTO sessions (id, lab_path, lab_id, seed, created_at, desired, status, "
                  "feedback, created_by) "
                  "VALUES ('old1', '/labs/demo/lab.yaml', 'demo', 42, 1700000000123, 'active', "
                  "'ready', 1, 'cli');"
                  "INSERT INTO candidate_labs (session, candidate, status, updated_at, "
                  "handed_over_at) "
                  "VALUES ('old1', 'c01', 'ready', 1700000000123, 1700000000999);"
                  "INSERT INTO results (result_id, session, candidate, task, check_index, host, "
                  "description, status, "
                  "expected, observed, run_id, started_at, finished_at, received_at) VALUES "
                  "('r-old', 'old1', 'c01', "
                  "'T1', 0, 'server', 'd', 'fail', 'e', 'o', 'run-a1-c01', 1700000001000, "
                  "1700000002000, 1700000002000);"
                  "INSERT INTO freezes (session, at, who) VALUES ('old1', 1700000003000, 'jury');")
            .ok());
    // The version-3 schema really has no column of version 4.
    EXPECT_FALSE(old->database().exec("SELECT check_interval_s FROM sessions").ok());
    EXPECT_FALSE(Store::open_file_at_version(file, 99).ok());
  }
  auto upgraded = Store::open(dir_ / "state");
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().to_string();
  EXPECT_EQ(*upgraded->schema_version(), Store::latest_schema_version());
  EXPECT_GE(Store::latest_schema_version(), 4);
  auto old1 = upgraded->get_session("old1");
  ASSERT_TRUE(old1.ok()) << old1.error().to_string();
  EXPECT_EQ(old1->seed, 42u);
  EXPECT_EQ(old1->status, LabStatus::kReady);
  EXPECT_TRUE(old1->feedback);
  EXPECT_EQ(old1->check_interval, std::nullopt);  // the lab's, then atelierd's, as before
  EXPECT_FALSE(old1->candidate_resets);  // migration 10: off for the sessions made before it
  auto lab = upgraded->get_candidate_lab("old1", "c01");
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(lab->handed_over_at, TimePoint(std::chrono::milliseconds(1700000000999)));
  auto results = upgraded->list_results("old1");
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ(results->front().run_id, "run-a1-c01");
  EXPECT_EQ(results->front().run_by, "");
  EXPECT_TRUE(upgraded->get_freeze("old1")->has_value());
  // New sessions can use the new column next to the old ones.
  SessionRecord fresh = session("new1");
  fresh.check_interval = std::chrono::seconds(120);
  fresh.candidate_resets = true;
  ASSERT_TRUE(upgraded->create_session(fresh, {"c01"}, audit("session.create")).ok());
  EXPECT_EQ(upgraded->list_sessions()->size(), 2u);
  EXPECT_EQ(upgraded->get_session("new1")->check_interval, std::chrono::seconds(120));
  EXPECT_TRUE(upgraded->get_session("new1")->candidate_resets);
}

// The trainer's actions: a record read back field by field (after a reopen), replaced by the
// same id when the action ends; kNotFound for an unknown id.
TEST_F(StoreTest, ActionsRoundTripAndAreReplacedWhenTheyEnd) {
  ActionRecord run;
  run.id = "a1764482011000_3";
  run.kind = "check_run";
  run.session = "s1";
  run.candidates = {"alice", "bob_2"};
  run.state = "running";
  run.started_at = now_;
  ActionRecord reset;
  reset.id = "a1764482011000_4";
  reset.kind = "reset";
  reset.session = "s1";
  reset.candidates = {"alice"};
  reset.host = "server";
  reset.state = "failed";
  reset.error = "provisioning failed: image debian12 is not built";
  reset.started_at = now_;
  reset.finished_at = now_ + std::chrono::seconds(3);
  {
    Store s = open();
    ASSERT_TRUE(s.put_action(run).ok());
    ASSERT_TRUE(s.put_action(reset).ok());
    run.state = "done";
    run.run_id = "run-a1764482011000_3";
    run.verdicts = R"([{"candidate":"alice","task":"T1","passed":true,"checks":2,"failed":0}])";
    run.finished_at = now_ + std::chrono::seconds(40);
    ASSERT_TRUE(s.put_action(run).ok());  // the same id: replaced, not a second row
  }
  Store s = open();
  auto got = s.get_action(run.id);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->kind, "check_run");
  EXPECT_EQ(got->session, "s1");
  EXPECT_EQ(got->candidates, (std::vector<std::string>{"alice", "bob_2"}));
  EXPECT_EQ(got->host, "");
  EXPECT_EQ(got->state, "done");
  EXPECT_EQ(got->error, "");
  EXPECT_EQ(got->run_id, "run-a1764482011000_3");
  EXPECT_EQ(got->verdicts, run.verdicts);
  EXPECT_EQ(got->started_at, now_);
  EXPECT_EQ(got->finished_at, now_ + std::chrono::seconds(40));
  auto r = s.get_action(reset.id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->candidates, std::vector<std::string>{"alice"});
  EXPECT_EQ(r->host, "server");
  EXPECT_EQ(r->state, "failed");
  EXPECT_EQ(r->error, reset.error);
  EXPECT_EQ(r->verdicts, "[]");
  EXPECT_EQ(s.get_action("a0_0").error().code(), ErrorCode::kNotFound);
  // The columns refuse an unknown kind or state.
  ActionRecord bad = reset;
  bad.id = "a-bad";
  bad.state = "paused";
  EXPECT_FALSE(s.put_action(bad).ok());
}

// At startup the actions a stopped atelierd left running become failed, saying why; finished
// ones keep their outcome; a second sweep changes nothing.
TEST_F(StoreTest, RunningActionsAreFailedAsInterruptedAtStartup) {
  Store s = open();
  ActionRecord running{"a1_1", "solve", "s1", {"c01"}, "",          "running",
                       "",     "",      "[]", now_,    std::nullopt};
  ActionRecord done{"a1_2",
                    "solve",
                    "s1",
                    {"c02"},
                    "",
                    "done",
                    "",
                    "",
                    "[]",
                    now_,
                    now_ + std::chrono::seconds(5)};
  ActionRecord checks{"a1_3", "check_run", "s1", {"c01", "c02"}, "",          "running",
                      "",     "",          "[]", now_,           std::nullopt};
  for (const auto& a : {running, done, checks}) ASSERT_TRUE(s.put_action(a).ok());
  // Before the sweep: the session's running ones, oldest first (the candidate's page reads them).
  auto live = s.list_running_actions("s1");
  ASSERT_TRUE(live.ok()) << live.error().to_string();
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].id, "a1_1");
  EXPECT_EQ((*live)[1].id, "a1_3");
  EXPECT_EQ((*live)[1].candidates, (std::vector<std::string>{"c01", "c02"}));
  EXPECT_TRUE(s.list_running_actions("s2")->empty());
  const TimePoint restart = now_ + std::chrono::minutes(10);
  auto swept = s.fail_running_actions(restart);
  ASSERT_TRUE(swept.ok()) << swept.error().to_string();
  EXPECT_EQ(*swept, 2);
  for (const std::string id : {"a1_1", "a1_3"}) {
    auto a = s.get_action(id);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->state, "failed") << id;
    EXPECT_EQ(a->error, "interrupted: atelierd stopped before it finished; run it again") << id;
    EXPECT_EQ(a->finished_at, restart) << id;
    EXPECT_EQ(a->started_at, now_) << id;
  }
  auto kept = s.get_action("a1_2");
  EXPECT_EQ(kept->state, "done");
  EXPECT_EQ(kept->error, "");
  EXPECT_EQ(kept->finished_at, now_ + std::chrono::seconds(5));
  EXPECT_EQ(*s.fail_running_actions(restart + std::chrono::minutes(1)), 0);
  EXPECT_TRUE(s.list_running_actions("s1")->empty());
  EXPECT_EQ(s.get_action("a1_1")->finished_at, restart);
}

// A file of schema version 4 (before actions were stored) upgrades to the latest version, keeps
// its sessions, and then stores actions.
TEST_F(StoreTest, UpgradesASchema4StoreAndThenKeepsActions) {
  const fs::path file = Store::database_path(dir_ / "state");
  fs::create_directories(file.parent_path());
  {
    auto old = Store::open_file_at_version(file, 4);
    ASSERT_TRUE(old.ok()) << old.error().to_string();
    EXPECT_EQ(*old->schema_version(), 4);
    // As the version-4 code wrote it (today's create_session writes columns of later versions).
    ASSERT_TRUE(old->database()
                    .exec("INSERT INTO sessions (id, lab_path, lab_id, seed, created_at, desired, "
                          "status, feedback, created_by, "
                          "check_interval_s) VALUES ('old4', '/labs/demo/lab.yaml', 'demo', 42, "
                          "1700000000123, 'active', 'pending', "
                          "1, 'cli', 30);"
                          "INSERT INTO candidate_labs (session, candidate, status, updated_at) "
                          "VALUES ('old4', 'c01', 'pending', 1700000000123);")
                    .ok());
    // The version-4 schema really has no actions table.
    EXPECT_FALSE(old->database().exec("SELECT id FROM actions").ok());
  }
  auto upgraded = Store::open(dir_ / "state");
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().to_string();
  EXPECT_EQ(*upgraded->schema_version(), Store::latest_schema_version());
  EXPECT_GE(Store::latest_schema_version(), 5);
  EXPECT_EQ(upgraded->get_session("old4")->check_interval, std::chrono::seconds(30));
  EXPECT_EQ(*upgraded->fail_running_actions(now_), 0);
  ActionRecord a{"a9_1", "reset", "old4", {"c01"}, "", "running", "", "", "[]", now_, std::nullopt};
  ASSERT_TRUE(upgraded->put_action(a).ok());
  EXPECT_EQ(upgraded->get_action("a9_1")->session, "old4");
}

// Evaluator actions: notes, overrides and the freeze, each with its audit entry; after the
// freeze results are ignored (add_result gives false) and overrides refused.
TEST_F(StoreTest, AnnotationsOverridesAndFreezeAreAudited) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01", "c02"}, audit("a")).ok());
  ASSERT_TRUE(s.create_session(session("s2"), {"c01"}, audit("a")).ok());
  const auto later = now_ + std::chrono::minutes(5);

  AnnotationRecord note{
      0, "s1", "c01", "T1", "r-1", "Le partage est réparé, mais à la main", "3fa2 (jury)", later};
  auto seq = s.add_annotation(note, "3fa2");
  ASSERT_TRUE(seq.ok()) << seq.error().to_string();
  EXPECT_GT(*seq, 0);
  ASSERT_TRUE(
      s.add_annotation({0, "s1", "c02", "", "", "absent 10 min", "3fa2 (jury)", later}, "3fa2")
          .ok());
  EXPECT_EQ(s.add_annotation({0, "s1", "c01", "T1", "", "  ", "w", later}, "w").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.add_annotation({0, "s1", "zz", "T1", "", "x", "w", later}, "w").error().code(),
            ErrorCode::kNotFound);
  auto notes = s.list_annotations("s1", "c01");
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ(notes->front().text, "Le partage est réparé, mais à la main");
  EXPECT_EQ(notes->front().result_id, "r-1");
  EXPECT_EQ(notes->front().at, later);
  EXPECT_EQ(s.list_annotations("s1")->size(), 2u);

  OverrideRecord o{0,    "s1", "c01", "T1", 2.5, "Réparé sans la commande attendue", "3fa2 (jury)",
                   later};
  ASSERT_TRUE(s.add_override(o, "3fa2").ok());
  o.justification = " \t";
  EXPECT_EQ(s.add_override(o, "3fa2").error().code(), ErrorCode::kInvalidArgument);
  o.justification = "x";
  o.points = -1;
  EXPECT_EQ(s.add_override(o, "3fa2").error().code(), ErrorCode::kInvalidArgument);
  o.points = 1;
  o.candidate = "zz";
  EXPECT_EQ(s.add_override(o, "3fa2").error().code(), ErrorCode::kNotFound);
  auto overrides = s.list_overrides("s1");
  ASSERT_EQ(overrides->size(), 1u);
  EXPECT_EQ(overrides->front().points, 2.5);
  EXPECT_EQ(overrides->front().justification, "Réparé sans la commande attendue");
  EXPECT_EQ(overrides->front().who, "3fa2 (jury)");
  EXPECT_TRUE(s.list_overrides("s1", "c02")->empty());

  // The freeze: once, idempotent, per session.
  EXPECT_FALSE(s.get_freeze("s1")->has_value());
  EXPECT_EQ(s.get_freeze("nope").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.freeze_session("nope", later, "w", "w").error().code(), ErrorCode::kNotFound);
  ResultRecord r{"r-1",  "s1",   "c01",  "T1",    0,    "server", "share",
                 "fail", "2770", "0700", "run-1", now_, now_,     now_};
  EXPECT_EQ(*s.add_result(r), true);
  auto frozen = s.freeze_session("s1", later, "3fa2 (jury)", "3fa2");
  ASSERT_TRUE(frozen.ok()) << frozen.error().to_string();
  EXPECT_EQ(frozen->at, later);
  auto again = s.freeze_session("s1", later + std::chrono::hours(1), "other", "other");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->at, later);  // the first freeze stands
  EXPECT_EQ(again->who, "3fa2 (jury)");
  EXPECT_EQ(s.get_freeze("s1")->value().who, "3fa2 (jury)");
  EXPECT_FALSE(s.get_freeze("s2")->has_value());

  // After it: results are ignored (not stored, not an error), overrides refused, notes allowed.
  r.result_id = "r-2";
  r.status = "pass";
  EXPECT_EQ(*s.add_result(r), false);
  EXPECT_EQ(s.list_results("s1")->size(), 1u);
  r.session = "s2";
  EXPECT_EQ(*s.add_result(r), true);  // another session is not frozen
  o.candidate = "c01";
  EXPECT_EQ(s.add_override(o, "3fa2").error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(
      s.add_annotation({0, "s1", "c01", "", "", "relu après collecte", "w", later}, "w").ok());

  // Every action is in the audit log with who and when.
  auto log = *s.list_audit();
  std::vector<std::string> actions;
  for (const auto& e : log) {
    if (e.action.rfind("results.", 0) == 0) actions.push_back(e.action);
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"results.annotate", "results.annotate", "results.override",
                                      "results.collect", "results.annotate"}));
  const AuditEntry* override_entry = nullptr;
  for (const auto& e : log) {
    if (e.action == "results.override") override_entry = &e;
  }
  ASSERT_NE(override_entry, nullptr);
  EXPECT_EQ(override_entry->actor, "3fa2");
  EXPECT_EQ(override_entry->at, later);
  EXPECT_EQ(override_entry->target, "candidate s1/c01");
  EXPECT_NE(override_entry->detail.find("2.5"), std::string::npos) << override_entry->detail;
  EXPECT_NE(override_entry->detail.find("Réparé sans la commande attendue"), std::string::npos);
}

TEST_F(StoreTest, TokensAreHashedScopedAndRevocable) {
  Store s = open();
  ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("a")).ok());
  auto trainer = s.create_token(Role::kTrainer, std::nullopt, std::nullopt, "boot", now_, "cli");
  ASSERT_TRUE(trainer.ok()) << trainer.error().to_string();
  EXPECT_EQ(trainer->size(), 68u);
  auto cand = s.create_token(Role::kCandidate, "s1", "c01", "", now_, "cli");
  ASSERT_TRUE(cand.ok());
  // The secret is never stored, only its hash.
  auto st = s.database().prepare("SELECT COUNT(*) FROM tokens WHERE hash = ? OR id = ?");
  st->bind(1, *trainer).bind(2, *trainer);
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->column_int(0), 0);

  auto who = s.authenticate(*cand);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, Role::kCandidate);
  EXPECT_EQ(who->session, "s1");
  EXPECT_EQ(who->candidate, "c01");
  EXPECT_EQ(who->id, sha256_hex(*cand).substr(0, 12));
  EXPECT_EQ(s.authenticate("atl_" + std::string(64, '0')).error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(s.authenticate("").error().code(), ErrorCode::kPermissionDenied);

  EXPECT_EQ(s.create_token(Role::kCandidate, "s1", std::nullopt, "", now_, "cli").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.create_token(Role::kCandidate, "s1", "c77", "", now_, "cli").error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(s.create_token(Role::kEvaluator, "s9", std::nullopt, "", now_, "cli").error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(s.create_token(Role::kTrainer, "s1", "c01", "", now_, "cli").error().code(),
            ErrorCode::kInvalidArgument);

  ASSERT_TRUE(s.revoke_token(who->id, audit("token.revoke")).ok());
  EXPECT_EQ(s.authenticate(*cand).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(s.list_tokens()->size(), 1u);
}

TEST_F(StoreTest, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(StoreTest, ReadersSeeConsistentDataWhileAWriterWrites) {
  {
    Store s = open();
    ASSERT_TRUE(s.create_session(session("s1"), {"c01"}, audit("a")).ok());
  }
  constexpr int kWrites = 200;
  std::atomic<bool> done{false};
  std::atomic<int> reader_errors{0};
  std::atomic<int> reads{0};
  std::atomic<int> readers_started{0};
  std::thread writer([&] {
    Store s = open();
    while (readers_started < 3) std::this_thread::yield();  // write while they read
    for (int i = 0; i < kWrites; ++i) {
      ResultRecord r{"r" + std::to_string(i),      "s1", "c01", "T1",  0,    "server", "",
                     i % 2 == 0 ? "pass" : "fail", "",   "",    "run", now_, now_,     now_};
      if (!s.add_result(r).ok()) reader_errors++;
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      Store s = open();
      std::size_t last = 0;
      readers_started++;
      do {
        auto results = s.list_results("s1");
        if (!results.ok() || results->size() < last)
          reader_errors++;
        else
          last = results->size();
        reads++;
      } while (!done);
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  EXPECT_EQ(reader_errors, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(open().list_results("s1")->size(), static_cast<std::size_t>(kWrites));
}

}  // namespace
}  // namespace atelier::store
