// The one parser of query strings (and of form bodies, read as one) at the API's edge: every
// handler, the results endpoints and the web pages read their fields through it.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::api {

// The decoded query parameters of a request target ("/path?a=1&b=x+y"): Boost.URL's params
// view, percent- and plus-decoded, the last of a repeated key wins, empty keys skipped; empty
// without a '?'. kInvalidArgument, saying so, when the target cannot be read (a bad %-escape, a raw
// space).
Result<std::map<std::string, std::string>> query_params(std::string_view target);

}  // namespace atelier::api
