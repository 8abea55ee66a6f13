// Plain HTTP request/response values shared by the server, the handlers and the client, so that
// no header outside a few .cpp files needs Boost.Beast.
#pragma once

#include <string>
#include <string_view>

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
};

// {"error": {"code": CODE, "message": MESSAGE}} with the given status.
HttpResponse json_error(int status, std::string_view code, std::string_view message);

}  // namespace atelier::api
