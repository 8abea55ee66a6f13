// What the benches that talk to a real atelierd share: the daemon started on loopback
// (test:///default, --no-reconcile, the source tree's labs, recipes and web assets, its state in
// DIR/state, its log in DIR/atelierd.log), CPU time of a process, and percentiles.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace atelier::bench {

class AtelierdProcess {
 public:
  // Starts ATELIERD and waits (up to 30 s) for its port file; throws std::runtime_error naming
  // the log when it does not come up.
  AtelierdProcess(const std::filesystem::path& atelierd, const std::filesystem::path& source,
                  const std::filesystem::path& dir);
  ~AtelierdProcess();  // SIGKILL and reap when stop() was not called (a bench that threw)
  AtelierdProcess(const AtelierdProcess&) = delete;
  AtelierdProcess& operator=(const AtelierdProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  void stop();  // SIGTERM, then reaps it

 private:
  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
};

// CPU seconds (user + system) process PID used so far; of this process.
double cpu_seconds(pid_t pid);
double own_cpu_seconds();
// The p-quantile (0..1) of V by the nearest rank; 0 for an empty V.
double percentile(std::vector<double> v, double p);
// The 1-minute load average line of /proc/loadavg, for the bench's header.
std::string load_average();

}  // namespace atelier::bench
