// What HttpServer hands to its upgrade hook (server.h): the request, typed and as Beast read
// it, and the connection's stream to move out when the hook takes the connection over.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "controller/api/http_types.h"

namespace atelier::api {

struct UpgradeContext {
  const HttpRequest& request;
  boost::beast::http::request<boost::beast::http::string_body>& raw;  // for websocket accept
  // Exactly one is set. A hook that returns true has moved from it; the server then forgets
  // the connection (stop() no longer closes it: the new owner does).
  boost::beast::tcp_stream* plain = nullptr;
  boost::beast::ssl_stream<boost::beast::tcp_stream>* tls = nullptr;
};

}  // namespace atelier::api
