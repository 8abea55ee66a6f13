// Plain HTTP request/response values shared by the server, the handlers and the client, so that
// no header outside a few .cpp files needs Boost.Beast.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::api {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, as sent: "/sessions/s1?x=y"
  std::string authorization;  // the Authorization header, "" when absent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool close = false;  // close the connection after this response

  // A stream (Server-Sent Events) when set: the server sends the headers and `body`, then
  // calls `poll` every `poll_interval` on the server's worker thread and sends what it returns ("" sends
  // nothing), until it returns nullopt, the client goes away, or the server stops.
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
