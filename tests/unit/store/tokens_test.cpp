// Token lifetimes in the store (issue #19): the lifetime syntax, expiry against the caller's
// clock, a candidate token ending with its session, listing and scoped revocation.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "controller/store/store.h"

namespace atelier::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(TokenLifetime, Table) {
  struct Case {
    const char* text;
    bool ok;
    std::optional<std::chrono::seconds> want;
  };
  const Case cases[] = {
      {"90d", true, std::chrono::seconds(90 * 86400)},
      {"12h", true, 12h},
      {"30m", true, 30min},
      {"never", true, std::nullopt},
      {"3650d", true, std::chrono::seconds(3650LL * 86400)},
      {"3651d", false, {}},
      {"0d", false, {}},
      {"d", false, {}},
      {"10", false, {}},
      {"1w", false, {}},
      {"-1d", false, {}},
      {"", false, {}},
      {"99999999999999d", false, {}},
      {"Never", false, {}},
  };
  for (const auto& c : cases) {
    auto got = parse_token_lifetime(c.text);
    ASSERT_EQ(got.ok(), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(*got, c.want) << c.text;
    }
  }
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-tokens-test-" + std::to_string(rd()));
    auto s = Store::open(dir_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_.emplace(std::move(s).value());
    for (const char* id : {"s1", "s2"}) {
      SessionRecord r;
      r.id = id;
      r.lab_path = "/labs/demo/lab.yaml";
      r.lab_id = "demo";
      r.created_at = now_;
      r.created_by = "cli";
      ASSERT_TRUE(store_->create_session(r, {"c01"}, audit("session.create")).ok());
    }
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  AuditEntry audit(std::string action) { return {0, now_, "cli", std::move(action), "t", ""}; }

  fs::path dir_;
  std::optional<Store> store_;
  const TimePoint now_ = TimePoint(std::chrono::seconds(1'800'000'000));
};

TEST_F(TokenStoreTest, ATokenIsRefusedFromItsExpiryOn) {
  auto t = store_->create_token(Role::kEvaluator, std::nullopt, std::nullopt, "", now_, "cli",
                                now_ + 1h);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_TRUE(store_->authenticate(*t, now_ + 59min).ok());
  EXPECT_EQ(store_->authenticate(*t, now_ + 1h).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(store_->list_tokens(now_ + 1h)->size(), 0u);
  EXPECT_EQ(store_->list_tokens(now_)->size(), 1u);
  EXPECT_EQ(store_->list_tokens(now_)->at(0).expires_at, now_ + 1h);
  // An expiry at or before creation is a mistake, said as such.
  EXPECT_EQ(
      store_->create_token(Role::kEvaluator, std::nullopt, std::nullopt, "", now_, "cli", now_)
          .error()
          .code(),
      ErrorCode::kInvalidArgument);
}

TEST_F(TokenStoreTest, ACandidateTokenEndsWhenItsSessionIsDestroyed) {
  auto c1 = store_->create_token(Role::kCandidate, "s1", "c01", "", now_, "cli");
  auto c2 = store_->create_token(Role::kCandidate, "s2", "c01", "", now_, "cli");
  auto ev = store_->create_token(Role::kEvaluator, "s1", std::nullopt, "", now_, "cli");
  ASSERT_TRUE(c1.ok() && c2.ok() && ev.ok());
  ASSERT_TRUE(store_->authenticate(*c1, now_).ok());
  ASSERT_TRUE(
      store_->set_desired_state("s1", DesiredState::kDestroyed, audit("session.destroy")).ok());
  EXPECT_EQ(store_->authenticate(*c1, now_).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(store_->authenticate(*c2, now_).ok());
  EXPECT_TRUE(store_->authenticate(*ev, now_)
                  .ok());  // an evaluator still reads a destroyed session's results
}

TEST_F(TokenStoreTest, RevocationScopedToASessionTouchesOnlyItsTokens) {
  auto a = store_->create_token(Role::kEvaluator, "s1", std::nullopt, "", now_, "cli");
  auto b = store_->create_token(Role::kEvaluator, "s2", std::nullopt, "", now_, "cli");
  ASSERT_TRUE(a.ok() && b.ok());
  std::string id_a = sha256_hex(*a).substr(0, 12);
  std::string id_b = sha256_hex(*b).substr(0, 12);
  EXPECT_EQ(store_->list_tokens(now_, std::string("s2"))->size(), 1u);
  EXPECT_EQ(store_->revoke_token(id_a, audit("token.revoke"), std::string("s2")).error().code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(store_->authenticate(*a, now_).ok());
  EXPECT_TRUE(store_->revoke_token(id_b, audit("token.revoke"), std::string("s2")).ok());
  EXPECT_EQ(store_->authenticate(*b, now_).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(store_->revoke_token(id_b, audit("token.revoke")).error().code(), ErrorCode::kNotFound);
}

TEST_F(TokenStoreTest, LongLabelsAreRefused) {
  std::string label(kMaxTokenLabelBytes + 1, 'x');
  EXPECT_EQ(store_->create_token(Role::kEvaluator, std::nullopt, std::nullopt, label, now_, "cli")
                .error()
                .code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace atelier::store
