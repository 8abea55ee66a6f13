// What HttpServer hands to its upgrade hook (server.h): the request, typed and as Beast read
// it, the connection's stream to move out when the hook takes the connection over, and its
// place in the listener's connection caps, which the new owner holds until it closes.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "controller/api/http_types.h"

namespace atelier::api {

// A connection's place in the listener's caps (Options::max_connections, ..._per_client):
// given back on release() or at destruction, whichever comes first. Used on the io thread only.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::function<void()> give_back) : give_back_(std::move(give_back)) {}
  ~ConnectionSlot() { release(); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  void release() {
    if (auto f = std::exchange(give_back_, nullptr)) f();
  }

 private:
  std::function<void()> give_back_;
};

struct UpgradeContext {
  const HttpRequest& request;
  boost::beast::http::request<boost::beast::http::string_body>& raw;  // for websocket accept
  // Exactly one is set. A hook that returns true has moved from it; the server then forgets
  // the connection (stop() no longer closes it: the new owner does).
  boost::beast::tcp_stream* plain = nullptr;
  boost::beast::ssl_stream<boost::beast::tcp_stream>* tls = nullptr;
  // The connection's slot: a hook that takes the connection keeps it (a copy) for as long as
  // the connection is open and releases it when closing, on every path; the server drops its
  // own reference when the hook returns true, so the connection still counts while it lives.
  std::shared_ptr<ConnectionSlot> slot;
};

}  // namespace atelier::api
