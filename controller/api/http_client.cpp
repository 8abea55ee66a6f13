// Blocking HTTP client on Boost.Beast (see http_client.h).
#include "controller/api/http_client.h"

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <cctype>

namespace atelier::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Writes the request and reads the answer on a connected (and, for TLS, handshaken) stream.
template <class Stream>
Result<HttpResponse> exchange(asio::io_context& io, Stream& stream, const std::string& host,
                              const ClientRequest& request, const std::string& what) {
  http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "atelier-cli");
  if (!request.raw_authorization.empty()) {
    req.set(http::field::authorization, request.raw_authorization);
  } else if (!request.token.empty()) {
    req.set(http::field::authorization, "Bearer " + request.token);
  }
  if (!request.body.empty() || request.method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = request.body;
  }
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.keep_alive(false);
  req.prepare_payload();

  beast::error_code write_ec;
  io.restart();
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) { write_ec = e; });
  io.run();
  // A server refusing a large body may answer and stop reading before the body is sent; the
  // answer is still there to read, so a write error is only reported if no answer comes.
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code read_ec;
  io.restart();
  http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { read_ec = e; });
  io.run();
  if (read_ec) {
    beast::error_code first = write_ec ? write_ec : read_ec;
    ErrorCode code = first == beast::error::timeout ? ErrorCode::kTimeout : ErrorCode::kUnavailable;
    return Error(code, first.message()).context(what);
  }
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  for (const auto& field : res) out.headers.emplace_back(field.name_string(), field.value());
  return out;
}

}  // namespace

Result<HttpResponse> http_call(std::string_view server, const ClientRequest& request,
                               std::chrono::seconds timeout) {
  auto url = boost::urls::parse_uri(server);
  if (!url) {
    return Error(
        ErrorCode::kInvalidArgument,
        "\"" + std::string(server) + "\" is not a URL; give one like http://127.0.0.1:8440");
  }
  const bool tls = url->scheme() == "https";
  if (url->scheme() != "http" && !tls) {
    return Error(ErrorCode::kInvalidArgument, "the server URL must start with http:// or https://");
  }
  std::string host = url->host_address();
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
  std::string what = std::string(request.method) + " " + std::string(server) + request.target;

  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec)
    return Error(ErrorCode::kUnavailable, ec.message()).context("resolve " + host).context(what);

  // Every step runs with the same deadline; the async calls are run to completion here.
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  io.run();
  if (ec) {
    ErrorCode code = ec == beast::error::timeout ? ErrorCode::kTimeout : ErrorCode::kUnavailable;
    return Error(code, ec.message() + "; is atelierd running there?").context(what);
  }
  if (!tls) {
    auto r = exchange(io, stream, host, request, what);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return r;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  if (request.ca_file.empty())
    ctx.set_default_verify_paths(ec);
  else
    ctx.load_verify_file(request.ca_file, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument, ec.message())
        .context("load CA file " + request.ca_file)
        .context(what);
  }
  beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), ctx);
  beast::get_lowest_layer(secure).expires_after(timeout);
  // SNI for names; the certificate must name the host (an IP address in its SAN, or the name).
  if (!host.empty() && !std::isdigit(static_cast<unsigned char>(host[0])) &&
      host.find(':') == std::string::npos) {
    SSL_set_tlsext_host_name(secure.native_handle(), host.c_str());
  }
  secure.set_verify_callback(asio::ssl::host_name_verification(host));
  io.restart();
  secure.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  io.run();
  if (ec) {
    return Error(ErrorCode::kUnavailable, "TLS handshake failed: " + ec.message() +
                                              " (is the server's certificate trusted? --ca-file)")
        .context(what);
  }
  auto r = exchange(io, secure, host, request, what);
  beast::get_lowest_layer(secure).expires_after(std::chrono::seconds(2));
  io.restart();
  secure.async_shutdown([](beast::error_code) {});
  io.run();
  return r;
}

}  // namespace atelier::api
