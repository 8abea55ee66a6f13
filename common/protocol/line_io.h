// Newline framing over a file descriptor, shared by both ends of the agent channel: a reader
// that splits a byte stream into lines (bounded), and a writer that writes a whole buffer.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/result.h"

namespace atelier::protocol {

class LineReader {
 public:
  explicit LineReader(int fd, std::size_t max_line) : fd_(fd), max_line_(max_line) {}

  // Returns the next line without its '\n'. Waits at most `timeout` (negative: forever).
  // Errors: kTimeout (no full line yet; buffered bytes are kept), kUnavailable (end of stream
  // or a hangup: the peer is gone), kInvalidArgument (a line longer than max_line; the rest
  // of it is skipped), kIo.
  Result<std::string> read_line(std::chrono::milliseconds timeout);

  void reset(int fd) {
    fd_ = fd;
    buffer_.clear();
    skipping_ = false;
  }

 private:
  int fd_;
  std::size_t max_line_;
  std::string buffer_;
  bool skipping_ = false;
};

// Writes all of `data`, retrying on EINTR/EAGAIN (waiting for POLLOUT up to `timeout`).
// kUnavailable when the peer is gone (EPIPE, ECONNRESET, a hangup), kTimeout, kIo.
Status write_all(int fd, std::string_view data, std::chrono::milliseconds timeout);

}  // namespace atelier::protocol
