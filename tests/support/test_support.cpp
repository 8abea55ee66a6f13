// The shared test helpers (test_support.h).
#include "tests/support/test_support.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace atelier::test_support {

TempDir::TempDir(std::string_view prefix, std::filesystem::perms mode) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
  }
  path_ = tmpl;
  if (mode != std::filesystem::perms{}) {
    std::filesystem::permissions(path_, mode);
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << file;
    return "";
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

::testing::AssertionResult wait_until(const std::function<bool()>& done,
                                      std::chrono::milliseconds timeout, std::string_view what) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  auto interval = std::chrono::milliseconds(1);
  while (!done()) {
    const auto now = Clock::now();
    if (now >= deadline) {
      return ::testing::AssertionFailure()
             << "timed out after " << timeout.count() << " ms waiting for: " << what;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(interval, deadline - now));
    interval = std::min(interval * 2, std::chrono::milliseconds(50));
  }
  return ::testing::AssertionSuccess();
}

}  // namespace atelier::test_support
