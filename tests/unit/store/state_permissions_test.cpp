// The state folder's permissions (issue #19): a new store is private, an old 0755/0644 one is
// tightened with the changes reported, and folders QEMU must pass get traversal only.
#include "controller/store/state_permissions.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "controller/store/store.h"

namespace atelier::store {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return static_cast<unsigned>(st.st_mode) & 07777;
}

class StatePermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("atelier-perm-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
    old_umask_ = ::umask(022);  // the usual umask, under which files used to be world-readable
  }
  void TearDown() override {
    ::umask(old_umask_);
    fs::remove_all(dir_);
  }
  fs::path dir_;
  mode_t old_umask_ = 0;
};

TEST_F(StatePermissionsTest, ANewStoreIsPrivateWithItsWalAndShm) {
  const fs::path state = dir_ / "state";
  {
    auto s = Store::open(state);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    ASSERT_TRUE(s->append_audit({0, Clock::now(), "cli", "test", "x", "y"}).ok());
    EXPECT_EQ(mode_of(state), 0700u);
    EXPECT_EQ(mode_of(state / "atelier.db"), 0600u);
    ASSERT_TRUE(fs::exists(state / "atelier.db-wal"));
    EXPECT_EQ(mode_of(state / "atelier.db-wal"), 0600u);
    EXPECT_EQ(mode_of(state / "atelier.db-shm"), 0600u);
  }
}

TEST_F(StatePermissionsTest, AnExistingOpenStoreIsTightenedAndEachChangeReported) {
  const fs::path state = dir_ / "state";
  fs::create_directories(state);
  ::chmod(state.c_str(), 0755);
  std::ofstream(state / "atelier.db") << "";
  std::ofstream(state / "access.key") << "k\n";
  std::ofstream(state / "signing.key") << "k\n";
  ::chmod((state / "atelier.db").c_str(), 0644);
  ::chmod((state / "access.key").c_str(), 0644);
  ::chmod((state / "signing.key").c_str(), 0640);

  auto changes = secure_state_dir(state, {});
  ASSERT_TRUE(changes.ok()) << changes.error().to_string();
  EXPECT_EQ(mode_of(state), 0700u);
  EXPECT_EQ(mode_of(state / "atelier.db"), 0600u);
  EXPECT_EQ(mode_of(state / "access.key"), 0600u);
  EXPECT_EQ(mode_of(state / "signing.key"), 0600u);
  ASSERT_EQ(changes->size(), 4u);
  for (const auto& c : *changes) {
    EXPECT_TRUE(c.from == 0755u || c.from == 0644u || c.from == 0640u)
        << c.path << " " << mode_string(c.from);
  }
  // Idempotent: nothing more to change the second time.
  auto again = secure_state_dir(state, {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_F(StatePermissionsTest, FoldersQemuPassesThroughGetTraversalOnly) {
  const fs::path state = dir_ / "state";
  fs::create_directories(state / "labs");
  fs::create_directories(state / "overlays" / "pool");
  fs::create_directories(state / "private");
  for (auto p : {state, state / "labs", state / "overlays", state / "overlays" / "pool",
                 state / "private"}) {
    ::chmod(p.c_str(), 0755);
  }
  // A run folder outside the state folder changes nothing there.
  auto changes =
      secure_state_dir(state, {state / "labs", state / "overlays" / "pool", dir_ / "elsewhere"});
  ASSERT_TRUE(changes.ok()) << changes.error().to_string();
  EXPECT_EQ(mode_of(state), 0711u);
  EXPECT_EQ(mode_of(state / "labs"), 0711u);
  EXPECT_EQ(mode_of(state / "overlays"), 0711u);
  EXPECT_EQ(mode_of(state / "overlays" / "pool"), 0711u);
  EXPECT_EQ(mode_of(state / "private"), 0755u);  // not ours to decide
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere"));
}

TEST_F(StatePermissionsTest, ASymlinkInPlaceOfAPrivateFileIsNotFollowed) {
  const fs::path state = dir_ / "state";
  fs::create_directories(state);
  std::ofstream(dir_ / "outside") << "x";
  ::chmod((dir_ / "outside").c_str(), 0644);
  fs::create_symlink(dir_ / "outside", state / "access.key");
  ASSERT_TRUE(secure_state_dir(state, {}).ok());
  EXPECT_EQ(mode_of(dir_ / "outside"), 0644u);
}

}  // namespace
}  // namespace atelier::store
