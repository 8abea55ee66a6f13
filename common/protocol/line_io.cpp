// Newline framing over a file descriptor (see line_io.h).
#include "common/protocol/line_io.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace atelier::protocol {

Result<std::string> LineReader::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      if (skipping_) {
        buffer_.erase(0, nl + 1);
        skipping_ = false;
        return Error(ErrorCode::kInvalidArgument,
                     "a line longer than " + std::to_string(max_line_) + " bytes was dropped");
      }
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (buffer_.size() > max_line_) {
      buffer_.clear();
      skipping_ = true;
    }
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Error(ErrorCode::kTimeout, "no complete line in time");
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, std::string("poll: ") + std::strerror(errno));
    }
    if (n == 0) continue;  // the deadline check above returns kTimeout
    if ((p.revents & POLLIN) == 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
      return Error(ErrorCode::kUnavailable, "the peer hung up");
    }
    char chunk[65536];
    ssize_t got = ::read(fd_, chunk, sizeof chunk);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ECONNRESET || errno == EPIPE)
        return Error(ErrorCode::kUnavailable, "the peer reset the connection");
      return Error(ErrorCode::kIo, std::string("read: ") + std::strerror(errno));
    }
    if (got == 0) return Error(ErrorCode::kUnavailable, "end of stream: the peer is gone");
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

Status write_all(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!data.empty()) {
    // send() with MSG_NOSIGNAL on sockets keeps a vanished peer from raising SIGPIPE.
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == ENOTSOCK) n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)) {
      return Error(ErrorCode::kUnavailable, "the peer is gone");
    }
    if (n < 0 && errno != EAGAIN)
      return Error(ErrorCode::kIo, std::string("write: ") + std::strerror(errno));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error(ErrorCode::kTimeout, "the peer does not read");
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLOUT)) {
      return Error(ErrorCode::kUnavailable, "the peer hung up");
    }
  }
  return ok_status();
}

}  // namespace atelier::protocol
