// libFuzzer target over the API's request reading: the bytes a client sends on one connection,
// read as HttpServer::serve_stream reads them (Beast's request_parser with the listener's header
// limit; the header first, framing_refusal before any body byte, then the body; keep-alive
// requests follow on the same bytes), each accepted target then parsed by query_params.
// Beyond crashes and sanitizer reports it aborts when a request is accepted that a proxy could
// frame otherwise (two Authorization fields, a Transfer-Encoding Beast does not read as chunked
// or beside a Content-Length), when query_params breaks its contract, or when the outcome
// depends on how the bytes were split by the network (read whole, then in small pieces).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "controller/api/query_string.h"
#include "controller/api/request_framing.h"

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
using atelier::api::field_count;
using atelier::api::framing_refusal;
using atelier::api::kMaxRequestHeaderBytes;
using atelier::api::trailer_refusal;

// The listener's body limit is 1 MiB; a smaller one here lets inputs of the fuzzer's size
// reach the 413 path.
constexpr std::size_t kBodyLimit = 4096;

void require(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "api request fuzzer: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// A connection's bytes arriving `piece` at a time; what the parser has not consumed stays in
// `pending`, as in the listener's flat_buffer.
struct Connection {
  std::string_view input;
  std::size_t piece;
  std::string pending;
  bool receive() {
    if (input.empty()) return false;
    const std::size_t n = std::min(piece, input.size());
    pending.append(input.substr(0, n));
    input.remove_prefix(n);
    return true;
  }
};

// Feeds the parser until `done()` (Beast's read loop): more bytes on need_more, put_eof at the
// end of the input, end_of_stream when the client sent nothing for this message.
template <class Done>
beast::error_code feed(http::request_parser<http::string_body>& parser, Connection& c, Done done) {
  beast::error_code ec;
  while (!done()) {
    std::size_t used = 0;
    if (!c.pending.empty()) {
      used = parser.put(boost::asio::buffer(c.pending), ec);
      c.pending.erase(0, used);
      if (ec && ec != http::error::need_more) return ec;
      ec = {};
    }
    if (used > 0) continue;
    if (!c.receive()) {
      if (!parser.got_some()) return http::error::end_of_stream;
      parser.put_eof(ec);
      return ec;
    }
  }
  return ec;
}

// How a connection's reading ends: the client closed it, or the listener refused a request
// (400 or 413) and closed it. Which refusal is left out: on the same bytes in pieces Beast may
// stop at another error first (a malformed chunk extension is "bad chunk extension" when read
// whole, a body over the limit when read in pieces), and both close the connection.
std::string ending(const beast::error_code& ec) {
  return ec == http::error::end_of_stream ? "end" : "refused";
}

// What the listener makes of one accepted request, checked on the way.
std::string accept(http::request_parser<http::string_body>& parser) {
  const auto& req = parser.get();
  std::size_t auth = 0, te = 0;
  for (const auto& f : req) {
    auth += f.name() == http::field::authorization;
    te += f.name() == http::field::transfer_encoding;
  }
  require(auth <= 1, "accepted with two Authorization fields");
  require(te <= 1, "accepted with two Transfer-Encoding fields");
  if (te == 1) {
    require(parser.chunked(), "accepted a Transfer-Encoding that Beast does not read as chunked");
    require(req.find(http::field::content_length) == req.end(),
            "accepted both Transfer-Encoding and Content-Length");
  }
  std::string seen = std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                     std::to_string(req.body().size()) + (req.keep_alive() ? " keep" : " close");
  if (beast::websocket::is_upgrade(req)) seen += " upgrade";
  const std::string path = atelier::api::path_only(req.target());
  require(path.find('?') == std::string::npos, "path_only kept a '?'", path);
  auto query = atelier::api::query_params(req.target());
  if (!query) return seen + " query-error";
  for (const auto& [key, value] : *query) {
    require(!key.empty(), "query_params gave an empty key", req.target());
    seen += " " + key + "=" + value;
  }
  return seen;
}

// The requests the listener would answer on this connection, one line each, then why it stopped.
std::string read_connection(std::string_view input, std::size_t piece) {
  Connection c{input, piece, {}};
  std::string outcome;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kMaxRequestHeaderBytes);
    parser.eager(false);
    auto ec = feed(parser, c, [&] { return parser.is_header_done(); });
    if (ec) return outcome + ending(ec);
    if (auto refusal = framing_refusal(parser.get()); !refusal.empty()) {
      return outcome + "refused";
    }
    const std::size_t header_fields = field_count(parser.get());
    parser.eager(true);
    ec = feed(parser, c, [&] { return parser.is_done(); });
    if (ec) return outcome + ending(ec);
    if (!trailer_refusal(header_fields, parser.get()).empty()) return outcome + "refused";
    outcome += accept(parser) + "\n";
    if (!parser.get().keep_alive()) return outcome + "closed";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string whole = read_connection(input, input.size() + 1);
  const std::string pieces = read_connection(input, 1 + size % 13);
  require(whole == pieces, "the outcome depends on how the bytes arrive:",
          "whole:\n" + whole + "\nin pieces:\n" + pieces);
  return 0;
}
