// The shared test helpers do what their failures will be trusted for: TempDir removes what it
// made, read_text reads bytes, wait_until waits for another thread and fails with a message at
// its deadline, is_ok carries the error chain.
#include "tests/support/test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/result.h"

namespace atelier::test_support {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(TempDir, IsFreshAndRemovedWithItsContents) {
  fs::path kept;
  {
    TempDir a("atelier-support");
    TempDir b("atelier-support");
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(fs::is_directory(a.path()));
    EXPECT_TRUE(fs::is_empty(a.path()));
    fs::create_directories(a / "x/y");
    std::ofstream(a / "x/y/f") << "data";
    kept = a.path();
  }
  EXPECT_FALSE(fs::exists(kept));
}

TEST(TempDir, AppliesTheModeAsked) {
  TempDir d("atelier-support", fs::perms(0755));
  EXPECT_EQ(fs::status(d.path()).permissions() & fs::perms::all, fs::perms(0755));
  TempDir p("atelier-support");
  EXPECT_EQ(fs::status(p.path()).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST(ReadText, ReadsEveryByte) {
  TempDir d;
  std::string bytes("a\0b\nc", 5);
  std::ofstream(d / "f", std::ios::binary) << bytes;
  EXPECT_EQ(read_text(d / "f"), bytes);
}

TEST(WaitUntil, SucceedsWhenAnotherThreadMakesItTrue) {
  std::atomic<bool> flag{false};
  std::thread t([&] { flag = true; });
  EXPECT_TRUE(wait_until([&] { return flag.load(); }, 10s, "the flag"));
  t.join();
}

TEST(WaitUntil, FailsAtItsDeadlineSayingWhatItAwaited) {
  auto start = std::chrono::steady_clock::now();
  auto r = wait_until([] { return false; }, 30ms, "the impossible");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("timed out after 30 ms waiting for: the impossible"),
            std::string::npos)
      << r.message();
  EXPECT_GE(took, 30ms);
}

TEST(IsOk, CarriesTheErrorChain) {
  EXPECT_TRUE(is_ok(ok_status()));
  EXPECT_TRUE(is_ok(Result<int>(3)));
  Status bad = Error(ErrorCode::kNotFound, "no such lab").context("create session");
  auto r = is_ok(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(std::string(r.message()), bad.error().to_string());
  EXPECT_OK(ok_status());
}

}  // namespace
}  // namespace atelier::test_support
