// JSON error responses (see http_types.h).
#include "controller/api/http_types.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace atelier::api {

HttpResponse json_error(int status, std::string_view code, std::string_view message) {
  boost::json::object inner;
  inner["code"] = code;
  inner["message"] = message;
  boost::json::object outer;
  outer["error"] = std::move(inner);
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(outer);
  return r;
}

HttpResponse json_response(int status, const boost::json::value& v) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(v);
  r.body.push_back('\n');
  return r;
}

HttpResponse error_response(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return json_error(400, "invalid_argument", e.to_string());
    case ErrorCode::kNotFound:
      return json_error(404, "not_found", e.to_string());
    case ErrorCode::kAlreadyExists:
      return json_error(409, "conflict", e.to_string());
    case ErrorCode::kPermissionDenied:
      return json_error(403, "forbidden", e.to_string());
    case ErrorCode::kFailedPrecondition:
      return json_error(409, "failed_precondition", e.to_string());
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
      return json_error(503, "unavailable", e.to_string());
    default:
      return json_error(500, "internal", e.to_string());
  }
}

std::string_view header_value(const HttpHeaders& headers, std::string_view name) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& [n, v] : headers) {
    if (n.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < n.size(); ++i) same = lower(n[i]) == lower(name[i]);
    if (same) return v;
  }
  return {};
}

bool safe_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    bool token = std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace atelier::api
