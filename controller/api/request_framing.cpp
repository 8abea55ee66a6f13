// The listener's framing checks (see request_framing.h).
#include "controller/api/request_framing.h"

#include <boost/beast/core/string.hpp>
#include <iterator>

namespace atelier::api {
namespace http = boost::beast::http;

std::string framing_refusal(const http::fields& header) {
  std::size_t te = 0, auth = 0;
  std::string_view te_value;
  for (const auto& f : header) {
    if (f.name() == http::field::transfer_encoding) {
      ++te;
      te_value = f.value();
    } else if (f.name() == http::field::authorization) {
      ++auth;
    }
  }
  if (auth > 1) return "two Authorization header fields";
  if (te == 0) return "";
  if (te > 1) return "two Transfer-Encoding header fields";
  while (!te_value.empty() && (te_value.front() == ' ' || te_value.front() == '\t'))
    te_value.remove_prefix(1);
  while (!te_value.empty() && (te_value.back() == ' ' || te_value.back() == '\t'))
    te_value.remove_suffix(1);
  if (!boost::beast::iequals(te_value, "chunked")) {
    return "Transfer-Encoding \"" + std::string(te_value.substr(0, 64)) +
           "\" is not supported; only chunked";
  }
  if (header.find(http::field::content_length) != header.end())
    return "both Transfer-Encoding and Content-Length";
  return "";
}

std::size_t field_count(const http::fields& fields) {
  return static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
}

std::string trailer_refusal(std::size_t header_fields, const http::fields& fields) {
  if (field_count(fields) == header_fields) return "";
  return "trailer fields after a chunked body are not accepted; send every field in the header";
}

std::string path_only(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

}  // namespace atelier::api
