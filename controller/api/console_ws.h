// The console WebSocket: GET /console/{session}/{candidate}/{host} upgraded on atelierd's
// listener bridges a browser's terminal to ConsoleHub. Binary frames both ways carry the
// console's bytes; a text frame "take-over" lets a trainer take the keyboard.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "controller/api/http_types.h"
#include "controller/console/console_hub.h"

namespace atelier::api {

struct UpgradeContext;

// Who is asking, as the authorize hook found out (an API token now, a candidate's cookie later).
struct ConsolePrincipal {
  std::string name;       // for the hub and the logs: a token id, a candidate id
  bool trainer = false;   // may watch every candidate of `session` and take the keyboard
  std::optional<std::string> session;    // set: limited to this session (always for candidates)
  std::optional<std::string> candidate;  // set for a candidate: only their own lab
};

class ConsoleWebSocket {
 public:
  // Blocking: may read the store. Runs through `run_blocking` (atelierd: the HTTP server's
  // worker, which owns the API's store connection), never on the io thread.
  using Authorize = std::function<std::optional<ConsolePrincipal>(const HttpRequest&)>;
  using RunBlocking = std::function<void(std::function<void()>)>;

  struct Options {
    unsigned threads = 2;                      // for hub.attach (opens libvirt streams)
    std::size_t max_queued_bytes = 1 << 20;    // a viewer this far behind is disconnected
  };

  ConsoleWebSocket(console::ConsoleHub& hub, Authorize authorize, RunBlocking run_blocking,
                   Options options);
  ConsoleWebSocket(console::ConsoleHub& hub, Authorize authorize, RunBlocking run_blocking);
  // Waits for the attach threads; open sockets end when their io_context stops.
  ~ConsoleWebSocket();

  // The HttpServer::Options::upgrade hook: takes GET /console/{session}/{candidate}/{host}
  // (then answers 401/403/404 itself, or switches protocols), leaves every other request.
  bool take(UpgradeContext& up);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace atelier::api
