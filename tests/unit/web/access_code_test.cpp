// Unit tests of candidate access codes: the form and spread of generated codes, normalisation
// of typed input, keyed hashing, constant-time compare and the failed-login limiter.
#include "controller/sessions/access_code.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>

namespace atelier::sessions {
namespace {

TEST(AccessCode, GeneratedCodesHaveTheFormAndOnlyUnambiguousSymbols) {
  const std::regex form(
      "[2346789ACDEFGHJKMNPQRTWXY]{3}-[2346789ACDEFGHJKMNPQRTWXY]{3}-[2346789ACDEFGHJKMNPQRTWXY]{"
      "3}");
  for (int i = 0; i < 200; ++i) {
    auto code = generate_access_code();
    ASSERT_TRUE(code.ok());
    EXPECT_TRUE(std::regex_match(code.value(), form)) << code.value();
    for (char bad : std::string("0O1IlL5SBZUV"))
      EXPECT_EQ(code.value().find(bad), std::string::npos);
  }
}

TEST(AccessCode, AtLeastFortyBitsAndNoRepeatsInManyDraws) {
  EXPECT_GE(kAccessCodeSymbols * std::log2(static_cast<double>(kAccessCodeAlphabet.size())), 40.0);
  std::set<std::string> seen;
  std::map<char, int> counts;
  const int draws = 5000;
  for (int i = 0; i < draws; ++i) {
    auto code = generate_access_code().value();
    EXPECT_TRUE(seen.insert(code).second) << "repeat " << code;
    for (char c : code)
      if (c != '-') ++counts[c];
  }
  // Every symbol is used, none grossly over-represented (expected 1800 each of 45000).
  ASSERT_EQ(counts.size(), kAccessCodeAlphabet.size());
  for (auto [c, n] : counts) {
    EXPECT_GT(n, 1400) << c;
    EXPECT_LT(n, 2200) << c;
  }
}

TEST(AccessCode, NormalisesWhatAPersonTypes) {
  struct Case {
    const char* typed;
    const char* want;
  };
  const Case cases[] = {
      {"7KQ-M4F-2XP", "7KQ-M4F-2XP"}, {"7kq-m4f-2xp", "7KQ-M4F-2XP"},
      {"7KQM4F2XP", "7KQ-M4F-2XP"},   {" 7kq m4f 2xp ", "7KQ-M4F-2XP"},
      {"7KQ--M4F2XP", "7KQ-M4F-2XP"}, {"7kq.m4f.2xp", "7KQ-M4F-2XP"},
  };
  for (const auto& c : cases) {
    auto got = normalize_access_code(c.typed);
    ASSERT_TRUE(got.ok()) << c.typed;
    EXPECT_EQ(got.value(), c.want) << c.typed;
  }
}

TEST(AccessCode, RejectsWrongLengthsAndForeignSymbols) {
  for (const char* typed : {"", "7KQ-M4F-2X", "7KQ-M4F-2XPA", "7KQ-M4F-2X0", "7KQ-M4F-2XO",
                            "7KQ-M1F-2XP", "7KQ<M4F>2XP", "7KQ-M4F-2XP\n", "ÉKQ-M4F-2XP"}) {
    auto got = normalize_access_code(typed);
    ASSERT_FALSE(got.ok()) << typed;
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(got.error().message().find(typed[0] ? typed : "\x01"), std::string::npos)
        << "echoes input";
  }
}

TEST(AccessCode, HashIsKeyedDeterministicAndHex) {
  auto h1 = hash_access_code("7KQ-M4F-2XP", "server-key-1");
  EXPECT_EQ(h1.size(), 64u);
  EXPECT_EQ(h1, hash_access_code("7KQ-M4F-2XP", "server-key-1"));
  EXPECT_NE(h1, hash_access_code("7KQ-M4F-2XP", "server-key-2"));
  EXPECT_NE(h1, hash_access_code("7KQ-M4F-2XQ", "server-key-1"));
  EXPECT_EQ(h1.find_first_not_of("0123456789abcdef"), std::string::npos);
  // RFC 4231 test case 2 pins the construction to HMAC-SHA-256.
  EXPECT_EQ(hash_access_code("what do ya want for nothing?", "Jefe"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AccessCode, DigestsCompare) {
  EXPECT_TRUE(digests_equal("abcd", "abcd"));
  EXPECT_FALSE(digests_equal("abcd", "abce"));
  EXPECT_FALSE(digests_equal("abcd", "abc"));
  EXPECT_TRUE(digests_equal("", ""));
}

using namespace std::chrono_literals;
using Clock = LoginRateLimiter::Clock;

TEST(LoginRateLimiter, RefusesAfterMaxFailuresUntilTheWindowPasses) {
  LoginRateLimiter limiter(3, 60s);
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.allowed("10.0.0.1", t0 + i * 1s));
    limiter.record_failure("10.0.0.1", t0 + i * 1s);
  }
  EXPECT_FALSE(limiter.allowed("10.0.0.1", t0 + 3s));
  EXPECT_EQ(limiter.retry_after_seconds("10.0.0.1", t0 + 3s), 57);
  EXPECT_TRUE(limiter.allowed("10.0.0.2", t0 + 3s)) << "other addresses are not affected";
  EXPECT_FALSE(limiter.allowed("10.0.0.1", t0 + 59s));
  EXPECT_TRUE(limiter.allowed("10.0.0.1", t0 + 60s)) << "the oldest failure left the window";
  EXPECT_EQ(limiter.retry_after_seconds("10.0.0.1", t0 + 60s), 0);
}

TEST(LoginRateLimiter, SuccessClearsAndMemoryIsBounded) {
  LoginRateLimiter limiter(2, 60s, 4);
  const Clock::time_point t0{};
  limiter.record_failure("a", t0);
  limiter.record_failure("a", t0);
  EXPECT_FALSE(limiter.allowed("a", t0));
  limiter.record_success("a");
  EXPECT_TRUE(limiter.allowed("a", t0));
  for (int i = 0; i < 10; ++i) limiter.record_failure("addr" + std::to_string(i), t0 + i * 1s);
  EXPECT_LE(limiter.tracked(), 4u);
  limiter.record_failure("addr9", t0 + 10s);
  EXPECT_FALSE(limiter.allowed("addr9", t0 + 10s)) << "the newest addresses are kept";
}

}  // namespace
}  // namespace atelier::sessions
