// The console WebSocket: GET /console/{session}/{candidate}/{host} upgraded on atelierd's
// listener bridges a browser's terminal to ConsoleHub. Binary frames both ways carry the
// console's bytes; a text frame "take-over" lets a trainer take the keyboard. The same listener
// bridges GET /display/{session}/{candidate}/{host} to a screen (VNC) for noVNC.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "controller/api/http_types.h"
#include "controller/console/console_hub.h"
#include "controller/store/store.h"

namespace atelier::api {

struct UpgradeContext;

// Who is asking, as the authorize hook found out (a bearer token, a candidate's cookie or a
// trainer's staff cookie).
struct ConsolePrincipal {
  std::string name;      // for the hub and the logs: a token id, a candidate id
  bool trainer = false;  // may watch every candidate of `session` and take the keyboard
  std::optional<std::string> session;    // set: limited to this session (always for candidates)
  std::optional<std::string> candidate;  // set for a candidate: only their own lab
  // Authenticated by the browser's cookie: such an upgrade must carry an Origin (browsers always
  // send one), so that another site's page cannot ride on the cookie.
  bool by_cookie = false;
  // What the console's other viewers are told when this one holds the keyboard ("marie", a
  // token's label); empty: `name`.
  std::string shown_as;
};

// Whether the request's Origin, when it has one, names the same host[:port] as its Host field
// (scheme ignored: TLS ends in atelierd itself). No Origin: true (a non-browser client).
bool origin_matches_host(const HttpRequest& request);

// The Authorize hook atelierd gives the bridge (handlers_web_console.cpp): a trainer's bearer
// token or staff cookie (any candidate of its sessions), a candidate's token or login cookie
// (their own lab only); nullopt when there is no valid credential (an evaluator's is none). Reads
// the store: run it where the store belongs.
std::optional<ConsolePrincipal> console_principal(store::Store& store, const HttpRequest& request);

class ConsoleWebSocket {
 public:
  // Blocking: may read the store. Runs through `run_blocking` (atelierd: the HTTP server's
  // worker, which owns the API's store connection), never on the io thread.
  using Authorize = std::function<std::optional<ConsolePrincipal>(const HttpRequest&)>;
  using RunBlocking = std::function<void(std::function<void()>)>;

  struct Options {
    unsigned threads = 2;                     // for hub.attach (opens libvirt streams)
    std::size_t max_queued_bytes = 1 << 20;   // a viewer this far behind is disconnected
    std::size_t max_frame_bytes = 64 * 1024;  // a bigger frame from the viewer ends the socket
    // A socket that sends nothing for this long (keys, take-over) is closed with the reason
    // "idle" (close code 4000); 0: never. What the guest prints does not count.
    std::chrono::milliseconds idle_timeout{0};
    // Connects to a host's display (GET /display/{session}/{candidate}/{host}); blocking, run
    // on this module's pool. Empty: such requests get 404.
    std::function<Result<provider::DisplayFd>(const provider::ObjectRef&)> open_display;
  };

  ConsoleWebSocket(console::ConsoleHub& hub, Authorize authorize, RunBlocking run_blocking,
                   Options options);
  ConsoleWebSocket(console::ConsoleHub& hub, Authorize authorize, RunBlocking run_blocking);
  // Waits for the attach threads; open sockets end when their io_context stops.
  ~ConsoleWebSocket();

  // The HttpServer::Options::upgrade hook: takes GET /console/{session}/{candidate}/{host}
  // (then answers 403 for an Origin other than the Host, 401, 403 for another candidate's console
  // whether it exists or not, 404, or switches protocols), leaves every other request. Takes
  // GET /display/{session}/{candidate}/{host} the same way: a screen's RFB in binary frames for
  // noVNC, with the same credentials and refusals; no keyboard turns there (a trainer's page
  // watches unless the trainer chooses to type).
  bool take(UpgradeContext& up);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace atelier::api
