// JSON views of the lab model (Boost.JSON), for `atelier lab show --output json` and for tools
// that send checks over the wire.
#pragma once

#include <boost/json/value.hpp>

#include "common/check_spec.h"
#include "common/lab/lab.h"
#include "common/result.h"

namespace atelier::lab {

boost::json::value to_json(const Lab& lab);
boost::json::value to_json(
    const checks::Check& check);                 // {"on","description","timeout_ms","KIND":{...}}
boost::json::value to_json(const Value& value);  // scalars as strings
// The inverse of to_json(Check): for protocol messages. Errors name the bad field.
Result<checks::Check> check_from_json(const boost::json::value& json);

// A readable multi-line description of a resolved lab (`atelier lab show --output text`).
std::string to_text(const Lab& lab);

}  // namespace atelier::lab
