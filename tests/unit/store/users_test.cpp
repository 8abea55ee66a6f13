// People's accounts (issue #15): scrypt hashes (round trip, wrong password, parameters read
// back, malformed strings) and the users table (create, disable ending browser sessions at once,
// a new password ending them too, scope to a known session, names).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "controller/store/password.h"
#include "controller/store/store.h"

namespace atelier::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Cheap parameters for the tests that are not about the cost (the cost itself is tested once).
constexpr ScryptParams kFast{1024, 8, 1};

TEST(Password, RoundTripWithDefaultCost) {
  auto h = hash_password("correct horse battery");
  ASSERT_TRUE(h.ok()) << h.error().to_string();
  EXPECT_EQ(h->rfind("scrypt$32768$8$1$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password("correct horse battery", *h));
  EXPECT_FALSE(verify_password("correct horse batterz", *h));
  EXPECT_FALSE(verify_password("", *h));
}

TEST(Password, ParametersParsedBack) {
  auto h = hash_password("0123456789", ScryptParams{2048, 4, 2});
  ASSERT_TRUE(h.ok());
  auto p = parse_password_hash(*h);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->n, 2048u);
  EXPECT_EQ(p->r, 4u);
  EXPECT_EQ(p->p, 2u);
  EXPECT_TRUE(verify_password("0123456789", *h));
}

TEST(Password, SaltsDiffer) {
  auto a = hash_password("same password", kFast), b = hash_password("same password", kFast);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("same password", *a));
  EXPECT_TRUE(verify_password("same password", *b));
}

TEST(Password, MalformedOrOutOfBoundsRefused) {
  auto h = hash_password("0123456789", kFast);
  ASSERT_TRUE(h.ok());
  std::string good = *h;
  const std::string bad[] = {
      "",
      "scrypt",
      "bcrypt" + good.substr(6),
      "scrypt$1000$8$1$00112233445566778899aabbccddeeff$" + good.substr(good.rfind('$') + 1),
      "scrypt$2097152$8$1$" + good.substr(good.find("$", 17) + 1),  // N = 2^21: too costly
      "scrypt$1024$0$1$" + good.substr(good.find("$", 14) + 1),
      good.substr(0, good.size() - 1),
      good + "$x",
      "scrypt$1024$8$1$zz$" + good.substr(good.rfind('$') + 1)};
  for (const auto& s : bad) {
    EXPECT_FALSE(parse_password_hash(s).has_value()) << s;
    EXPECT_FALSE(verify_password("0123456789", s)) << s;
  }
  // One flipped digit of the key: parsed, but the password no longer matches.
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_TRUE(parse_password_hash(flipped).has_value());
  EXPECT_FALSE(verify_password("0123456789", flipped));
}

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-users-test-" + std::to_string(rd()));
    auto s = Store::open(dir_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_.emplace(std::move(s).value());
    SessionRecord r;
    r.id = "s1";
    r.lab_path = "/labs/demo/lab.yaml";
    r.lab_id = "demo";
    r.created_at = now_;
    r.created_by = "cli";
    ASSERT_TRUE(store_->create_session(r, {"c01"}, audit("session.create")).ok());
    auto h = hash_password("0123456789", kFast);
    ASSERT_TRUE(h.ok());
    hash_ = *h;
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  AuditEntry audit(std::string action) { return {0, now_, "cli", std::move(action), "user", ""}; }
  UserRecord user(std::string name, Role role, std::optional<std::string> session = {}) {
    return UserRecord{std::move(name), role, std::move(session), false, now_};
  }

  fs::path dir_;
  std::optional<Store> store_;
  TimePoint now_ = Clock::now();
  std::string hash_;
};

TEST_F(UserStoreTest, CreateFindList) {
  ASSERT_TRUE(store_->create_user(user("marie", Role::kTrainer), hash_, audit("user.create")).ok());
  ASSERT_TRUE(
      store_->create_user(user("jury.1", Role::kEvaluator, "s1"), hash_, audit("user.create"))
          .ok());
  auto found = store_->find_user("marie");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user.role, Role::kTrainer);
  EXPECT_TRUE(verify_password("0123456789", (*found)->password_hash));
  auto users = store_->list_users();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "jury.1");
  EXPECT_EQ((*users)[0].session, std::optional<std::string>("s1"));
  auto none = store_->find_user("nobody");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(UserStoreTest, RefusesBadInput) {
  EXPECT_EQ(store_->create_user(user("Marie", Role::kTrainer), hash_, audit("x")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->create_user(user("-x", Role::kTrainer), hash_, audit("x")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->create_user(user("c", Role::kCandidate), hash_, audit("x")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->create_user(user("m", Role::kTrainer), "0123456789", audit("x")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->create_user(user("m", Role::kTrainer, "s9"), hash_, audit("x")).error().code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(store_->create_user(user("m", Role::kTrainer), hash_, audit("x")).ok());
  EXPECT_EQ(store_->create_user(user("m", Role::kEvaluator), hash_, audit("x")).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->disable_user("nobody", audit("x")).error().code(), ErrorCode::kNotFound);
}

TEST_F(UserStoreTest, DisabledUserSessionsEndAtOnce) {
  ASSERT_TRUE(store_->create_user(user("marie", Role::kTrainer), hash_, audit("user.create")).ok());
  ASSERT_TRUE(store_->create_staff_session("d1", "marie", now_ + 1h).ok());
  auto open = store_->find_staff_session("d1", now_);
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->name, "marie");
  auto later = store_->find_staff_session("d1", now_ + 2h);  // expired
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later->has_value());
  ASSERT_TRUE(store_->disable_user("marie", audit("user.disable")).ok());
  auto after = store_->find_staff_session("d1", now_);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  auto found = store_->find_user("marie");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE((*found)->user.disabled);
}

TEST_F(UserStoreTest, NewPasswordEndsSessions) {
  ASSERT_TRUE(store_->create_user(user("marie", Role::kTrainer), hash_, audit("user.create")).ok());
  ASSERT_TRUE(store_->create_staff_session("d1", "marie", now_ + 1h).ok());
  auto other = hash_password("another password", kFast);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->set_user_password("marie", *other, audit("user.passwd")).ok());
  auto s = store_->find_staff_session("d1", now_);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->has_value());
  auto found = store_->find_user("marie");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE(verify_password("another password", (*found)->password_hash));
  EXPECT_FALSE(verify_password("0123456789", (*found)->password_hash));
  auto log = store_->list_audit();
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->back().action, "user.passwd");
}

}  // namespace
}  // namespace atelier::store
