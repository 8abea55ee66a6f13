// Real servers the probe tests start on loopback, each on a free port in its own temp folder,
// stopped (process group killed) and removed when the object goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace atelier::agent::testing {

std::uint16_t free_port(bool udp = false);
// Waits until 127.0.0.1:port accepts a tcp connection.
bool wait_tcp(std::uint16_t port, std::chrono::milliseconds timeout);
// Runs a command to completion; returns its exit code, output in `out`.
int run_tool(const std::vector<std::string>& argv, std::string* out = nullptr);

// A child process in its own process group; output goes to `log`.
class Background {
 public:
  Background() = default;
  Background(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~Background() { stop(); }
  Background(Background&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  Background& operator=(Background&& other) noexcept {
    stop();
    pid_ = other.pid_;
    other.pid_ = -1;
    return *this;
  }
  bool running() const;
  void stop();

 private:
  pid_t pid_ = -1;
};

// A temp folder (0755: servers run as their own users and must traverse it), removed
// (recursively) on destruction.
class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("atelier-probe", std::filesystem::perms(0755)) {}
};

using test_support::read_text;
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace atelier::agent::testing
