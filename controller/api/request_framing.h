// How the API's listener judges a request's header before it reads the body: the framing checks
// against request smuggling, and the header's limit. Kept apart from server.cpp's coroutines so
// that the API request fuzzer (tests/fuzz/api_request/, clang with sanitizers) can compile them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace atelier::api {

// Largest request header the listener reads (Beast's request_parser::header_limit).
inline constexpr std::size_t kMaxRequestHeaderBytes = 16 * 1024;

// Why a request's framing is refused (RFC 9112 6.1, 6.3: answer 400 and close), or "" when it
// is sound: a Transfer-Encoding other than exactly "chunked" (e.g. "xchunked", "chunked,
// identity"), given twice or with a Content-Length, since a proxy in front may frame it
// otherwise; and two Authorization fields, which could authenticate as either. Pure.
std::string framing_refusal(const boost::beast::http::fields& header);

// How many fields a request has; taken after its header, compared after its body.
std::size_t field_count(const boost::beast::http::fields& fields);
// Beast adds a chunked body's trailer fields to the request's fields once the body is read: a
// field there (an Authorization, a second Host) was never seen by framing_refusal. Refused
// (400) when the request has more fields than its header had; "" otherwise. Pure.
std::string trailer_refusal(std::size_t header_fields, const boost::beast::http::fields& fields);

// The path of a request target, without its query (for the refusal log).
std::string path_only(std::string_view target);

}  // namespace atelier::api
