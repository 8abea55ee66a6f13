// The agent's end of the channel (see server.h).
#include "agent/server.h"

#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "agent/facts.h"
#include "agent/runner.h"
#include "common/process/run_process.h"
#include "common/protocol/codec.h"
#include "common/protocol/line_io.h"

namespace atelier::agent {
namespace fs = std::filesystem;
using namespace protocol;

namespace {
constexpr std::chrono::milliseconds kWriteTimeout{10000};
constexpr std::chrono::milliseconds kPollSlice{250};

// Opens the port. For a character device, a host side that is not connected shows as POLLHUP:
// that is "not yet", reported as kUnavailable like a refused socket.
Result<int> open_port(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error(ErrorCode::kUnavailable, path + ": " + std::strerror(errno));
  if (S_ISSOCK(st.st_mode)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
      return Error(ErrorCode::kInvalidArgument, "socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      int err = errno;
      ::close(fd);
      return Error(ErrorCode::kUnavailable, "connect " + path + ": " + std::strerror(err));
    }
    return fd;
  }
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error(ErrorCode::kUnavailable, "open " + path + ": " + std::strerror(errno));
  pollfd p{fd, POLLIN | POLLOUT, 0};
  if (::poll(&p, 1, 0) >= 0 && (p.revents & POLLHUP)) {
    ::close(fd);
    return Error(ErrorCode::kUnavailable, path + ": the host side is not connected");
  }
  return fd;
}

std::string tail_cut(std::string& text, std::size_t max, bool& truncated) {
  if (text.size() > max) {
    text.erase(0, text.size() - max);
    truncated = true;
  }
  return text;
}

Result<std::pair<uid_t, gid_t>> lookup_owner(const std::optional<std::string>& owner,
                                             const std::optional<std::string>& group) {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (owner) {
    passwd* pw = getpwnam(owner->c_str());
    if (!pw) return Error(ErrorCode::kNotFound, "no user " + *owner);
    uid = pw->pw_uid;
  }
  if (group) {
    struct group* gr = getgrnam(group->c_str());
    if (!gr) return Error(ErrorCode::kNotFound, "no group " + *group);
    gid = gr->gr_gid;
  }
  return std::make_pair(uid, gid);
}

}  // namespace

Body handle_exec(const ExecRequest& request) {
  if (request.shell.has_value() == !request.argv.empty()) {
    return ErrorReply{"bad_request", "exec needs either argv or shell, not both"};
  }
  std::vector<std::string> argv;
  if (request.user) argv = {"runuser", "-u", *request.user, "--"};
  if (request.shell) {
    argv.insert(argv.end(), {"/bin/sh", "-c", *request.shell});
  } else {
    argv.insert(argv.end(), request.argv.begin(), request.argv.end());
  }
  process::ProcessSpec spec{
      argv, {}, "", request.stdin_data.value_or(""), request.timeout, request.max_output + 1};
  auto start = std::chrono::steady_clock::now();
  auto r = process::run_process(spec);
  ExecResult out;
  out.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (!r) {
    if (r.error().code() == ErrorCode::kTimeout) {
      out.timed_out = true;
      out.signal = 9;
      out.stderr_text = r.error().to_string();
      return out;
    }
    return ErrorReply{"failed", r.error().to_string()};
  }
  out.exit_code = r->exit_code;
  if (r->exit_code > 128) out.signal = r->exit_code - 128;
  out.stdout_text = std::move(r->out);
  out.stderr_text = std::move(r->err);
  tail_cut(out.stdout_text, request.max_output, out.stdout_truncated);
  tail_cut(out.stderr_text, request.max_output, out.stderr_truncated);
  return out;
}

Body handle_put_file(const PutFileRequest& request) {
  fs::path path(request.path);
  if (!path.is_absolute())
    return ErrorReply{"bad_request", "put_file needs an absolute path, got " + request.path};
  auto ids = lookup_owner(request.owner, request.group);
  if (!ids) return ErrorReply{"failed", ids.error().to_string()};
  std::error_code ec;
  if (request.make_parents) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".atelier-tmp";
  int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, request.mode.value_or(0644));
  if (fd < 0) return ErrorReply{"io", "open " + tmp.string() + ": " + std::strerror(errno)};
  std::string_view rest = request.content;
  bool ok = true;
  while (ok && !rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    ok = n >= 0;
    if (ok) rest.remove_prefix(static_cast<std::size_t>(n));
  }
  // The umask must not change the requested mode; ownership before rename so that the file
  // never appears with the wrong owner.
  // Ownership first: fchown clears set-user/group-id bits, so 07777 must be applied after it.
  ok = ok && ::fchown(fd, ids->first, ids->second) == 0;
  ok = ok && ::fchmod(fd, request.mode.value_or(0644)) == 0;
  ok = ok && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return ErrorReply{"io", "write " + request.path + ": " + std::strerror(err)};
  }
  return Ok{};
}

Body handle_get_file(const GetFileRequest& request) {
  struct stat st {};
  if (::stat(request.path.c_str(), &st) != 0) {
    const int err = errno;
    return ErrorReply{err == ENOENT ? "not_found" : "io",
                      "stat " + request.path + ": " + std::strerror(err)};
  }
  if (!S_ISREG(st.st_mode))
    return ErrorReply{"bad_request", request.path + " is not a regular file"};
  std::ifstream in(request.path, std::ios::binary);
  if (!in) return ErrorReply{"io", "open " + request.path + ": " + std::strerror(errno)};
  FileContent out;
  out.path = request.path;
  // Read to the end, not to st_size: /proc and /sys files report a size of 0 and still have
  // content (a sysctl op reads /proc/sys/... through here).
  char buffer[65536];
  while (out.content.size() < request.max_bytes && in) {
    const std::size_t want = std::min(sizeof buffer, request.max_bytes - out.content.size());
    in.read(buffer, static_cast<std::streamsize>(want));
    out.content.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  out.truncated =
      out.content.size() >= request.max_bytes && in.peek() != std::char_traits<char>::eof();
  out.size = std::max<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), out.content.size());
  out.mode = st.st_mode & 07777;
  passwd* pw = getpwuid(st.st_uid);
  out.owner = pw ? pw->pw_name : std::to_string(st.st_uid);
  struct group* gr = getgrgid(st.st_gid);
  out.group = gr ? gr->gr_name : std::to_string(st.st_gid);
  return out;
}

AgentServer::AgentServer(ServerOptions options)
    : options_(std::move(options)), spool_(options_.spool_dir) {
  if (options_.instance.nonce.empty()) options_.instance = new_instance();
}

Hello AgentServer::hello() const {
  Hello h;
  h.agent_version = options_.agent_version;
  h.identity = options_.identity;
  h.facts = gather_facts();
  h.spooled = spool_.size();
  h.instance = options_.instance;
  return h;
}

Status AgentServer::send(int fd, const Envelope& message) {
  return write_all(fd, encode(message), kWriteTimeout);
}

Envelope AgentServer::handle(Envelope request) {
  Envelope reply;
  reply.re = request.id;
  std::visit(
      [&](auto& body) {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, HelloRequest>) {
          reply.body = hello();
        } else if constexpr (std::is_same_v<B, ExecRequest>) {
          reply.body = handle_exec(body);
        } else if constexpr (std::is_same_v<B, PutFileRequest>) {
          reply.body = handle_put_file(body);
        } else if constexpr (std::is_same_v<B, GetFileRequest>) {
          reply.body = handle_get_file(body);
        } else if constexpr (std::is_same_v<B, RunChecks>) {
          Results results = run_bundle(body, options_.identity.host);
          // Durable before it is sent: if the channel drops now, the spool resends it.
          if (auto stored = spool_.store(results); !stored) {
            std::fprintf(stderr, "atelier-agent: %s\n", stored.error().to_string().c_str());
          }
          reply.body = std::move(results);
          // The bundle's worker threads are gone; hand their freed heaps back so the idle agent
          // stays as small as before the run.
          malloc_trim(0);
        } else {
          reply.body = ErrorReply{"unknown_type", std::string("the agent does not serve \"") +
                                                      type_name(Body(body)) + "\""};
        }
      },
      request.body);
  return reply;
}

Status AgentServer::serve(int fd) {
  ATELIER_RETURN_IF_ERROR(send(fd, Envelope{0, std::nullopt, hello()}));
  // Everything not yet acknowledged, oldest first; the controller dedups by result id.
  for (auto& results : spool_.pending())
    ATELIER_RETURN_IF_ERROR(send(fd, Envelope{0, std::nullopt, std::move(results)}));
  LineReader reader(fd, kMaxLineBytes);
  auto next_heartbeat = std::chrono::steady_clock::now() + options_.heartbeat;
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_heartbeat) {
      ATELIER_RETURN_IF_ERROR(
          send(fd, Envelope{0, std::nullopt, Heartbeat{++heartbeat_sequence_, unix_ms_now()}}));
      next_heartbeat = now + options_.heartbeat;
    }
    auto wait = std::min(
        kPollSlice, std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat - now));
    auto line = reader.read_line(wait);
    if (!line) {
      if (line.error().code() == ErrorCode::kTimeout) continue;
      if (line.error().code() == ErrorCode::kInvalidArgument) {
        ATELIER_RETURN_IF_ERROR(
            send(fd, Envelope{0, std::nullopt, ErrorReply{"bad_request", line.error().message()}}));
        continue;
      }
      return std::move(line).error();
    }
    auto message = decode(*line);
    if (!message) {
      std::string code =
          message.error().message().rfind("version", 0) == 0 ? "version" : "bad_request";
      ATELIER_RETURN_IF_ERROR(
          send(fd, Envelope{0, std::nullopt, ErrorReply{code, message.error().to_string()}}));
      continue;
    }
    if (auto* ack = std::get_if<Ack>(&message->body)) {
      if (auto done = spool_.ack(*ack); !done)
        std::fprintf(stderr, "atelier-agent: %s\n", done.error().to_string().c_str());
      continue;
    }
    if (std::holds_alternative<Hello>(message->body) ||
        std::holds_alternative<Heartbeat>(message->body) ||
        std::holds_alternative<ErrorReply>(message->body)) {
      continue;  // notifications the agent has nothing to do with
    }
    ATELIER_RETURN_IF_ERROR(send(fd, handle(std::move(*message))));
  }
  return ok_status();
}

Status AgentServer::run() {
  auto backoff = options_.reconnect_min;
  std::string last_reason;
  while (!stopping_) {
    auto fd = open_port(options_.port_path);
    if (fd) {
      auto served = serve(*fd);
      ::close(*fd);
      if (served) continue;  // stopped
      if (served.error().to_string() != last_reason) {
        last_reason = served.error().to_string();
        std::fprintf(stderr, "atelier-agent: channel closed: %s\n", last_reason.c_str());
      }
      backoff = options_.reconnect_min;
    } else if (fd.error().to_string() != last_reason) {
      last_reason = fd.error().to_string();
      std::fprintf(stderr, "atelier-agent: waiting for the host side: %s\n", last_reason.c_str());
    }
    // Wait in slices so that stop() is seen quickly; never spin on a hung-up port.
    auto until = std::chrono::steady_clock::now() + backoff;
    while (!stopping_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backoff = std::min(options_.reconnect_max, backoff * 2);
  }
  return ok_status();
}

}  // namespace atelier::agent
