// See atelierd_process.h. Moved out of api_bench so that every bench starts atelierd one way.
#include "bench/support/atelierd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

extern char** environ;

namespace atelier::bench {
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

pid_t spawn_atelierd(const fs::path& atelierd, const fs::path& source, const fs::path& dir) {
  std::vector<std::string> args = {atelierd.string(),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--state-dir",
                                   (dir / "state").string(),
                                   "--labs-dir",
                                   (source / "labs").string(),
                                   "--recipes-dir",
                                   (source / "ansible-free-recipes" / "recipes").string(),
                                   "--web-assets-dir",
                                   (source / "controller" / "web" / "assets").string(),
                                   "--libvirt-uri",
                                   "test:///default",
                                   "--no-reconcile",
                                   "--port-file",
                                   (dir / "port").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, (dir / "atelierd.log").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + atelierd.string());
  return pid;
}

// Waits (up to 30 s) for the port file atelierd writes once it listens.
std::uint16_t wait_for_port(pid_t pid, const fs::path& dir) {
  const auto end = Steady::now() + std::chrono::seconds(30);
  while (Steady::now() < end) {
    std::ifstream in(dir / "port");
    int port = 0;
    if (in >> port && port > 0) return static_cast<std::uint16_t>(port);
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a file, not syncing
  }
  throw std::runtime_error("atelierd did not start; see " + (dir / "atelierd.log").string());
}

}  // namespace

AtelierdProcess::AtelierdProcess(const fs::path& atelierd, const fs::path& source,
                                 const fs::path& dir)
    : pid_(spawn_atelierd(atelierd, source, dir)) {
  try {
    port_ = wait_for_port(pid_, dir);
  } catch (...) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw;
  }
}

AtelierdProcess::~AtelierdProcess() {
  if (pid_ == 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void AtelierdProcess::stop() {
  if (pid_ == 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace atelier::bench
