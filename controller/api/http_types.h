// Plain HTTP request/response values shared by the server, the handlers and the client, so that
// no header outside a few .cpp files needs Boost.Beast.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace atelier::api {

// Header fields in the order received or to send; names keep their spelling.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The value of the first field named `name` (ASCII case-insensitive), "" when absent.
std::string_view header_value(const HttpHeaders& headers, std::string_view name);

// Whether a field name and value can be sent as they are (no CR, LF or NUL; a name of token
// characters): what a handler sets must not split the response.
bool safe_header(std::string_view name, std::string_view value);

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, as sent: "/sessions/s1?x=y"
  std::string authorization;  // the Authorization header, "" when absent
  std::string body;
  // Every header field as received (Cookie, Origin, Host, Content-Type, User-Agent, ...).
  HttpHeaders headers;
  // The peer's IP address, "127.0.0.1" or "::1"; "" when not known (a request made in a test).
  std::string client_address;

  std::string_view header(std::string_view name) const { return header_value(headers, name); }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool close = false;  // close the connection after this response
  // Extra fields sent after the server's own (Set-Cookie, possibly more than once, Location,
  // Content-Security-Policy). A field that is not safe_header() is a bug: the server answers 500.
  HttpHeaders headers;

  // A stream (Server-Sent Events) when set: the server sends the headers and `body`, then
  // calls `poll` every `poll_interval` on the server's worker thread and sends what it returns (""
  // sends nothing), until it returns nullopt, the client goes away, or the server stops.
  std::function<std::optional<std::string>()> poll;
  std::chrono::milliseconds poll_interval{1000};
};

// {"error": {"code": CODE, "message": MESSAGE}} with the given status.
HttpResponse json_error(int status, std::string_view code, std::string_view message);

// A JSON body with the given status (serialized, newline-terminated).
HttpResponse json_response(int status, const boost::json::value& v);

// An Error as its HTTP answer: invalid_argument 400, not_found 404, conflict 409 (already
// exists), forbidden 403, failed_precondition 409, unavailable 503 (also timeouts), else 500.
HttpResponse error_response(const Error& e);

// "2026-11-30T07:22:16.123Z": how the API writes instants.
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace atelier::api
