// run_process: exit codes, captured streams, stdin, extra environment, deadlines that kill the
// whole process group, and programs that do not exist. Real /bin/sh children, no fakes.
#include "common/process/run_process.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace atelier::process {
namespace {

using namespace std::chrono_literals;

TEST(RunProcess, CapturesExitCodeAndStreams) {
  auto r = run_process({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunProcess, FeedsStdinAndEnvironment) {
  auto r = run_process({.argv = {"sh", "-c", "cat; printf %s \"$ATELIER_X\""},
                        .env = {"ATELIER_X=from-env"},
                        .stdin_data = std::string(200000, 'a')});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, std::string(200000, 'a') + "from-env");
}

// A child that leaves without reading its stdin: the write fails (EPIPE) and the caller lives
// on, with the child's exit code (SIGPIPE would kill the caller: the test would not finish).
TEST(RunProcess, AChildThatDoesNotReadItsStdinDoesNotKillTheCaller) {
  auto r = run_process(
      {.argv = {"sh", "-c", "echo gone >&2; exit 3"}, .stdin_data = std::string(1 << 20, 'x')});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->err, "gone\n");
}

TEST(RunProcess, RunsInWorkingDirectory) {
  auto r = run_process({.argv = {"pwd"}, .cwd = "/tmp"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "/tmp\n");
}

TEST(RunProcess, KeepsTheTailOfLongOutput) {
  auto r = run_process({.argv = {"sh", "-c", "seq 1 100000"}, .max_output = 100});
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->out.size(), 100u);
  EXPECT_NE(r->out.find("100000\n"), std::string::npos);
}

TEST(RunProcess, SignalIsReportedAs128PlusSignal) {
  auto r = run_process({.argv = {"sh", "-c", "kill -TERM $$"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 128 + SIGTERM);
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  std::string marker = "/tmp/atelier-run-process-test-" + std::to_string(::getpid());
  auto start = std::chrono::steady_clock::now();
  // The grandchild would write the marker after 2 s if it survived the kill.
  auto r = run_process(
      {.argv = {"sh", "-c", "(sleep 2; touch " + marker + ") & sleep 30"}, .timeout = 300ms});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kTimeout);
  EXPECT_LT(elapsed, 5s);
  std::this_thread::sleep_for(2500ms);
  EXPECT_FALSE(std::ifstream(marker).good()) << "a grandchild outlived the timeout";
  std::remove(marker.c_str());
}

TEST(RunProcess, MissingProgramIsAnIoError) {
  auto r = run_process({.argv = {"atelier-no-such-program-xyz"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("atelier-no-such-program-xyz"), std::string::npos);
}

TEST(RunProcess, MissingWorkingDirectoryIsAnIoErrorNamingIt) {
  auto r = run_process({.argv = {"pwd"}, .cwd = "/atelier-no-such-directory"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("/atelier-no-such-directory"), std::string::npos)
      << r.error().message();
}

// The child starts with no blocked signal even when the caller blocks some (lab prove does).
TEST(RunProcess, ChildDoesNotInheritBlockedSignals) {
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  auto r = run_process({.argv = {"sh", "-c", "grep ^SigBlk /proc/self/status"}});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "SigBlk:\t0000000000000000\n");
}

TEST(RunProcess, EmptyArgvIsInvalid) {
  auto r = run_process({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(RunChecked, NonZeroExitIsAnErrorWithStderrTail) {
  auto r = run_checked({.argv = {"sh", "-c", "echo first >&2; echo last words >&2; exit 2"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("exited 2"), std::string::npos);
  EXPECT_NE(r.error().message().find("last words"), std::string::npos);
  EXPECT_TRUE(run_checked({.argv = {"true"}}).ok());
}

}  // namespace
}  // namespace atelier::process
