// Runs an outside program (debootstrap, mkfs, qemu-img, ...) with a deadline and captures its
// output. The one place where atelier forks and execs; its own process group is killed on timeout.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace atelier::process {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  // Extra environment entries "NAME=value", added to (and overriding) the caller's environment.
  std::vector<std::string> env;
  std::string cwd;         // empty: the caller's working directory
  std::string stdin_data;  // written to the child's stdin, then stdin is closed
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // Output kept per stream; the tail is kept when a program writes more (logs of long builds).
  std::size_t max_output = 1 << 20;
};

struct ProcessResult {
  int exit_code = -1;  // exit status, or 128 + signal number when killed by a signal
  std::string out;     // stdout (tail if longer than max_output)
  std::string err;     // stderr (tail if longer than max_output)
  std::chrono::milliseconds elapsed{0};
};

// Starts argv in a new process group, feeds stdin_data, collects stdout and stderr and waits.
// Returns the result whatever the exit code is; errors only when the program cannot be started
// (kIo) or when the deadline passes (kTimeout: the whole process group got SIGKILL and was reaped).
Result<ProcessResult> run_process(const ProcessSpec& spec);

// run_process, and an error (kIo) unless the program exited 0; the error names the command and
// carries the last lines of its stderr. Use for tools whose failure is a failure of the step.
Result<ProcessResult> run_checked(const ProcessSpec& spec);

// "debootstrap --variant=minbase ..." for messages.
std::string describe(const std::vector<std::string>& argv);

}  // namespace atelier::process
