// The one query-string parser (see query_string.h).
#include "controller/api/query_string.h"

#include <boost/url/parse.hpp>

namespace atelier::api {

Result<std::map<std::string, std::string>> query_params(std::string_view target) {
  std::map<std::string, std::string> out;
  if (target.find('?') == std::string_view::npos) return out;
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    return Error(ErrorCode::kInvalidArgument,
                 "the query string cannot be read: " + url.error().message());
  }
  for (auto p : url->params()) {
    if (!p.key.empty()) out[std::string(p.key)] = std::string(p.value);  // "?", "a=1&&b=2"
  }
  return out;
}

}  // namespace atelier::api
