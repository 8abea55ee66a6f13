// The trainer's actions outlive the Reconciler that ran them: a real Reconciler on libvirt's
// test:///default driver runs a reset that fails (no image is built there), is destroyed, and a
// new one on the same store answers GET /sessions/{s}/actions/{id} with the same record; an
// action a crash left `running` in the store reads `failed` ("interrupted: ...") after a start.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <random>

#include "controller/api/api.h"
#include "controller/reconciler/reconciler.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"
#include "tests/integration/reconciler/test_reconciler_options.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class ActionsRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-actions-restart-" + std::to_string(rd()));
    fs::path src = ATELIER_SOURCE_DIR;
    fs::create_directories(dir_ / "labs");
    fs::copy(src / "labs" / "demo", dir_ / "labs" / "demo", fs::copy_options::recursive);
    auto opened = store::Store::open(dir_ / "state");
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store_ = std::make_unique<store::Store>(std::move(opened).value());
    sessions::SessionService::Options options;
    options.labs_dir = dir_ / "labs";
    options.load.recipes_root = src / "ansible-free-recipes" / "recipes";
    sessions_ = std::make_unique<sessions::SessionService>(*store_, options);
    // test:///default has room for two demo labs.
    for (const std::string name : {"s1", "s2"}) {
      sessions::CreateSessionRequest req;
      req.lab = "demo";
      req.name = name;
      req.candidates = {"c01"};
      req.seed = 42;
      auto created = sessions_->create(req, "test", nullptr);
      ASSERT_TRUE(created.ok()) << created.error().to_string();
    }
    auto t =
        store_->create_token(store::Role::kTrainer, {}, {}, "test", store::Clock::now(), "test");
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    token_ = *t;
  }

  void TearDown() override {
    stop_reconciler();
    sessions_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  // A Reconciler as atelierd makes one at its start (on the test driver, with an empty image
  // cache: labs fail at planning), and the API over it.
  void start_reconciler() {
    auto r = reconciler::Reconciler::create(
        reconciler::test::test_driver_options(dir_, dir_ / "labs", ATELIER_SOURCE_DIR));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    reconciler_ = std::move(*r);
    Api::Options api_options;
    api_options.operations = reconciler_.get();
    api_ = std::make_unique<Api>(*store_, *sessions_, api_options);
  }
  // As atelierd's stop: the Reconciler and everything it held in memory are gone.
  void stop_reconciler() {
    api_.reset();
    if (reconciler_) {
      EXPECT_TRUE(reconciler_->stop(std::chrono::seconds(10)));
    }
    reconciler_.reset();
  }

  HttpResponse call(const std::string& method, const std::string& target) {
    return api_->handle(HttpRequest{method, target, "Bearer " + token_, ""});
  }
  json::object get_action(const std::string& session, const std::string& id) {
    HttpResponse r = call("GET", "/sessions/" + session + "/actions/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }
  // Reconciler passes, each followed by its jobs to their end, until the lab has failed.
  bool settle_failed(const std::string& session, const std::string& candidate, int passes = 5) {
    for (int i = 0; i < passes; ++i) {
      EXPECT_TRUE(reconciler_->reconcile_once().ok());
      reconciler_->wait_idle();
      auto lab = store_->get_candidate_lab(session, candidate);
      if (lab.ok() && lab->status == store::LabStatus::kFailed) return true;
    }
    return false;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sessions::SessionService> sessions_;
  std::unique_ptr<reconciler::Reconciler> reconciler_;
  std::unique_ptr<Api> api_;
  std::string token_;
};

TEST_F(ActionsRestartTest, AFinishedActionIsTheSameAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  ASSERT_TRUE(settle_failed("s1", "c01"));
  HttpResponse started = call("POST", "/sessions/s1/candidates/c01/reset");
  ASSERT_EQ(started.status, 202) << started.body;
  std::string id(json::parse(started.body).at("id").as_string());
  // Stored before the 202: the record is there while it runs.
  auto stored = store_->get_action(id);
  ASSERT_TRUE(stored.ok()) << stored.error().to_string();
  EXPECT_EQ(stored->kind, "reset");
  reconciler_->wait_idle();  // the action's job has ended
  json::object before = get_action("s1", id);
  ASSERT_EQ(before["state"], "failed") << before;
  EXPECT_NE(std::string(before["error"].as_string()).find("not built"), std::string::npos)
      << before;

  stop_reconciler();
  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  // The same record, field for field, read from the store by a Reconciler that never ran it.
  EXPECT_EQ(get_action("s1", id), before);
  EXPECT_EQ(call("GET", "/sessions/s2/actions/" + id).status, 404);  // only under its session
  EXPECT_EQ(call("GET", "/sessions/s1/actions/a0_0").status, 404);
}

TEST_F(ActionsRestartTest, AnActionACrashLeftRunningReadsFailedAfterAStart) {
  // As a kill -9 leaves it: written when it started, never finished.
  const auto t0 = store::Clock::now() - std::chrono::minutes(3);
  store::ActionRecord crashed;
  crashed.id = "a1700000000000_7";
  crashed.kind = "solve";
  crashed.session = "s1";
  crashed.candidates = {"c01"};
  crashed.state = "running";
  crashed.started_at = t0;
  ASSERT_TRUE(store_->put_action(crashed).ok());

  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  json::object a = get_action("s1", crashed.id);
  EXPECT_EQ(a["kind"], "solve");
  EXPECT_EQ(a["candidates"], (json::array{"c01"}));
  EXPECT_EQ(a["state"], "failed");
  EXPECT_EQ(a["error"], "interrupted: atelierd stopped before it finished; run it again");
  EXPECT_EQ(a["started_at"], json::value(iso8601(t0)));
  ASSERT_TRUE(a["finished_at"].is_string()) << a;
  EXPECT_GE(std::string(a["finished_at"].as_string()), iso8601(t0 + std::chrono::minutes(3)));
}

TEST_F(ActionsRestartTest, AStoredCheckRunKeepsItsVerdicts) {
  // A check run as the Reconciler stores it at its end (labs never become ready on the test
  // driver, so the record is written here through the same conversion).
  ActionRecord run;
  run.id = "a1700000000000_8";
  run.kind = ActionKind::kCheckRun;
  run.session = "s1";
  run.candidates = {"c01"};
  run.state = ActionState::kDone;
  run.run_id = "run-a1700000000000_8";
  run.verdicts = {{"c01", "T1", true, 2, 0}, {"c01", "T2", false, 3, 1}};
  run.started_at = store::Clock::now() - std::chrono::seconds(30);
  run.finished_at = store::Clock::now();
  ASSERT_TRUE(store_->put_action(to_stored(run)).ok());

  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  json::object a = get_action("s1", run.id);
  EXPECT_EQ(a["state"], "done");
  EXPECT_EQ(a["run_id"], "run-a1700000000000_8");
  EXPECT_EQ(a["verdicts"],
            json::parse(R"([{"candidate":"c01","task":"T1","passed":true,"checks":2,"failed":0},
                                           {"candidate":"c01","task":"T2","passed":false,"checks":3,"failed":1}])"));
  // A record that does not parse is an error, not a made-up action.
  auto bad = to_stored(run);
  bad.id = "a1700000000000_9";
  bad.verdicts = "[{\"task\": 1}]";
  ASSERT_TRUE(store_->put_action(bad).ok());
  EXPECT_EQ(call("GET", "/sessions/s1/actions/" + bad.id).status, 500);
}

}  // namespace
}  // namespace atelier::api
