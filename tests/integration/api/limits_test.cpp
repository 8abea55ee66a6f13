// The API's bounds (issue #19): GET /sessions in pages (limit/after), a lab path over the file
// system's limits is 400 naming the limit (not a 500), annotation text capped.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "controller/api/api.h"
#include "controller/store/store.h"
#include "tests/support/api_harness.h"

namespace atelier::api {
namespace {

namespace json = boost::json;
using store::Role;

class LimitsTest : public test_support::ApiHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(make_dirs("atelier-limits-test"));
    ASSERT_NO_FATAL_FAILURE(open_store());
    api_ = std::make_unique<Api>(*store_, *sessions_, Api::Options{std::chrono::milliseconds(50)});
    for (int i = 0; i < 5; ++i) make_session("s" + std::to_string(i), {"c01"});
    tokens_["trainer"] = token(Role::kTrainer, {}, {});
    tokens_["evaluator"] = token(Role::kEvaluator, {}, {});
    ASSERT_NO_FATAL_FAILURE(start_server());
  }
  std::vector<std::string> ids(const json::value& page) {
    std::vector<std::string> out;
    for (const auto& s : page.at("sessions").as_array()) out.emplace_back(s.at("id").as_string());
    return out;
  }
};

TEST_F(LimitsTest, SessionsComeInPagesFollowedByNext) {
  json::value first = parse(call("GET", "/sessions?limit=2", "trainer"));
  EXPECT_EQ(ids(first), (std::vector<std::string>{"s0", "s1"}));
  ASSERT_EQ(first.at("next"), "s1");
  json::value second = parse(call("GET", "/sessions?limit=2&after=s1", "trainer"));
  EXPECT_EQ(ids(second), (std::vector<std::string>{"s2", "s3"}));
  json::value last = parse(call("GET", "/sessions?limit=2&after=s3", "evaluator"));
  EXPECT_EQ(ids(last), (std::vector<std::string>{"s4"}));
  EXPECT_TRUE(last.at("next").is_null());
  json::value all = parse(call("GET", "/sessions", "trainer"));
  EXPECT_EQ(ids(all).size(), 5u);
  EXPECT_TRUE(all.at("next").is_null());

  for (const char* bad :
       {"/sessions?limit=0", "/sessions?limit=1001", "/sessions?limit=x", "/sessions?after=nope"}) {
    HttpResponse r = call("GET", bad, "trainer");
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
  }
}

TEST_F(LimitsTest, ALabPathOverTheLimitsIs400WithTheLimit) {
  const std::string body = R"({"lab":")" + std::string(300, 'a') + R"(","candidates":["x1"]})";
  HttpResponse r = call("POST", "/sessions", "trainer", body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_code(r), "invalid_argument");
  EXPECT_NE(r.body.find("255"), std::string::npos) << r.body;
  std::string deep;
  for (int i = 0; i < 1100; ++i) deep += "abc/";
  HttpResponse d =
      call("POST", "/sessions", "trainer", R"({"lab":")" + deep + R"(","candidates":["x1"]})");
  EXPECT_EQ(d.status, 400) << d.body;
  EXPECT_NE(d.body.find("4096"), std::string::npos) << d.body;
}

TEST_F(LimitsTest, AnnotationTextIsCapped) {
  std::string text(store::kMaxAnnotationTextBytes + 1, 'n');
  HttpResponse r = call("POST", "/sessions/s1/annotations", "evaluator",
                        R"({"candidate":"c01","text":")" + text + R"("})");
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 200);
  text.pop_back();
  EXPECT_EQ(call("POST", "/sessions/s1/annotations", "evaluator",
                 R"({"candidate":"c01","text":")" + text + R"("})")
                .status,
            201);
}

}  // namespace
}  // namespace atelier::api
