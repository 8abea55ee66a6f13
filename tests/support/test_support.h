// Small helpers every test tier shares: a temporary directory that removes itself, ASSERT_OK /
// EXPECT_OK for Status and Result<T> (printing the error chain), wait_until for a condition
// with a deadline (polling, never a fixed sleep), and read_text.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace atelier::test_support {

// A fresh directory under the system's temporary folder (mkdtemp: 0700 unless `mode` is given),
// removed with everything in it when the object goes. Throws std::runtime_error if it cannot be
// made (GoogleTest reports the exception as the test's failure).
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "atelier-test", std::filesystem::perms mode = {});
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(const std::filesystem::path& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// The whole file as bytes; adds a test failure naming the file (and returns "") if it cannot be
// read.
std::string read_text(const std::filesystem::path& file);

// Polls `done` until it returns true (success) or `timeout` has passed (a failure that says what
// was awaited and for how long). The poll interval starts at 1 ms and doubles up to 50 ms.
// Use it for conditions another thread or process makes true, never instead of one.
::testing::AssertionResult wait_until(const std::function<bool()>& done,
                                      std::chrono::milliseconds timeout, std::string_view what);

// Success iff the Status/Result is ok; otherwise a failure with its error chain.
template <typename R>
::testing::AssertionResult is_ok(const R& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.error().to_string();
}

}  // namespace atelier::test_support

#define ASSERT_OK(expr) ASSERT_TRUE(::atelier::test_support::is_ok(expr)) << #expr
#define EXPECT_OK(expr) EXPECT_TRUE(::atelier::test_support::is_ok(expr)) << #expr
