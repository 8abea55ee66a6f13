// Reading a file inside a folder without following any symlink or '..' out of it (files/beneath.h).
#include "common/files/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace atelier::files {
namespace {

Error beneath_error(int err, const std::filesystem::path& dir, std::string_view folder) {
  switch (err) {
    case EXDEV:
    case ELOOP:
      return Error(ErrorCode::kPermissionDenied,
                   "leads out of the " + std::string(folder) + " " + dir.string() +
                       " (a symlink or '..'); copy the file into the folder");
    case ENOENT:
    case ENOTDIR:
      return Error(ErrorCode::kNotFound, "not found in the " + std::string(folder));
    default:
      return Error(ErrorCode::kIo, std::string("cannot be read: ") + std::strerror(err));
  }
}

// openat2(RESOLVE_BENEATH) from dir; -1 with errno ENOSYS on kernels before 5.6.
int open_beneath(const std::filesystem::path& dir, const std::filesystem::path& rel) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return -1;
  struct open_how how {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, dfd, rel.c_str(), &how, sizeof how));
  int saved = errno;
  ::close(dfd);
  errno = saved;
  return fd;
}

// The fallback: resolve every symlink, then require the result below dir's resolved path.
int open_checked(const std::filesystem::path& dir, const std::filesystem::path& rel) {
  std::error_code ec;
  auto root = std::filesystem::canonical(dir, ec);
  if (ec) return errno = ENOENT, -1;
  auto file = std::filesystem::canonical(dir / rel, ec);
  if (ec) return errno = ENOENT, -1;
  auto inside = file.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..") return errno = EXDEV, -1;
  return ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
}

}  // namespace

Result<std::string> read_file_beneath(const std::filesystem::path& dir,
                                      const std::filesystem::path& rel, std::size_t max_bytes,
                                      std::string_view folder) {
  if (rel.is_absolute()) return beneath_error(EXDEV, dir, folder);
  int fd = open_beneath(dir, rel);
  if (fd < 0 && errno == ENOSYS) fd = open_checked(dir, rel);
  if (fd < 0) return beneath_error(errno, dir, folder);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(ErrorCode::kInvalidArgument,
                 "is not a regular file in the " + std::string(folder));
  }
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return beneath_error(err == ENOENT ? EIO : err, dir, folder);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Error(ErrorCode::kInvalidArgument,
                   "is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

}  // namespace atelier::files
