// A small blocking HTTP/1.1 client for the CLI and the tests (Boost.Beast inside the .cpp).
// One request per connection; http:// and https:// (the server's certificate is verified
// against `ca_file`, or the system's trust store when empty, and must name the host).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/api/http_types.h"

namespace atelier::api {

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string token;              // sent as "Authorization: Bearer TOKEN" when not empty
  std::string body;               // sent as application/json when not empty (or method is POST)
  std::string raw_authorization;  // sent as is when not empty (tests of malformed headers)
  std::string ca_file;            // https: PEM file of the CA (or self-signed certificate) to trust
  HttpHeaders headers;            // extra fields sent as given (Cookie, Origin, ...)
};

// Sends `request` to `server` ("http://HOST:PORT", optional trailing path ignored) and returns
// the response, whatever its status, with its header fields in HttpResponse::headers. Errors:
// kInvalidArgument for a bad URL, kUnavailable when the server cannot be reached, kTimeout after
// `timeout`.
Result<HttpResponse> http_call(std::string_view server, const ClientRequest& request,
                               std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace atelier::api
