// JSON error responses (see http_types.h).
#include "controller/api/http_types.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

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

}  // namespace atelier::api
