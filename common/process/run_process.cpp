// posix_spawn with pipes, poll and a deadline; see run_process.h for the contract.
#include "common/process/run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace atelier::process {
namespace {

void append_capped(std::string& buf, const char* data, std::size_t n, std::size_t cap) {
  buf.append(data, n);
  if (buf.size() > cap) buf.erase(0, buf.size() - cap);
}

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry;
  }
  for (const auto& entry : extra) {
    auto eq = entry.find('=');
    vars[entry.substr(0, eq)] = entry;
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (auto& [_, entry] : vars) out.push_back(std::move(entry));
  return out;
}

std::string last_lines(const std::string& text, int lines) {
  std::size_t pos = text.size();
  while (pos > 0 && (text[pos - 1] == '\n')) --pos;
  std::size_t end = pos;
  for (int i = 0; i < lines && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
  }
  return text.substr(pos == 0 ? 0 : pos + 1, end - (pos == 0 ? 0 : pos + 1));
}

}  // namespace

std::string describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  if (out.size() > 200) out = out.substr(0, 197) + "...";
  return out;
}

namespace {

// The pipes of one child: stdin, stdout, stderr; [0] reads, [1] writes. Closes what is left.
struct Pipes {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  Status open() {
    for (int* p : {in, out, err}) {
      if (pipe2(p, O_CLOEXEC) != 0)
        return Error(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
    }
    return ok_status();
  }
  static void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  ~Pipes() {
    for (int* p : {in, out, err}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  }
};

// Starts the child with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no copy of the
// parent's page tables, safe with threads): its own process group, the pipes as 0/1/2, no
// blocked signal and SIGPIPE at its default whatever the parent set (atelier lab prove blocks
// SIGINT/SIGTERM in every thread; a timeout's kill must work), in spec.cwd. An exec failure is
// posix_spawn's return value.
Result<pid_t> spawn(const ProcessSpec& spec, Pipes& pipes) {
  std::vector<std::string> env_strings = merged_environment(spec.env);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argvp;
  argvp.reserve(args.size() + 1);
  for (auto& a : args) argvp.push_back(a.data());
  argvp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, pipes.in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, pipes.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipes.err[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  sigset_t none, pipe_only;
  sigemptyset(&none);
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe_only);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argvp[0], &actions, &attr, argvp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::string where = spec.cwd.empty() ? "" : " in " + spec.cwd;
    return Error(ErrorCode::kIo, "cannot start " + spec.argv[0] + where + ": " + std::strerror(rc));
  }
  return pid;
}

// write() without SIGPIPE: a child that exits before it read its stdin (a failed `ip netns
// exec`, a program that needs no input) must not kill the caller. SIGPIPE is blocked in this
// thread for the write, and the one it raised is taken before the mask is put back.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t k = write(fd, data, size);
  const int saved = errno;
  if (k < 0 && saved == EPIPE) {
    timespec zero{0, 0};
    (void)sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return k;
}

// Feeds stdin and collects stdout and stderr until both close or the deadline passes.
// Returns false on timeout.
bool pump(const ProcessSpec& spec, Pipes& pipes, ProcessResult& result,
          std::chrono::steady_clock::time_point deadline) {
  std::size_t written = 0;
  if (spec.stdin_data.empty()) {
    Pipes::close_fd(pipes.in[1]);
  } else {
    fcntl(pipes.in[1], F_SETFL, O_NONBLOCK);
  }
  int& in_fd = pipes.in[1];
  int& out_fd = pipes.out[0];
  int& err_fd = pipes.err[0];
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out_fd >= 0) fds[idx_out = n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[idx_err = n++] = {err_fd, POLLIN, 0};
    if (in_fd >= 0) fds[idx_in = n++] = {in_fd, POLLOUT, 0};
    int r = poll(fds, n, static_cast<int>(std::min<long long>(left + 1, 1000)));
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto drain = [&](int idx, int& fd, std::string& into) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t k = read(fd, buf, sizeof buf);
      if (k > 0) {
        append_capped(into, buf, static_cast<std::size_t>(k), spec.max_output);
      } else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
        Pipes::close_fd(fd);
      }
    };
    drain(idx_out, out_fd, result.out);
    drain(idx_err, err_fd, result.err);
    if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t k = write_without_sigpipe(in_fd, spec.stdin_data.data() + written,
                                        spec.stdin_data.size() - written);
      if (k > 0) written += static_cast<std::size_t>(k);
      if (k < 0 && errno != EAGAIN && errno != EINTR) written = spec.stdin_data.size();
      if (written >= spec.stdin_data.size()) Pipes::close_fd(in_fd);
    }
  }
  return true;
}

// Reaps the child by the deadline. Output closed: the child is exiting, or it closed its streams
// and keeps running. A pidfd wakes us the moment it exits (no sleep-and-retry); kernels without
// pidfd_open fall back to short, growing waits. Returns false on timeout.
bool reap(pid_t pid, int& status, std::chrono::steady_clock::time_point deadline) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  auto pause = std::chrono::microseconds(100);
  while (true) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (pidfd >= 0) close(pidfd);
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, static_cast<int>(std::min<long long>(left + 1, 1000)));
    } else {
      usleep(static_cast<useconds_t>(pause.count()));
      pause = std::min(pause * 2, std::chrono::microseconds(10000));
    }
  }
  if (pidfd >= 0) close(pidfd);
  return true;
}

}  // namespace

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Error(ErrorCode::kInvalidArgument, "run_process: empty argv");
  Pipes pipes;
  if (auto st = pipes.open(); !st.ok()) return st.error();
  const auto start = std::chrono::steady_clock::now();
  auto pid = spawn(spec, pipes);
  if (!pid.ok()) return std::move(pid).error();
  // The group is set by posix_spawn before exec, so a kill(-pid) from here on reaches it.
  Pipes::close_fd(pipes.in[0]);
  Pipes::close_fd(pipes.out[1]);
  Pipes::close_fd(pipes.err[1]);

  ProcessResult result;
  const auto deadline = start + spec.timeout;
  int status = 0;
  bool finished = pump(spec, pipes, result, deadline) && reap(*pid, status, deadline);
  if (!finished) {
    kill(-*pid, SIGKILL);
    waitpid(*pid, &status, 0);
    return Error(
        ErrorCode::kTimeout,
        describe(spec.argv) + " did not finish within " +
            std::to_string(static_cast<double>(spec.timeout.count()) / 1000.0).substr(0, 6) +
            " s (killed)");
  }
  // Descendants that outlive the leader (daemons started by a tool) are not ours to keep.
  kill(-*pid, SIGKILL);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

Result<ProcessResult> run_checked(const ProcessSpec& spec) {
  auto r = run_process(spec);
  if (!r.ok()) return std::move(r).error();
  if (r->exit_code != 0) {
    std::string tail = last_lines(r->err.empty() ? r->out : r->err, 8);
    return Error(ErrorCode::kIo, describe(spec.argv) + " exited " + std::to_string(r->exit_code) +
                                     (tail.empty() ? "" : ": " + tail));
  }
  return r;
}

}  // namespace atelier::process
