// The Reconciler on libvirt's test:///default driver with an injected steady clock: orphan
// collection runs when the clock says its interval has passed (no wall-clock waits), and after a
// restart a new Reconciler keeps the objects of the labs the store places on its host and
// removes only those of no lab.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>

#include "controller/provider/provider.h"
#include "controller/reconciler/reconciler.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"
#include "tests/integration/reconciler/test_reconciler_options.h"

namespace atelier::reconciler {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-reconciler-" + std::to_string(rd()));
    fs::create_directories(dir_ / "labs");
    fs::copy(src_ / "labs" / "demo", dir_ / "labs" / "demo", fs::copy_options::recursive);
    auto opened = store::Store::open(dir_ / "state");
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store_ = std::make_unique<store::Store>(std::move(opened).value());
    sessions::SessionService::Options so;
    so.labs_dir = dir_ / "labs";
    so.load.recipes_root = src_ / "ansible-free-recipes" / "recipes";
    sessions_ = std::make_unique<sessions::SessionService>(*store_, so);
    provider::LibvirtOptions lo;
    lo.uri = "test:///default";
    lo.overlay_dir = (dir_ / "overlays").string();
    auto p = provider::make_libvirt_provider(lo);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    provider_ = std::move(*p);
  }

  void TearDown() override {
    if (reconciler_) {
      EXPECT_TRUE(reconciler_->stop(10s));
    }
    reconciler_.reset();
    // test:///default lives as long as the process: leave nothing for the next test.
    if (provider_) {
      for (const char* s : {"ghost1", "s1", "prove7"}) {
        EXPECT_TRUE(provider_->destroy_session(s).ok());
      }
    }
    fs::remove_all(dir_);
  }

  void create_session(const std::string& name) {
    sessions::CreateSessionRequest req;
    req.lab = "demo";
    req.name = name;
    req.candidates = {"c01"};
    req.seed = 42;
    auto created = sessions_->create(req, "test", nullptr);
    ASSERT_TRUE(created.ok()) << created.error().to_string();
  }

  // A Reconciler as atelierd makes one, on the test clock.
  void start_reconciler() {
    ReconcilerOptions ro = test::test_driver_options(dir_, dir_ / "labs", src_);
    ro.orphan_session_prefix = "ghost";
    ro.gc_interval = 60s;
    ro.now = [this] { return SteadyClock::time_point(std::chrono::seconds(clock_.load())); };
    auto r = Reconciler::create(ro);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    reconciler_ = std::move(*r);
  }
  // One pass and every job it started, to their end.
  void pass() {
    ASSERT_TRUE(reconciler_->reconcile_once().ok());
    reconciler_->wait_idle();
  }
  bool has_objects(const std::string& session, const std::string& candidate) {
    auto owned = provider_->list(session);
    EXPECT_TRUE(owned.ok());
    bool found = false;
    for (const auto& o : owned.ok() ? *owned : std::vector<provider::OwnedObject>{}) {
      found = found || o.ref.candidate == candidate;
    }
    return found;
  }
  void define_network(const std::string& session, const std::string& candidate) {
    ASSERT_TRUE(provider_->define_network({{session, candidate, "lan"}, false, std::nullopt}).ok());
  }

  const fs::path src_ = ATELIER_SOURCE_DIR;
  fs::path dir_;
  std::atomic<long> clock_{1000};  // seconds of the injected steady clock
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sessions::SessionService> sessions_;
  std::unique_ptr<provider::Provider> provider_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, OrphansAreCollectedWhenTheInjectedClockSaysSo) {
  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  ASSERT_NO_FATAL_FAILURE(pass());  // the first pass collects at once
  ASSERT_NO_FATAL_FAILURE(define_network("ghost1", "c01"));
  ASSERT_NO_FATAL_FAILURE(pass());
  EXPECT_TRUE(has_objects("ghost1", "c01")) << "collected again before gc_interval";
  clock_ += 59;
  ASSERT_NO_FATAL_FAILURE(pass());
  EXPECT_TRUE(has_objects("ghost1", "c01")) << "collected again before gc_interval";
  clock_ += 1;
  ASSERT_NO_FATAL_FAILURE(pass());
  EXPECT_FALSE(has_objects("ghost1", "c01"));
}

TEST_F(ReconcilerTest, AfterARestartTheObjectsOfPlacedLabsAreKeptAndStraysRemoved) {
  ASSERT_NO_FATAL_FAILURE(create_session("s1"));
  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  ASSERT_NO_FATAL_FAILURE(pass());  // placed on "local"; fails at planning (no image built)
  auto lab = store_->get_candidate_lab("s1", "c01");
  ASSERT_TRUE(lab.ok());
  ASSERT_EQ(lab->host, std::optional<std::string>("local"));
  EXPECT_EQ(lab->status, store::LabStatus::kFailed) << lab->error;
  EXPECT_TRUE(reconciler_->stop(10s));
  reconciler_.reset();

  // As a previous run leaves the host: the lab's objects, a stray candidate's of the same
  // session, and a trainer's prove outside the orphan prefix.
  ASSERT_NO_FATAL_FAILURE(define_network("s1", "c01"));
  ASSERT_NO_FATAL_FAILURE(define_network("s1", "c99"));
  ASSERT_NO_FATAL_FAILURE(define_network("prove7", "c01"));
  ASSERT_NO_FATAL_FAILURE(start_reconciler());
  ASSERT_NO_FATAL_FAILURE(pass());
  EXPECT_TRUE(has_objects("s1", "c01")) << "the objects of a placed lab were removed";
  EXPECT_FALSE(has_objects("s1", "c99")) << "a candidate of no lab kept its objects";
  EXPECT_TRUE(has_objects("prove7", "c01")) << "a session outside the orphan prefix was removed";
  // The failed lab waits for a reset: no pass provisions it again.
  clock_ += 3600;
  ASSERT_NO_FATAL_FAILURE(pass());
  EXPECT_EQ(store_->get_candidate_lab("s1", "c01")->status, store::LabStatus::kFailed);
  EXPECT_EQ(reconciler_->running_jobs(), 0u);
}

}  // namespace
}  // namespace atelier::reconciler
