// The store's access codes and web sessions on a real SQLite file: a regenerated code ends the
// old code's web sessions at once, a destroyed session ends both, expiry is honoured.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "controller/store/store.h"

namespace atelier::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::minutes;

class WebStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-web-store-" + std::to_string(rd()));
    auto s = Store::open(dir_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_.emplace(std::move(s).value());
    SessionRecord rec;
    rec.id = "s1";
    rec.lab_path = "/labs/demo/lab.yaml";
    rec.lab_id = "demo";
    rec.created_at = now_;
    ASSERT_TRUE(store_->create_session(rec, {"alice", "bob"}, audit()).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  static AuditEntry audit() {
    return {0, now_, "tester", "access_code.issue", "candidate s1/alice", ""};
  }

  static inline const TimePoint now_ = TimePoint(std::chrono::milliseconds(1'700'000'000'000));
  fs::path dir_;
  std::optional<Store> store_;
};

TEST_F(WebStoreTest, CodesAreFoundByDigestAndListedBySession) {
  ASSERT_TRUE(store_->put_access_code({"s1", "alice", 1, "d-alice-1"}, audit()).ok());
  ASSERT_TRUE(store_->put_access_code({"s1", "bob", 1, "d-bob-1"}, audit()).ok());
  auto found = store_->find_access_code("d-bob-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->candidate, "bob");
  EXPECT_FALSE(store_->find_access_code("d-nobody")->has_value());
  auto list = store_->list_access_codes("s1");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].candidate, "alice");
  EXPECT_EQ(store_->list_access_codes("nope").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->put_access_code({"s1", "carol", 1, "d-carol"}, audit()).error().code(),
            ErrorCode::kNotFound);
  // Two candidates can never share a digest.
  EXPECT_FALSE(store_->put_access_code({"s1", "bob", 2, "d-alice-1"}, audit()).ok());
}

TEST_F(WebStoreTest, RegeneratingACodeEndsTheOldCodeAndItsWebSessionsAtOnce) {
  ASSERT_TRUE(store_->put_access_code({"s1", "alice", 1, "d1"}, audit()).ok());
  ASSERT_TRUE(store_->create_web_session("w1", {"s1", "alice", 1, now_ + minutes(60)}).ok());
  ASSERT_TRUE(store_->find_web_session("w1", now_)->has_value());
  ASSERT_TRUE(store_->put_access_code({"s1", "alice", 2, "d2"}, audit()).ok());
  EXPECT_FALSE(store_->find_access_code("d1")->has_value());
  EXPECT_TRUE(store_->find_access_code("d2")->has_value());
  EXPECT_FALSE(store_->find_web_session("w1", now_)->has_value());
  // Even a row that outlived the delete (written concurrently) is refused: generation differs.
  ASSERT_TRUE(store_->create_web_session("w-stale", {"s1", "alice", 1, now_ + minutes(60)}).ok());
  EXPECT_FALSE(store_->find_web_session("w-stale", now_)->has_value());
}

TEST_F(WebStoreTest, WebSessionsExpireAndEndOnLogoutAndWithTheSession) {
  ASSERT_TRUE(store_->put_access_code({"s1", "alice", 1, "d1"}, audit()).ok());
  ASSERT_TRUE(store_->create_web_session("w1", {"s1", "alice", 1, now_ + minutes(60)}).ok());
  ASSERT_TRUE(store_->create_web_session("w2", {"s1", "alice", 1, now_ + minutes(60)}).ok());
  EXPECT_FALSE(store_->find_web_session("w1", now_ + minutes(60))->has_value());
  EXPECT_TRUE(store_->find_web_session("w1", now_ + minutes(59))->has_value());
  ASSERT_TRUE(store_->delete_web_session("w1", now_).ok());
  EXPECT_FALSE(store_->find_web_session("w1", now_)->has_value());
  EXPECT_TRUE(store_->find_web_session("w2", now_)->has_value());
  ASSERT_TRUE(store_->set_desired_state("s1", DesiredState::kDestroyed, audit()).ok());
  EXPECT_FALSE(store_->find_web_session("w2", now_)->has_value());
  EXPECT_FALSE(store_->find_access_code("d1")->has_value());
}

}  // namespace
}  // namespace atelier::store
