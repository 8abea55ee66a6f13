// fork/exec with pipes, poll and a deadline; see run_process.h for the contract.
#include "common/process/run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

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

// The child's four pipes: stdin, stdout, stderr, and the one an exec failure is reported through
// (close-on-exec, so a successful exec closes it). [i][0] reads, [i][1] writes; -1 when closed.
struct Pipes {
  int fd[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
  ~Pipes() {
    for (auto& p : fd) {
      for (int& f : p) close_one(f);
    }
  }
  Status open() {
    for (auto& p : fd) {
      if (pipe2(p, O_CLOEXEC) != 0) return Error(ErrorCode::kIo, std::strerror(errno));
    }
    return ok_status();
  }
  static void close_one(int& f) {
    if (f >= 0) close(f);
    f = -1;
  }
};

// In the forked child: wire the pipes, clear the signal mask, exec. Never returns; an exec or
// chdir failure is written (as errno) to the exec pipe.
[[noreturn]] void exec_child(const Pipes& p, const std::string& cwd, std::vector<char*>& argvp,
                             std::vector<char*>& envp) {
  setpgid(0, 0);
  dup2(p.fd[0][0], 0);
  dup2(p.fd[1][1], 1);
  dup2(p.fd[2][1], 2);
  signal(SIGPIPE, SIG_DFL);
  // The child starts with no blocked signal whatever its parent blocks (atelier lab prove
  // blocks SIGINT/SIGTERM in every thread to tear down on them): a timeout's kill must work.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
    int e = errno;
    (void)!write(p.fd[3][1], &e, sizeof e);
    _exit(127);
  }
  execvpe(argvp[0], argvp.data(), envp.data());
  int e = errno;
  (void)!write(p.fd[3][1], &e, sizeof e);
  _exit(127);
}

// Feeds stdin and drains stdout/stderr until both close or the deadline passes (true then).
// Closes the three fds it was given.
bool pump(const ProcessSpec& spec, int in_fd, int out_fd, int err_fd,
          std::chrono::steady_clock::time_point deadline, ProcessResult& result) {
  std::size_t written = 0;
  if (spec.stdin_data.empty()) {
    Pipes::close_one(in_fd);
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  bool timed_out = false;
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out_fd >= 0) {
      idx_out = n;
      fds[n++] = {out_fd, POLLIN, 0};
    }
    if (err_fd >= 0) {
      idx_err = n;
      fds[n++] = {err_fd, POLLIN, 0};
    }
    if (in_fd >= 0) {
      idx_in = n;
      fds[n++] = {in_fd, POLLOUT, 0};
    }
    int r = poll(fds, n, static_cast<int>(std::min<long long>(left, 1000)));
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
        Pipes::close_one(fd);
      }
    };
    drain(idx_out, out_fd, result.out);
    drain(idx_err, err_fd, result.err);
    if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t k = write(in_fd, spec.stdin_data.data() + written, spec.stdin_data.size() - written);
      if (k > 0) written += static_cast<std::size_t>(k);
      if (k < 0 && errno != EAGAIN && errno != EINTR) written = spec.stdin_data.size();
      if (written >= spec.stdin_data.size()) Pipes::close_one(in_fd);
    }
  }
  Pipes::close_one(in_fd);
  Pipes::close_one(out_fd);
  Pipes::close_one(err_fd);
  return timed_out;
}

// Output closed: the child is exiting, or it closed its streams and keeps running. Reaps it into
// `status`, or returns true when the deadline passes first.
bool wait_exit(pid_t pid, std::chrono::steady_clock::time_point deadline, int& status) {
  while (true) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) return false;
    if (w < 0 && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) return true;
    usleep(10000);
  }
}

}  // namespace

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Error(ErrorCode::kInvalidArgument, "run_process: empty argv");
  Pipes p;
  ATELIER_RETURN_IF_ERROR(p.open());
  // Everything the child needs is prepared before fork: no allocation after it.
  std::vector<std::string> env_strings = merged_environment(spec.env);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argvp;
  for (auto& s : args) argvp.push_back(s.data());
  argvp.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) return Error(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) exec_child(p, spec.cwd, argvp, envp);
  setpgid(pid, pid);  // also in the parent, so the group exists before any kill
  Pipes::close_one(p.fd[0][0]);
  Pipes::close_one(p.fd[1][1]);
  Pipes::close_one(p.fd[2][1]);
  Pipes::close_one(p.fd[3][1]);

  int exec_errno = 0;
  ssize_t got = read(p.fd[3][0], &exec_errno, sizeof exec_errno);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    waitpid(pid, nullptr, 0);
    return Error(ErrorCode::kIo, "cannot start " + spec.argv[0] + ": " + std::strerror(exec_errno));
  }

  ProcessResult result;
  const auto deadline = start + spec.timeout;
  bool timed_out = pump(spec, std::exchange(p.fd[0][1], -1), std::exchange(p.fd[1][0], -1),
                        std::exchange(p.fd[2][0], -1), deadline, result);
  int status = 0;
  if (!timed_out) timed_out = wait_exit(pid, deadline, status);
  if (timed_out) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    return Error(ErrorCode::kTimeout,
                 describe(spec.argv) + " did not finish within " +
                     std::to_string(spec.timeout.count() / 1000.0).substr(0, 6) + " s (killed)");
  }
  // Descendants that outlive the leader (daemons started by a tool) are not ours to keep.
  kill(-pid, SIGKILL);
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
