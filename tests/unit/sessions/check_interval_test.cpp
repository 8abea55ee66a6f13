// A session's check interval: the accepted texts (lab-format durations and "off"), the
// canonical text, and the precedence session > lab > atelierd.
#include "controller/sessions/check_interval.h"

#include <gtest/gtest.h>

namespace atelier::sessions {
namespace {

using std::chrono::seconds;

TEST(ParseCheckInterval, Table) {
  struct Case {
    const char* text;
    long long seconds;  // -1: refused
  };
  for (const Case& c : std::initializer_list<Case>{{"30s", 30},
                                                   {"2m", 120},
                                                   {"1h30m", 5400},
                                                   {"1m30s", 90},
                                                   {"1s", 1},
                                                   {"24h", 86400},
                                                   {"off", 0},
                                                   {"0", 0},
                                                   {"0s", -1},  // zero is not "off" (issue
                                                                // 19)
                                                   {"0m", -1},
                                                   {"1000ms", 1},
                                                   {"25h", -1},     // above 24h
                                                   {"1500ms", -1},  // not whole seconds
                                                   {"500ms", -1},
                                                   {"", -1},
                                                   {"30", -1},  // a unit is required
                                                   {"-5s", -1},
                                                   {"2 m", -1},
                                                   {"30m1h", -1},  // units in decreasing order
                                                   {"OFF", -1},
                                                   {"never", -1},
                                                   {"2d", -1}}) {
    auto r = parse_check_interval(c.text);
    if (c.seconds < 0) {
      ASSERT_FALSE(r.ok()) << c.text;
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << c.text;
      EXPECT_NE(r.error().message().find("like 30s, 2m"), std::string::npos) << r.error().message();
      EXPECT_NE(r.error().message().find("off"), std::string::npos) << r.error().message();
    } else {
      ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().to_string();
      EXPECT_EQ(r->count(), c.seconds) << c.text;
    }
  }
}

TEST(FormatCheckInterval, RoundTrips) {
  EXPECT_EQ(format_check_interval(seconds(0)), "off");
  EXPECT_EQ(format_check_interval(seconds(20)), "20s");
  EXPECT_EQ(format_check_interval(seconds(120)), "2m");
  EXPECT_EQ(format_check_interval(seconds(90)), "1m30s");
  EXPECT_EQ(format_check_interval(seconds(3600)), "1h");
  EXPECT_EQ(format_check_interval(seconds(3661)), "1h1m1s");
  EXPECT_EQ(format_check_interval(seconds(7200 + 5)), "2h5s");
  for (long long s : {0LL, 1LL, 59LL, 60LL, 61LL, 3599LL, 3600LL, 5400LL, 86400LL}) {
    auto back = parse_check_interval(format_check_interval(seconds(s)));
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ(back->count(), s);
  }
}

TEST(EffectiveCheckInterval, SessionThenLabThenDaemon) {
  struct Case {
    std::optional<seconds> session;
    long long lab, daemon;
    EffectiveInterval want;
  };
  for (const Case& c : std::initializer_list<Case>{
           // nothing set anywhere: no periodic checks
           {std::nullopt, 0, 0, {seconds(0), IntervalSource::kDaemon}},
           // only atelierd
           {std::nullopt, 0, 60, {seconds(60), IntervalSource::kDaemon}},
           // the lab beats atelierd
           {std::nullopt, 120, 60, {seconds(120), IntervalSource::kLab}},
           {std::nullopt, 120, 0, {seconds(120), IntervalSource::kLab}},
           // the session beats both, shorter or longer
           {seconds(20), 120, 60, {seconds(20), IntervalSource::kSession}},
           {seconds(600), 120, 60, {seconds(600), IntervalSource::kSession}},
           {seconds(20), 0, 0, {seconds(20), IntervalSource::kSession}},
           // "off" in the session turns off what the lab and atelierd ask
           {seconds(0), 120, 60, {seconds(0), IntervalSource::kSession}},
       }) {
    EXPECT_EQ(effective_check_interval(c.session, seconds(c.lab), seconds(c.daemon)), c.want)
        << (c.session ? std::to_string(c.session->count()) : "unset") << " " << c.lab << " "
        << c.daemon;
  }
  EXPECT_EQ(to_string(IntervalSource::kSession), "session");
  EXPECT_EQ(to_string(IntervalSource::kLab), "lab");
  EXPECT_EQ(to_string(IntervalSource::kDaemon), "atelierd");
}

}  // namespace
}  // namespace atelier::sessions
