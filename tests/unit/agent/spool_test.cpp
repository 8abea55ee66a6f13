// The spool keeps results durably until every result id is acked; duplicates and unknown acks
// are harmless.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "agent/spool.h"
#include "tests/support/test_support.h"

namespace atelier::agent {
namespace {
namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  static protocol::Results results(const std::string& bundle, int n) {
    protocol::Results r;
    r.bundle_id = bundle;
    r.host = "web";
    for (int i = 0; i < n; ++i) {
      protocol::CheckResult c;
      c.result_id = bundle + "/" + std::to_string(i);
      c.index = static_cast<std::size_t>(i);
      c.kind = "file";
      c.status = protocol::CheckStatus::kPass;
      r.results.push_back(c);
    }
    return r;
  }
  test_support::TempDir tmp_{"atelier-spool"};
  fs::path dir_ = tmp_.path();
};

TEST_F(SpoolTest, KeepsResultsUntilEveryIdIsAcked) {
  Spool spool(dir_ / "spool");
  EXPECT_EQ(spool.size(), 0u);
  EXPECT_TRUE(spool.pending().empty());
  ASSERT_TRUE(spool.store(results("b1", 2)).ok());
  ASSERT_TRUE(spool.store(results("b/2", 1)).ok());  // a bundle id with a slash stays one file
  EXPECT_EQ(spool.size(), 2u);
  // File names must not change between agent versions (an upgraded agent must find them):
  // the bundle id, then its FNV-1a hash.
  EXPECT_TRUE(fs::exists(dir_ / "spool" / "b1-8a60307b54d7e7c.json"));

  // A new Spool on the same folder (the agent restarted) sees the same results.
  Spool again(dir_ / "spool");
  auto pending = again.pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].bundle_id, "b1");
  EXPECT_EQ(pending[0].results.size(), 2u);

  ASSERT_TRUE(again.ack({"b1", {"b1/0"}}).ok());
  pending = again.pending();
  ASSERT_EQ(pending.size(), 2u);
  auto b1 = std::find_if(pending.begin(), pending.end(),
                         [](const auto& r) { return r.bundle_id == "b1"; });
  ASSERT_NE(b1, pending.end());
  ASSERT_EQ(b1->results.size(), 1u);
  EXPECT_EQ(b1->results[0].result_id, "b1/1");

  ASSERT_TRUE(again.ack({"b1", {"b1/1", "b1/0"}}).ok());  // b1/0 twice: harmless
  ASSERT_TRUE(again.ack({"unknown", {"x"}}).ok());
  ASSERT_TRUE(again.ack({"b/2", {"b/2/0"}}).ok());
  EXPECT_EQ(again.size(), 0u);
  for (const auto& e : fs::directory_iterator(dir_ / "spool"))
    ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(SpoolTest, SkipsAnUnreadableFileAndSaysSo) {
  Spool spool(dir_);
  ASSERT_TRUE(spool.store(results("good", 1)).ok());
  {
    std::FILE* f = std::fopen((dir_ / "broken.json").c_str(), "w");
    std::fputs("{not json\n", f);
    std::fclose(f);
  }
  std::vector<std::string> errors;
  auto pending = spool.pending(&errors);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].bundle_id, "good");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("broken.json"), std::string::npos);
}

TEST_F(SpoolTest, StoreFailsWithContextWhenTheFolderCannotBeCreated) {
  Spool spool("/proc/atelier-no-such/spool");
  auto st = spool.store(results("b", 1));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().to_string().find("create spool"), std::string::npos)
      << st.error().to_string();
}

}  // namespace
}  // namespace atelier::agent
