// What `atelier lab prove` prints: its progress lines, the rows of its table and the timings lab
// authors read to see where a lab's time goes.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "ansible-free-recipes/engine/engine.h"
#include "controller/provisioning/lab_actions.h"

namespace atelier::cli::prove {

using Clock = std::chrono::steady_clock;

constexpr int kExitSurprise = 3;  // the lab's grader is wrong: a task did not behave

// Progress lines with the time since the start: "[  42.1s] prove/server  agent  answered ...".
class Log {
 public:
  void line(const std::string& who, const std::string& step, const std::string& text);

 private:
  std::mutex mutex_;
  Clock::time_point start_ = Clock::now();
};

// One observation of the proof: a task's verdict after a phase, or a role's second run.
struct Row {
  std::string task;   // a task id, or "role"
  std::string phase;  // incidents, near-miss N, solution, reset (snapshot), rerun RECIPE@HOST
  bool expected_pass;
  bool passed;
  std::string evidence;  // the first failing check's observation, or ""
  // A grader mirror (prove_mirrors.h): expected is the host's verdict, got the grader's.
  bool mirror = false;
};

// The first failing check of a task: "kind: expected X; observed Y", or "".
std::string first_failure(const provisioning::TaskOutcome& o);
// The steps of a report that changed something: "changed: write smb.conf, start samba".
std::string changed_steps(const recipes::HostReport& report);
// "12.3 s".
std::string seconds_text(double seconds);
double seconds_since(Clock::time_point start);
// How long a role took and its slowest steps: "212.4 s; slowest: the domain is provisioned
// 118.2 s, the DC answers LDAP 41.0 s".
std::string role_timing(const recipes::HostReport& report);
// Prints the table of rows; kExitSurprise when a row did not behave, else 0.
int print_rows(const std::vector<Row>& rows);

}  // namespace atelier::cli::prove
