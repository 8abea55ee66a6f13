// The controller's end of the agent channel: connects to the UNIX socket libvirt binds for a
// guest's virtio-serial port, waits for the agent's hello, and sends requests with deadlines.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace atelier::protocol {

class AgentClient {
 public:
  // Called on the client's reader thread for Results that answer no pending request (results
  // the agent resends from its spool). Return ok once they are stored: the client then acks
  // them. Return an error to leave them in the agent's spool for a later resend.
  using ResultsHandler = std::function<Status(const Results&)>;

  struct Options {
    ResultsHandler on_results;
  };

  // Connects to `socket_path` (the host side of `<channel type='unix'><source mode='bind'>`).
  // Errors: kUnavailable when nothing listens there, kTimeout past `timeout`.
  static Result<std::unique_ptr<AgentClient>> connect(const std::string& socket_path,
                                                      std::chrono::milliseconds timeout,
                                                      Options options = {});
  // Takes ownership of a connected stream socket (tests use a socketpair).
  static std::unique_ptr<AgentClient> adopt(int fd, Options options = {});

  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Returns the agent's Hello: the latest one received, or asks for one (hello_request) and
  // waits. kTimeout when none arrives in time; kUnavailable when the channel closed.
  Result<Hello> wait_hello(std::chrono::milliseconds timeout);

  // Each request waits at most `timeout` for its reply. An agent `error` reply becomes an
  // Error (kFailedPrecondition, or kInvalidArgument for bad_request). kUnavailable when the
  // channel closed; kTimeout when no reply came (the request may still run in the agent).
  Result<ExecResult> exec(const ExecRequest& request, std::chrono::milliseconds timeout);
  Status put_file(const PutFileRequest& request, std::chrono::milliseconds timeout);
  Result<FileContent> get_file(const GetFileRequest& request, std::chrono::milliseconds timeout);
  // Returns the results; the caller stores them, then calls ack() (until then the agent keeps
  // them in its spool and resends them on reconnect).
  Result<Results> run_checks(const RunChecks& request, std::chrono::milliseconds timeout);
  Status ack(const Results& results);

  // The generic form: sends `body` as a request and returns the reply's body.
  Result<Body> request(Body body, std::chrono::milliseconds timeout);

  // Lines from the agent that were not a message of this protocol (not JSON, unknown type, a
  // body that does not decode, over-long): how many since the client was made, and the last
  // reason. They are answered with an `error` and otherwise dropped; a caller compares counts
  // before and after an exchange to record them (issue 20: answers out of protocol).
  struct Malformed {
    std::uint64_t count = 0;
    std::string last;
  };
  Malformed malformed() const;

  bool connected() const;
  // When the last message of any kind arrived from the agent (heartbeats included).
  std::optional<std::chrono::steady_clock::time_point> last_seen() const;
  // Closes the socket and joins the reader; pending requests fail with kUnavailable.
  void close();

 private:
  AgentClient(int fd, Options options);
  void reader_loop();
  Status send(const Envelope& message);
  void handle(Envelope message);

  int fd_;
  Options options_;
  mutable std::mutex mutex_;
  std::mutex write_mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  // Request ids start at a random point (below 2^52, exact in any JSON reader): replies the
  // agent wrote to an earlier client of the same channel (a controller killed mid-request) are
  // read by the next one and must not match its requests.
  std::uint64_t next_id_ = initial_request_id();
  static std::uint64_t initial_request_id();
  std::map<std::uint64_t, std::optional<Envelope>> pending_;  // id -> reply once it arrived
  std::optional<Hello> hello_;
  Malformed malformed_;
  std::optional<std::chrono::steady_clock::time_point> last_seen_;
  std::thread reader_;
};

}  // namespace atelier::protocol
