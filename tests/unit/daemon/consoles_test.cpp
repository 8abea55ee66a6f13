// Which API requests end a session's consoles in atelierd: a DELETE of exactly one session.
#include "controller/daemon/consoles.h"

#include <gtest/gtest.h>

namespace atelier::daemon {
namespace {

TEST(DestroyedSession, OnlyADeleteOfOneSession) {
  EXPECT_EQ(destroyed_session("DELETE", "/sessions/exam1"), "exam1");
  EXPECT_EQ(destroyed_session("DELETE", "/sessions/exam1?force=1"), "exam1");
  EXPECT_EQ(destroyed_session("GET", "/sessions/exam1"), "");
  EXPECT_EQ(destroyed_session("POST", "/sessions/exam1"), "");
  EXPECT_EQ(destroyed_session("DELETE", "/sessions/"), "");
  EXPECT_EQ(destroyed_session("DELETE", "/sessions"), "");
  EXPECT_EQ(destroyed_session("DELETE", "/sessions/exam1/candidates/alice"), "");
  EXPECT_EQ(destroyed_session("DELETE", "/tokens/exam1"), "");
}

}  // namespace
}  // namespace atelier::daemon
