// The JSON codec for protocol messages and check specs: pure functions, no I/O.
// One message is one JSON object on one line; see docs/protocol.md for the wire format.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "common/check_spec.h"
#include "common/protocol/messages.h"
#include "common/result.h"

namespace atelier::protocol {

// Encodes one message as a JSON object followed by '\n'.
std::string encode(const Envelope& message);

// Decodes one line (with or without its '\n'). Errors (kInvalidArgument) name the field that is
// wrong; a message of another protocol version is an error whose message starts "version".
Result<Envelope> decode(std::string_view line);

// A check spec as JSON: {"kind":"file","on":"","description":"","timeout_ms":10000,"args":{...}}.
// Arguments use the same keys as lab.yaml; optional fields are omitted when unset.
boost::json::value check_to_json(const checks::Check& check);
Result<checks::Check> check_from_json(const boost::json::value& json);

boost::json::value result_to_json(const CheckResult& result);
Result<CheckResult> result_from_json(const boost::json::value& json);

Result<CheckStatus> parse_check_status(std::string_view text);

// Standard base64 with padding (RFC 4648 section 4).
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace atelier::protocol
