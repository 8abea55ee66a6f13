// The controller's end of the agent channel (see agent_client.h): one reader thread matches
// replies to pending requests by `re`, keeps the latest hello, and acks resent results.
#include "common/protocol/agent_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "common/protocol/codec.h"
#include "common/protocol/line_io.h"

namespace atelier::protocol {
namespace {
constexpr std::chrono::milliseconds kWriteTimeout{10000};

Error reply_error(const Body& body, const char* wanted) {
  if (const auto* e = std::get_if<ErrorReply>(&body)) {
    ErrorCode code = ErrorCode::kFailedPrecondition;
    if (e->code == "bad_request" || e->code == "version") code = ErrorCode::kInvalidArgument;
    if (e->code == "not_found") code = ErrorCode::kNotFound;
    return Error(code, "agent: " + e->code + ": " + e->message);
  }
  return Error(ErrorCode::kInternal, std::string("agent replied ") + type_name(body) + " where " +
                                         wanted + " was expected");
}
}  // namespace

Result<std::unique_ptr<AgentClient>> AgentClient::connect(const std::string& socket_path,
                                                          std::chrono::milliseconds timeout,
                                                          Options options) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return adopt(fd, std::move(options));
    }
    int err = errno;
    ::close(fd);
    // QEMU creates the socket when the domain starts: retry until the deadline.
    if ((err == ENOENT || err == ECONNREFUSED || err == EAGAIN) &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    return Error(err == ENOENT || err == ECONNREFUSED ? ErrorCode::kUnavailable : ErrorCode::kIo,
                 "connect to agent channel " + socket_path + ": " + std::strerror(err));
  }
}

std::unique_ptr<AgentClient> AgentClient::adopt(int fd, Options options) {
  return std::unique_ptr<AgentClient>(new AgentClient(fd, std::move(options)));
}

AgentClient::AgentClient(int fd, Options options) : fd_(fd), options_(std::move(options)) {
  reader_ = std::thread([this] { reader_loop(); });
}

AgentClient::~AgentClient() {
  close();
}

void AgentClient::close() {
  {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    open_ = false;
  }
  changed_.notify_all();
  if (reader_.joinable() && reader_.get_id() != std::this_thread::get_id()) reader_.join();
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool AgentClient::connected() const {
  std::lock_guard lock(mutex_);
  return open_;
}

AgentClient::Malformed AgentClient::malformed() const {
  std::lock_guard lock(mutex_);
  return malformed_;
}

std::optional<std::chrono::steady_clock::time_point> AgentClient::last_seen() const {
  std::lock_guard lock(mutex_);
  return last_seen_;
}

Status AgentClient::send(const Envelope& message) {
  std::string line = encode(message);
  std::lock_guard lock(write_mutex_);
  return write_all(fd_, line, kWriteTimeout);
}

void AgentClient::reader_loop() {
  LineReader reader(fd_, kMaxLineBytes);
  for (;;) {
    // Slices, so that close() is seen on descriptors shutdown() cannot wake (a pty or a
    // character device in tests; sockets wake at once).
    auto line = reader.read_line(std::chrono::milliseconds(250));
    if (!line) {
      if (line.error().code() == ErrorCode::kInvalidArgument) {  // an oversized line
        std::lock_guard lock(mutex_);
        ++malformed_.count;
        malformed_.last = line.error().to_string();
        continue;
      }
      if (line.error().code() == ErrorCode::kTimeout) {
        std::lock_guard lock(mutex_);
        if (!open_) break;
        continue;
      }
      break;
    }
    auto message = decode(*line);
    if (!message) {
      {
        std::lock_guard lock(mutex_);
        ++malformed_.count;
        malformed_.last = message.error().to_string();
      }
      // A message we cannot read: say so to the agent, keep the channel.
      Envelope reply{0, std::nullopt, ErrorReply{"bad_request", message.error().to_string()}};
      (void)send(reply);
      continue;
    }
    handle(std::move(*message));
  }
  std::lock_guard lock(mutex_);
  open_ = false;
  changed_.notify_all();
}

void AgentClient::handle(Envelope message) {
  {
    std::lock_guard lock(mutex_);
    last_seen_ = std::chrono::steady_clock::now();
    if (auto* hello = std::get_if<Hello>(&message.body)) hello_ = *hello;
    if (message.re) {
      auto it = pending_.find(*message.re);
      if (it != pending_.end()) {
        it->second = std::move(message);
        changed_.notify_all();
        return;
      }
    }
    changed_.notify_all();
  }
  if (auto* results = std::get_if<Results>(&message.body)) {
    // Resent from the agent's spool, or a reply that came after its request timed out.
    if (options_.on_results && options_.on_results(*results).ok()) (void)ack(*results);
  }
}

Result<Body> AgentClient::request(Body body, std::chrono::milliseconds timeout) {
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    if (!open_) return Error(ErrorCode::kUnavailable, "the agent channel is closed");
    id = next_id_++;
    pending_[id];
  }
  const char* type = type_name(body);
  if (auto sent = send(Envelope{id, std::nullopt, std::move(body)}); !sent) {
    std::lock_guard lock(mutex_);
    pending_.erase(id);
    return std::move(sent).error().context(std::string("send ") + type + " to the agent");
  }
  std::unique_lock lock(mutex_);
  bool arrived =
      changed_.wait_for(lock, timeout, [&] { return pending_[id].has_value() || !open_; });
  auto reply = std::move(pending_[id]);
  pending_.erase(id);
  if (reply) return std::move(reply->body);
  if (!arrived) {
    return Error(ErrorCode::kTimeout, std::string("no reply to ") + type + " within " +
                                          std::to_string(timeout.count()) + " ms");
  }
  return Error(ErrorCode::kUnavailable,
               std::string("the agent channel closed while waiting for a reply to ") + type);
}

std::uint64_t AgentClient::initial_request_id() {
  std::random_device rd;
  const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return r % (1ull << 52) + 1;
}

Result<Hello> AgentClient::wait_hello(std::chrono::milliseconds timeout) {
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    if (hello_) return *hello_;
    if (!open_) return Error(ErrorCode::kUnavailable, "the agent channel is closed");
    id = next_id_++;
    pending_[id];
  }
  // The agent's first hello may have been sent before we connected: ask for another, and take
  // whichever hello comes first (the reply, or one the agent sends on its own when it opens
  // the port — a request sent while the guest had the port closed may never be answered).
  auto sent = send(Envelope{id, std::nullopt, HelloRequest{}});
  std::unique_lock lock(mutex_);
  if (!sent) {
    pending_.erase(id);
    return std::move(sent).error().context("ask the agent for its hello");
  }
  changed_.wait_for(lock, timeout, [&] { return hello_.has_value() || !open_; });
  pending_.erase(id);
  if (hello_) return *hello_;
  if (!open_)
    return Error(ErrorCode::kUnavailable, "the agent channel closed before the agent said hello");
  return Error(ErrorCode::kTimeout,
               "no hello from the agent within " + std::to_string(timeout.count()) + " ms");
}

Result<ExecResult> AgentClient::exec(const ExecRequest& request_body,
                                     std::chrono::milliseconds timeout) {
  auto reply = request(request_body, timeout);
  if (!reply) return std::move(reply).error();
  if (auto* r = std::get_if<ExecResult>(&*reply)) return std::move(*r);
  return reply_error(*reply, "exec_result");
}

Status AgentClient::put_file(const PutFileRequest& request_body,
                             std::chrono::milliseconds timeout) {
  auto reply = request(request_body, timeout);
  if (!reply) return std::move(reply).error();
  if (std::holds_alternative<Ok>(*reply)) return ok_status();
  return reply_error(*reply, "ok");
}

Result<FileContent> AgentClient::get_file(const GetFileRequest& request_body,
                                          std::chrono::milliseconds timeout) {
  auto reply = request(request_body, timeout);
  if (!reply) return std::move(reply).error();
  if (auto* r = std::get_if<FileContent>(&*reply)) return std::move(*r);
  return reply_error(*reply, "file");
}

Result<Results> AgentClient::run_checks(const RunChecks& request_body,
                                        std::chrono::milliseconds timeout) {
  auto reply = request(request_body, timeout);
  if (!reply) return std::move(reply).error();
  if (auto* r = std::get_if<Results>(&*reply)) return std::move(*r);
  return reply_error(*reply, "results");
}

Status AgentClient::ack(const Results& results) {
  Ack a;
  a.bundle_id = results.bundle_id;
  for (const auto& r : results.results) a.result_ids.push_back(r.result_id);
  // An ack is a notification: the agent does not reply to it.
  return send(Envelope{0, std::nullopt, std::move(a)});
}

}  // namespace atelier::protocol
