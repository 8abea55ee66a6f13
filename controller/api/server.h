// HttpServer: HTTP/1.1 over Boost.Beast on an io_context, one C++20 coroutine per connection.
// The io thread never blocks: the Handler (store, lab loading, reconciler calls) and the polls of
// event streams run on the server's one worker thread, in arrival order, which the connection's
// coroutine co_awaits; only the `quick` handler (no store: /healthz) and the Observer run on the
// io thread. Beast stays inside server.cpp; this header only forward-declares asio types.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "controller/api/http_types.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace atelier::api {

struct UpgradeContext;  // websocket_upgrade.h

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;                    // 0: the system picks one (tests)
    std::size_t max_body_bytes = 1024 * 1024;  // larger bodies get 413
    std::chrono::seconds read_timeout{30};     // an idle or slow client is dropped
    // After a refused request (413, 400) the rest of what the client sends is read and dropped
    // so that it reads the answer before the close; at most this long and this much in all.
    std::chrono::milliseconds drain_time{2000};
    std::size_t drain_bytes = 1024 * 1024;
    // Connections open at once, in all and from one client address; one more is closed at once
    // (and logged as refused). A connection taken over as a WebSocket (the consoles) counts
    // until its new owner closes it (ConnectionSlot, websocket_upgrade.h).
    std::size_t max_connections = 512;
    std::size_t max_connections_per_client = 128;
    // Event streams (Server-Sent Events) open at once; one more gets 503. Each is also a
    // connection above. A stream whose reader does not take an event (or the heartbeat, a comment
    // line sent when nothing happened for event_heartbeat) within event_write_timeout is closed:
    // a reader that stopped reading or vanished does not hold its stream for ever.
    std::size_t max_event_streams = 64;
    std::chrono::milliseconds event_heartbeat{15000};
    std::chrono::milliseconds event_write_timeout{30000};
    // Refused requests and connections are logged at most this many times per window; the
    // next line after the window says how many were left out.
    std::size_t refused_log_burst = 20;
    std::chrono::seconds refused_log_window{10};
    // TLS when both are set: PEM certificate chain and private key; TLS 1.2 and newer only.
    std::string tls_cert_file;
    std::string tls_key_file;
    // Asked first, on the io thread: an answer it can give without blocking (no store, no file,
    // no lock held for long), or nullopt to hand the request to the Handler on the worker.
    std::function<std::optional<HttpResponse>(const HttpRequest&)> quick;
    // Asked on the io thread for a request asking to upgrade to a WebSocket: true if it took the
    // connection over (moved the stream out, websocket_upgrade.h), false to answer the request
    // as any other. Must not block.
    std::function<bool(UpgradeContext&)> upgrade;
  };
  // Runs on the worker thread, one request at a time: it needs no locking of its own, but must
  // not touch what the io thread uses (the quick handler's and the Observer's state).
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Called on the io thread for responses the server makes itself (413, 400 on a malformed
  // request): must be cheap and safe against a Handler running at the same time.
  using Observer = std::function<void(int status)>;
  // A request or connection the server refused itself, for the log (io thread, rate-limited by
  // Options::refused_log_burst). method and path are "-" for a refused connection; path has no
  // query. suppressed: refusals left out of the log since the previous call.
  struct Refusal {
    std::string method, path, reason, client;
    std::size_t suppressed = 0;
  };
  using RefusalLog = std::function<void(const Refusal&)>;

  // Binds and starts accepting. Errors: kInvalidArgument for a bad address or a certificate or
  // key that does not load, kUnavailable when the port cannot be bound.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, Options options,
                                                   Handler handler, Observer observer = {},
                                                   RefusalLog refusal_log = {});
  // Stops the worker (a request it is handling finishes first; queued ones are dropped). Destroy
  // the server after its io_context has stopped running, and before what the Handler uses.
  ~HttpServer();

  std::uint16_t port() const;
  // Runs f on the worker thread, in order with the Handler's calls: for code that shares the
  // Handler's store connection (tests changing the store under an open event stream).
  void post_to_worker(std::function<void()> f);
  // Stops accepting and closes open connections. Call from the io_context's thread (or post it).
  void stop();

  struct Impl;

 private:
  HttpServer(std::shared_ptr<Impl> impl, std::unique_ptr<boost::asio::thread_pool> worker);
  std::shared_ptr<Impl> impl_;
  // Owned here, not by Impl: the worker thread may drop the last reference to Impl, and a pool
  // cannot join itself.
  std::unique_ptr<boost::asio::thread_pool> worker_;
};

}  // namespace atelier::api
