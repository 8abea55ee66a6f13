// The agent's end of the channel: opens the virtio-serial port (or, for tests, a UNIX socket),
// sends hello and heartbeats, resends spooled results, and serves the controller's requests
// one at a time. Reopens with a backoff whenever the host side is not there.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include "agent/spool.h"
#include "common/protocol/messages.h"
#include "common/result.h"

namespace atelier::agent {

struct ServerOptions {
  // A character device (the guest's virtio-serial port) or a UNIX stream socket to connect to.
  std::string port_path = protocol::kDefaultGuestPort;
  std::filesystem::path spool_dir = "/var/spool/atelier-agent";
  protocol::Identity identity;
  std::string agent_version;
  // Sent in every hello; an empty nonce makes the server draw one (new_instance()), so that
  // every AgentServer, like every agent process, is its own instance.
  protocol::AgentInstance instance;
  std::chrono::milliseconds heartbeat{10000};
  std::chrono::milliseconds reconnect_min{1000};
  std::chrono::milliseconds reconnect_max{5000};
};

class AgentServer {
 public:
  explicit AgentServer(ServerOptions options);

  // Serves until stop(): open, serve, and after every disconnect wait and open again. Returns
  // ok after stop(); never returns an error for a missing host side (that is waited out).
  Status run();

  // Serves one connected descriptor until the peer leaves (kUnavailable) or stop() (ok). The
  // descriptor stays the caller's.
  Status serve(int fd);

  // Safe from a signal handler and from other threads.
  void stop() { stopping_ = true; }

  Spool& spool() { return spool_; }

 private:
  Status send(int fd, const protocol::Envelope& message);
  protocol::Envelope handle(protocol::Envelope request);
  protocol::Hello hello() const;

  ServerOptions options_;
  Spool spool_;
  std::atomic<bool> stopping_{false};
  std::uint64_t heartbeat_sequence_ = 0;
};

// The request handlers, exposed for tests: each returns the reply body.
protocol::Body handle_exec(const protocol::ExecRequest& request);
protocol::Body handle_put_file(const protocol::PutFileRequest& request);
protocol::Body handle_get_file(const protocol::GetFileRequest& request);

}  // namespace atelier::agent
