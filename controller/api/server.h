// HttpServer: HTTP/1.1 over Boost.Beast on an io_context, one C++20 coroutine per connection.
// Requests are handed to a Handler on the io_context's thread: run the io_context on one thread
// (atelierd does) and that thread is the strand that owns the API's mutable state.
// Beast stays inside server.cpp; this header only forward-declares the io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "controller/api/http_types.h"

namespace boost::asio {
class io_context;
}

namespace atelier::api {

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;                          // 0: the system picks one (tests)
    std::size_t max_body_bytes = 1024 * 1024;        // larger bodies get 413
    std::chrono::seconds read_timeout{30};           // an idle or slow client is dropped
    // TLS when both are set: PEM certificate chain and private key; TLS 1.2 and newer only.
    std::string tls_cert_file;
    std::string tls_key_file;
  };
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Called for responses the server makes itself (413, 400 on a malformed request).
  using Observer = std::function<void(int status)>;

  // Binds and starts accepting. Errors: kInvalidArgument for a bad address or a certificate or
  // key that does not load, kUnavailable when the port cannot be bound.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, Options options,
                                                   Handler handler, Observer observer = {});
  ~HttpServer();

  std::uint16_t port() const;
  // Stops accepting and closes open connections. Call from the io_context's thread (or post it).
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace atelier::api
