// Token lifetimes over the real server (issue #19): expiry (a default for trainers and
// evaluators, a candidate token ending with its session), listing without secrets, revocation
// (by a trainer, a session-limited trainer only within its session), and the label cap.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>

#include "controller/api/api.h"
#include "controller/store/store.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace json = boost::json;
using store::Role;
using namespace std::chrono_literals;

class TokensTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-tokens-test"));
    sessions::SessionService::Options options;
    // The API's clock, moved forward by the tests (read on the server's worker thread).
    options.clock = [this] { return start_ + std::chrono::seconds(offset_s_.load()); };
    ASSERT_NO_FATAL_FAILURE(open_store(options));
    api_ = std::make_unique<Api>(*store_, *sessions_, Api::Options{std::chrono::milliseconds(50)});
    make_session("s1", {"c01", "c02"});
    make_session("s2", {"c01"});
    tokens_["trainer"] = token(Role::kTrainer, {}, {}, "boot", start_);
    tokens_["trainer_s2"] = token(Role::kTrainer, "s2", {}, "s2 only", start_);
    ASSERT_NO_FATAL_FAILURE(start_server());
  }

  // POST /tokens as the trainer; the new token is kept as tokens_[name], its id returned.
  std::string create(const std::string& name, const std::string& body,
                     json::value* answer = nullptr) {
    HttpResponse r = call("POST", "/tokens", "trainer", body);
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    json::value v = parse(r);
    tokens_[name] = std::string(v.at("token").as_string());
    if (answer) *answer = v;
    return std::string(v.at("id").as_string());
  }

  const store::TimePoint start_ = store::Clock::now();
  std::atomic<long long> offset_s_{0};
};

TEST_F(TokensTest, AnEvaluatorTokenEndsAtItsExpiryAndTheDefaultIsNinetyDays) {
  json::value answer;
  create("short", R"({"role":"evaluator","expires":"1h"})");
  create("default", R"({"role":"evaluator"})", &answer);
  EXPECT_EQ(answer.at("expires_at").as_string(), iso8601(start_ + store::kDefaultTokenLifetime));
  EXPECT_EQ(call("GET", "/sessions", "short").status, 200);
  offset_s_ = 3601;
  EXPECT_EQ(call("GET", "/sessions", "short").status, 401);
  EXPECT_EQ(call("GET", "/sessions", "default").status, 200);
  offset_s_ =
      std::chrono::duration_cast<std::chrono::seconds>(store::kDefaultTokenLifetime).count();
  EXPECT_EQ(call("GET", "/sessions", "default").status, 401);

  HttpResponse bad = call("POST", "/tokens", "trainer", R"({"role":"evaluator","expires":"0d"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(call("POST", "/tokens", "trainer", R"({"role":"evaluator","expires":"soon"})").status,
            400);
}

TEST_F(TokensTest, ACandidateTokenEndsWithItsSession) {
  json::value answer;
  std::string id =
      create("cand", R"({"role":"candidate","session":"s1","candidate":"c01"})", &answer);
  EXPECT_TRUE(answer.at("expires_at").is_null());
  EXPECT_EQ(call("GET", "/sessions/s1/candidates/c01/tasks", "cand").status, 200);
  ASSERT_EQ(call("DELETE", "/sessions/s1", "trainer").status, 202);
  HttpResponse r = call("GET", "/sessions/s1/candidates/c01/tasks", "cand");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(error_code(r), "unauthenticated");
  // It no longer shows in the list either.
  EXPECT_EQ(call("GET", "/tokens", "trainer").body.find(id), std::string::npos);
}

TEST_F(TokensTest, TrainersListTokensWithoutSecretsAndRevokeThem) {
  std::string eval_id = create("eval", R"({"role":"evaluator","label":"jury"})");
  std::string s2_id = create("eval_s2", R"({"role":"evaluator","session":"s2"})");
  HttpResponse list = call("GET", "/tokens", "trainer");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find("atl_"), std::string::npos) << "a secret in the list";
  const json::value listed = parse(list);
  const auto& items = listed.at("tokens").as_array();
  EXPECT_EQ(items.size(), 4u);  // trainer, trainer_s2, eval, eval_s2
  bool seen = false;
  for (const auto& t : items) {
    if (t.at("id").as_string() == eval_id) {
      seen = true;
      EXPECT_EQ(t.at("label"), "jury");
      EXPECT_EQ(t.at("role"), "evaluator");
      EXPECT_FALSE(t.at("expires_at").is_null());
    }
  }
  EXPECT_TRUE(seen);

  // A session-limited trainer sees and revokes only its session's tokens.
  HttpResponse scoped = call("GET", "/tokens", "trainer_s2");
  ASSERT_EQ(scoped.status, 200);
  const json::value scoped_list = parse(scoped);
  for (const auto& t : scoped_list.at("tokens").as_array()) EXPECT_EQ(t.at("session"), "s2");
  EXPECT_EQ(call("DELETE", "/tokens/" + eval_id, "trainer_s2").status, 404);
  EXPECT_EQ(call("GET", "/sessions", "eval").status, 200);
  EXPECT_EQ(call("DELETE", "/tokens/" + s2_id, "trainer_s2").status, 200);
  EXPECT_EQ(call("GET", "/sessions/s2", "eval_s2").status, 401);

  HttpResponse revoked = call("DELETE", "/tokens/" + eval_id, "trainer");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(call("GET", "/sessions", "eval").status, 401);
  EXPECT_EQ(call("DELETE", "/tokens/" + eval_id, "trainer").status, 404);
}

TEST_F(TokensTest, LabelsAreCapped) {
  std::string label(store::kMaxTokenLabelBytes + 1, 'x');
  HttpResponse r =
      call("POST", "/tokens", "trainer", R"({"role":"evaluator","label":")" + label + R"("})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("longer than"), std::string::npos);
  label.pop_back();
  EXPECT_EQ(call("POST", "/tokens", "trainer", R"({"role":"evaluator","label":")" + label + R"("})")
                .status,
            201);
}

}  // namespace
}  // namespace atelier::api
