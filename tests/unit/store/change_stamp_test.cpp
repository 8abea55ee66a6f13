// Store::change_stamp, which the event feeds poll before reading a snapshot: it must move after
// every commit, this connection's or another's (atelierd's reconciler and API have one each), and
// stay put when nothing was written, or reads happened.
#include <gtest/gtest.h>

#include "controller/store/store.h"
#include "tests/support/test_support.h"

namespace atelier::store {
namespace {

SessionRecord session(std::string id) {
  SessionRecord s;
  s.id = std::move(id);
  s.lab_path = "/labs/demo/lab.yaml";
  s.lab_id = "demo";
  s.created_at = Clock::now();
  s.created_by = "cli";
  return s;
}

AuditEntry audit() {
  return {0, Clock::now(), "tester", "session.create", "t", ""};
}

ChangeStamp stamp(Store& s) {
  auto st = s.change_stamp();
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().to_string());
  return st.ok() ? *st : ChangeStamp{-1, -1};
}

class ChangeStampTest : public ::testing::Test {
 protected:
  Store open() {
    auto s = Store::open(dir_ / "state");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
    return std::move(s).value();
  }
  test_support::TempDir dir_{"atelier-stamp-test"};
};

TEST_F(ChangeStampTest, StaysPutWithoutWritesAndAcrossReads) {
  Store s = open();
  ASSERT_OK(s.create_session(session("s1"), {"c01"}, audit()));
  const ChangeStamp before = stamp(s);
  ASSERT_TRUE(s.get_session("s1").ok());
  ASSERT_TRUE(s.list_candidate_labs("s1").ok());
  EXPECT_EQ(stamp(s), before);
}

TEST_F(ChangeStampTest, MovesAfterThisConnectionsCommit) {
  Store s = open();
  ASSERT_OK(s.create_session(session("s1"), {"c01"}, audit()));
  const ChangeStamp before = stamp(s);
  auto lab = s.get_candidate_lab("s1", "c01");
  ASSERT_TRUE(lab.ok());
  lab->status = LabStatus::kProvisioning;
  ASSERT_OK(s.update_candidate_lab(*lab));
  const ChangeStamp after = stamp(s);
  EXPECT_NE(after, before);
  EXPECT_EQ(after.others, before.others);  // its own write: only `own` moved
}

TEST_F(ChangeStampTest, MovesAfterAnotherConnectionsCommit) {
  Store reader = open();
  Store writer = open();
  ASSERT_OK(writer.create_session(session("s1"), {"c01"}, audit()));
  const ChangeStamp before = stamp(reader);
  ASSERT_OK(writer.set_session_status("s1", LabStatus::kProvisioning));
  const ChangeStamp after = stamp(reader);
  EXPECT_NE(after, before);
  EXPECT_EQ(after.own, before.own);  // the reader wrote nothing
  EXPECT_EQ(stamp(reader), after);   // and nothing more happened
}

}  // namespace
}  // namespace atelier::store
