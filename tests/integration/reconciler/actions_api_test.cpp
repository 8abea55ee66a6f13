// The trainer's action endpoints on a real server (port 0), store, session service and
// Reconciler on libvirt's test:///default driver (no guests boot there, so labs never become
// ready: the success paths with real guests are in tests/e2e/session). Also: a destroyed
// session's objects and an unknown session's objects are removed by the reconciler.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "controller/api/api.h"
#include "controller/api/http_client.h"
#include "controller/api/roles.h"
#include "controller/api/server.h"
#include "controller/reconciler/reconciler.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"
#include "tests/integration/reconciler/test_reconciler_options.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using store::Role;

class ActionsApiTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-actions-test"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    make_session("s1", {"c01", "c02"});
    make_session("s2", {"c01"});
    add_matrix_tokens();

    // The reconciler, on the test driver, with an empty image cache: labs fail at planning
    // ("image debian12 is not built"), which is a state every action must handle.
    reconciler::ReconcilerOptions ro = reconciler::test::test_driver_options(dir_, labs_, src_);
    ro.orphan_session_prefix = "ghost";  // sessions of no store named ghost* are ours to remove
    ro.on_lab_teardown = [this](const std::string& session, const std::string& candidate) {
      std::lock_guard lock(torn_down_mutex_);
      torn_down_.push_back(session + "/" + candidate);
    };
    auto r = reconciler::Reconciler::create(ro);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    reconciler_ = std::move(*r);

    Api::Options api_options;
    api_options.operations = reconciler_.get();
    api_ = std::make_unique<Api>(*store_, *sessions_, api_options);
    ASSERT_NO_FATAL_FAILURE(start_server());
  }

  // The same, with a reconciler of these hypervisor hosts instead of the one `local`. The
  // server keeps running; its Api is replaced on its own thread, between requests.
  void restart_with_hosts(std::vector<reconciler::HypervisorTarget> hosts) {
    reconciler_->stop(std::chrono::seconds(10));
    reconciler::ReconcilerOptions ro = reconciler::test::test_driver_options(dir_, labs_, src_);
    ro.hosts = std::move(hosts);
    auto r = reconciler::Reconciler::create(ro);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    std::unique_ptr<reconciler::Reconciler> next = std::move(*r);
    Api::Options api_options;
    api_options.operations = next.get();
    std::promise<void> swapped;
    boost::asio::post(io_, [&] {
      api_ = std::make_unique<Api>(*store_, *sessions_, api_options);
      swapped.set_value();
    });
    swapped.get_future().wait();
    reconciler_ = std::move(next);
  }

  void TearDown() override {
    if (reconciler_) reconciler_->stop(std::chrono::seconds(10));
    stop_server();
    api_.reset();
    reconciler_.reset();
    ApiHarness::TearDown();
  }
  // Runs reconciler passes, each followed by its jobs to their end, until every lab of
  // `session` has `status` (at most `passes`: no wall-clock polling).
  bool settle(const std::string& session, store::LabStatus status, int passes = 5) {
    for (int i = 0; i < passes; ++i) {
      EXPECT_TRUE(reconciler_->reconcile_once().ok());
      reconciler_->wait_idle();
      auto labs = store_->list_candidate_labs(session);
      bool all = labs.ok() && !labs->empty();
      for (const auto& l : *labs) all = all && l.status == status;
      if (all) return true;
    }
    return false;
  }

  std::unique_ptr<reconciler::Reconciler> reconciler_;
  std::mutex torn_down_mutex_;
  std::vector<std::string> torn_down_;  // on_lab_teardown's calls: SESSION/CANDIDATE
};

using test_support::MatrixRow;

TEST_F(ActionsApiTest, RoleMatrixOfTheActionEndpoints) {
  const std::string c01 = "/sessions/s1/candidates/c01";
  // The trainer is let through; the labs are not ready, so the reconciler answers 409.
  const std::vector<MatrixRow> rows = {
      {Endpoint::kResetLab,
       "POST",
       c01 + "/reset",
       R"({"host":"server"})",
       {401, 401, 409, 403, 403, 403, 403, 403}},
      {Endpoint::kSolveLab, "POST", c01 + "/solve", "", {401, 401, 409, 403, 403, 403, 403, 403}},
      {Endpoint::kRunChecks,
       "POST",
       "/sessions/s1/checks",
       "",
       {401, 401, 409, 403, 403, 403, 403, 403}},
      {Endpoint::kGetAction,
       "GET",
       "/sessions/s1/actions/a1_1",
       "",
       {401, 401, 404, 403, 403, 403, 403, 403}},
  };
  expect_role_matrix(rows);
  // Every action endpoint of the role table is in this matrix.
  for (auto e :
       {Endpoint::kResetLab, Endpoint::kSolveLab, Endpoint::kRunChecks, Endpoint::kGetAction}) {
    bool found = false;
    for (const auto& row : rows) found = found || row.endpoint == e;
    EXPECT_TRUE(found);
  }
}

TEST_F(ActionsApiTest, UnknownIdsAre404) {
  EXPECT_EQ(call("POST", "/sessions/nope/candidates/c01/reset", "trainer").status, 404);
  EXPECT_EQ(call("POST", "/sessions/s1/candidates/nope/reset", "trainer").status, 404);
  EXPECT_EQ(call("POST", "/sessions/s1/candidates/nope/solve", "trainer").status, 404);
  EXPECT_EQ(call("POST", "/sessions/nope/checks", "trainer").status, 404);
  EXPECT_EQ(call("POST", "/sessions/s1/checks", "trainer", R"({"candidate":"nope"})").status, 404);
  EXPECT_EQ(call("GET", "/sessions/s1/actions/nope", "trainer").status, 404);
  EXPECT_EQ(call("GET", "/sessions/nope/actions/nope", "trainer").status, 404);
  EXPECT_EQ(call("GET", "/sessions/s1/candidates/nope/access", "trainer").status, 404);
  // Wrong methods are 405.
  EXPECT_EQ(call("GET", "/sessions/s1/checks", "trainer").status, 405);
  EXPECT_EQ(call("DELETE", "/sessions/s1/candidates/c01/reset", "trainer").status, 405);
}

TEST_F(ActionsApiTest, BadBodiesAre400) {
  for (const char* body : {"{", "[]", R"({"host":1})", R"({"hots":"server"})", R"({"move":"yes"})",
                           R"({"host":"server","move":true})"}) {
    HttpResponse r = call("POST", "/sessions/s1/candidates/c01/reset", "trainer", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_EQ(error_code(r), "bad_json") << body;
  }
  EXPECT_EQ(call("POST", "/sessions/s1/checks", "trainer", R"({"candidate":7})").status, 400);
  EXPECT_EQ(call("POST", "/sessions/s1/candidates/c01/solve", "trainer", R"({"x":1})").status, 400);
}

TEST_F(ActionsApiTest, ALabThatFailedCanBeResetAndTheActionIsFollowedToItsEnd) {
  // test:///default has 3 GiB: room for two demo labs (1 GiB each with overhead, 10% kept).
  // s1 goes, so that s2's lab is placed.
  ASSERT_TRUE(sessions_->destroy("s1", "test").ok());
  ASSERT_TRUE(settle("s2", store::LabStatus::kFailed));
  auto lab = store_->get_candidate_lab("s2", "c01");
  ASSERT_TRUE(lab.ok());
  EXPECT_NE(lab->error.find("atelier image build debian12"), std::string::npos) << lab->error;
  EXPECT_EQ(lab->host, std::optional<std::string>("local"));

  // Access: the lab is not planned, so no console or SSH yet, but its addresses.
  HttpResponse acc = call("GET", "/sessions/s2/candidates/c01/access", "trainer_s2");
  ASSERT_EQ(acc.status, 200) << acc.body;
  auto a = json::parse(acc.body);
  EXPECT_TRUE(a.at("console").is_null());
  EXPECT_EQ(a.at("hosts").as_array().size(), 2u);

  // Reset of one host needs a planned lab: 409. The whole lab: accepted (202), then it fails
  // again for the same reason, and the action says so.
  EXPECT_EQ(
      call("POST", "/sessions/s2/candidates/c01/reset", "trainer", R"({"host":"server"})").status,
      409);
  HttpResponse r = call("POST", "/sessions/s2/candidates/c01/reset", "trainer_s2", "");
  ASSERT_EQ(r.status, 202) << r.body;
  auto started = json::parse(r.body);
  EXPECT_EQ(started.at("kind").as_string(), "reset");
  EXPECT_EQ(started.at("state").as_string(), "running");
  std::string id(started.at("id").as_string());
  reconciler_->wait_idle();  // the action's job has ended
  HttpResponse g = call("GET", "/sessions/s2/actions/" + id, "trainer");
  ASSERT_EQ(g.status, 200) << g.body;
  json::value now = json::parse(g.body);
  EXPECT_EQ(now.at("state").as_string(), "failed");
  EXPECT_NE(std::string(now.at("error").as_string()).find("not built"), std::string::npos) << now;
  EXPECT_FALSE(now.at("finished_at").is_null());
  // The action is found only under its own session.
  EXPECT_EQ(call("GET", "/sessions/s1/actions/" + id, "trainer").status, 404);
  // The reset is audited.
  auto audit = store_->list_audit();
  ASSERT_TRUE(audit.ok());
  bool found = false;
  for (const auto& e : *audit)
    found = found || (e.action == "lab.reset" && e.target == "candidate s2/c01");
  EXPECT_TRUE(found);
}

TEST_F(ActionsApiTest, AMoveProvisionsTheLabAgainOnAnotherHost) {
  // One host: the move is accepted (the lab is placed) and fails saying there is no other.
  ASSERT_TRUE(sessions_->destroy("s1", "test").ok());
  ASSERT_TRUE(settle("s2", store::LabStatus::kFailed));
  HttpResponse alone =
      call("POST", "/sessions/s2/candidates/c01/reset", "trainer_s2", R"({"move":true})");
  ASSERT_EQ(alone.status, 202) << alone.body;
  reconciler_->wait_idle();
  json::value failed = json::parse(
      call("GET",
           "/sessions/s2/actions/" + std::string(json::parse(alone.body).at("id").as_string()),
           "trainer")
          .body);
  EXPECT_EQ(failed.at("state").as_string(), "failed");
  EXPECT_NE(std::string(failed.at("error").as_string()).find("no hypervisor host other than local"),
            std::string::npos)
      << failed;

  // Two hosts (each test:///default connection is a hypervisor of its own): the lab goes to
  // the other one and is provisioned there (where it fails at planning again, as it would on
  // any host without the image).
  ASSERT_NO_FATAL_FAILURE(
      restart_with_hosts({{"local", "test:///default"}, {"second", "test:///default"}}));
  ASSERT_TRUE(settle("s2", store::LabStatus::kFailed));
  const std::string before = store_->get_candidate_lab("s2", "c01")->host.value_or("");
  ASSERT_FALSE(before.empty());
  HttpResponse moved =
      call("POST", "/sessions/s2/candidates/c01/reset", "trainer_s2", R"({"move":true})");
  ASSERT_EQ(moved.status, 202) << moved.body;
  reconciler_->wait_idle();
  auto lab = store_->get_candidate_lab("s2", "c01");
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(lab->host, std::optional<std::string>(before == "local" ? "second" : "local"));
  EXPECT_NE(lab->error.find("not built"), std::string::npos) << lab->error;
  auto audit = store_->list_audit();
  ASSERT_TRUE(audit.ok());
  bool found = false;
  for (const auto& e : *audit)
    found = found || (e.action == "lab.move" && e.detail == "from host " + before);
  EXPECT_TRUE(found);
}

TEST_F(ActionsApiTest, DestroyedSessionsAndUnknownSessionsLeaveNoObjects) {
  // On the test driver, networks are real objects: make one for an unknown session and let the
  // reconciler remove it; destroy s1 and see it reach destroyed.
  provider::LibvirtOptions lo;
  lo.uri = "test:///default";
  lo.overlay_dir = (dir_ / "overlays").string();
  auto p = provider::make_libvirt_provider(lo);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  // test:///default is per process: the reconciler's connection sees the same objects.
  ASSERT_TRUE((*p)->define_network({{"ghost", "c01", "lan"}, false, std::nullopt}).ok());
  // An unknown session outside the prefix is someone else's (a trainer's lab prove): kept.
  ASSERT_TRUE((*p)->define_network({{"prove42", "c01", "lan"}, false, std::nullopt}).ok());
  ASSERT_TRUE(sessions_->destroy("s1", "test").ok());
  ASSERT_TRUE(settle("s1", store::LabStatus::kDestroyed));
  {
    // Each lab of s1 was announced once to the edges (atelierd closes its consoles), s2's none.
    std::lock_guard lock(torn_down_mutex_);
    std::sort(torn_down_.begin(), torn_down_.end());
    EXPECT_EQ(torn_down_, (std::vector<std::string>{"s1/c01", "s1/c02"}));
  }
  auto s = store_->get_session("s1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->status, store::LabStatus::kDestroyed);
  auto left = (*p)->list(std::nullopt);
  ASSERT_TRUE(left.ok());
  bool kept = false;
  for (const auto& o : *left) {
    EXPECT_NE(o.ref.session, "ghost") << o.libvirt_name;
    EXPECT_NE(o.ref.session, "s1") << o.libvirt_name;
    kept = kept || o.ref.session == "prove42";
  }
  EXPECT_TRUE(kept) << "the reconciler removed objects of a session outside its orphan prefix";
  EXPECT_TRUE((*p)->destroy_session("prove42").ok());
  // Actions on a destroyed session are refused.
  EXPECT_EQ(call("POST", "/sessions/s1/checks", "trainer").status, 409);
}

}  // namespace
}  // namespace atelier::api
