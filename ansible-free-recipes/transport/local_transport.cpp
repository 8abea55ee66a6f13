// LocalTransport/ChrootTransport: posix_spawn with a process group and a deadline for commands,
// openat2(RESOLVE_IN_ROOT) relative to the root's descriptor for files.
#include "ansible-free-recipes/transport/local_transport.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace atelier::transport {
namespace {

Error errno_error(int err, const std::string& what) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT || err == ENOTDIR) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kPermissionDenied;
  return Error(code, what + ": " + std::strerror(err));
}

// Opens `path` relative to root_fd as if root_fd were "/": absolute symlinks and ".." stay inside.
int open_in_root(int root_fd, const std::string& path, uint64_t flags) {
  struct open_how how {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof(how)));
}

void split_path(const std::string& path, std::string& parent, std::string& base) {
  auto slash = path.find_last_of('/');
  parent = slash == 0 ? "/" : path.substr(0, slash);
  base = path.substr(slash + 1);
}

// The environment every command gets: predictable, independent of the caller's.
const char* const kEnv[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                            "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=/root", nullptr};

}  // namespace

Result<ExecResult> run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return errno_error(errno, "pipe");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return errno_error(errno, "pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc =
      posix_spawnp(&pid, args[0], &actions, &attr, args.data(), const_cast<char* const*>(kEnv));
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return errno_error(rc, "start " + argv[0]);
  }

  ExecResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool timed_out = false;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        (i == 0 ? result.stdout_text : result.stderr_text).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (timed_out) kill(-pid, SIGKILL);
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Error(ErrorCode::kTimeout,
                 "command did not finish within " + std::to_string(timeout.count()) + " s");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

Result<std::unique_ptr<LocalTransport>> LocalTransport::open(const std::string& root) {
  if (root.empty() || root[0] != '/') {
    return Error(ErrorCode::kInvalidArgument,
                 "root folder must be an absolute path, got '" + root + "'");
  }
  int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error(errno, "open root folder " + root);
  return std::unique_ptr<LocalTransport>(new LocalTransport(root, fd));
}

LocalTransport::LocalTransport(std::string root, int root_fd)
    : root_(std::move(root)), root_fd_(root_fd), chroot_(root_ != "/") {}

LocalTransport::~LocalTransport() {
  close(root_fd_);
}

std::string LocalTransport::describe() const {
  return chroot_ ? "chroot://" + root_ : "local";
}

Result<ExecResult> LocalTransport::exec(const std::string& command, std::chrono::seconds timeout) {
  if (chroot_) return run_process({"chroot", root_, "/bin/sh", "-c", command}, timeout);
  return run_process({"/bin/sh", "-c", command}, timeout);
}

Status LocalTransport::put_file(const std::string& path, const std::string& content, uint32_t mode,
                                const FileOwner& owner) {
  if (path.empty() || path[0] != '/')
    return Error(ErrorCode::kInvalidArgument, "path must be absolute: " + path);
  std::string parent, base;
  split_path(path, parent, base);
  int dir = open_in_root(root_fd_, parent, O_PATH | O_DIRECTORY);
  if (dir < 0) return errno_error(errno, "open folder " + parent);
  static std::atomic<unsigned> counter{0};
  std::string tmp =
      ".atelier-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + base;
  int fd = openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    close(dir);
    return errno_error(err, "create " + path);
  }
  auto fail = [&](const std::string& what) -> Status {
    int err = errno;
    close(fd);
    unlinkat(dir, tmp.c_str(), 0);
    close(dir);
    return errno_error(err, what + " " + path);
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    done += static_cast<size_t>(n);
  }
  // chown before chmod: chown clears set-id bits.
  if ((owner.uid || owner.gid) && fchown(fd, owner.uid ? *owner.uid : static_cast<uid_t>(-1),
                                         owner.gid ? *owner.gid : static_cast<gid_t>(-1)) != 0) {
    return fail("chown");
  }
  if (fchmod(fd, mode & 07777) != 0) return fail("chmod");
  if (close(fd) != 0) {
    fd = -1;
    int err = errno;
    unlinkat(dir, tmp.c_str(), 0);
    close(dir);
    return errno_error(err, "close " + path);
  }
  if (renameat(dir, tmp.c_str(), dir, base.c_str()) != 0) {
    int err = errno;
    unlinkat(dir, tmp.c_str(), 0);
    close(dir);
    return errno_error(err, "rename into " + path);
  }
  close(dir);
  return ok_status();
}

Result<std::string> LocalTransport::get_file(const std::string& path) {
  int fd = open_in_root(root_fd_, path, O_RDONLY);
  if (fd < 0) return errno_error(errno, "open " + path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return errno_error(err, "read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

Result<FileStat> LocalTransport::stat(const std::string& path) {
  int fd = open_in_root(root_fd_, path, O_PATH);
  if (fd < 0) return errno_error(errno, "stat " + path);
  struct stat st {};
  int rc = fstat(fd, &st);
  int err = errno;
  close(fd);
  if (rc != 0) return errno_error(err, "stat " + path);
  FileStat out;
  out.type = S_ISREG(st.st_mode)   ? FileType::kRegular
             : S_ISDIR(st.st_mode) ? FileType::kDirectory
             : S_ISLNK(st.st_mode) ? FileType::kSymlink
                                   : FileType::kOther;
  out.mode = st.st_mode & 07777;
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  out.size = static_cast<uint64_t>(st.st_size);
  return out;
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,@%+") ==
          std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += "'";
  return out;
}

}  // namespace atelier::transport
