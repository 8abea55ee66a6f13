// HttpServer on Boost.Beast with C++20 coroutines (see server.h).
#include "controller/api/server.h"
#include "controller/api/request_framing.h"
#include "controller/api/websocket_upgrade.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <list>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>

namespace atelier::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* kTls12Suites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The refusals logged per window (io thread only): the first `burst` of a window are logged, the
// rest counted and reported with the next logged one.
class RefusalLimiter {
 public:
  RefusalLimiter(std::size_t burst, std::chrono::steady_clock::duration window)
      : burst_(burst), window_(window) {}
  // Whether to log this one; suppressed gets the count left out before it.
  bool admit(std::chrono::steady_clock::time_point now, std::size_t& suppressed) {
    if (now - window_start_ >= window_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++suppressed_;
      return false;
    }
    ++in_window_;
    suppressed = std::exchange(suppressed_, 0);
    return true;
  }

 private:
  std::size_t burst_;
  std::chrono::steady_clock::duration window_;
  std::chrono::steady_clock::time_point window_start_{};
  std::size_t in_window_ = 0;
  std::size_t suppressed_ = 0;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, asio::thread_pool::executor_type w, Options o, Handler h, Observer obs,
       RefusalLog rl)
      : acceptor(io),
        worker(std::move(w)),
        options(std::move(o)),
        handler(std::move(h)),
        observer(std::move(obs)),
        refusal_log(std::move(rl)),
        refusals(options.refused_log_burst, options.refused_log_window) {}

  tcp::acceptor acceptor;
  asio::thread_pool::executor_type worker;  // one thread: the Handler's and the polls'
  Options options;
  Handler handler;
  Observer observer;
  RefusalLog refusal_log;
  RefusalLimiter refusals;
  // Open connections, in all and by client address (io thread only).
  std::size_t connections = 0;
  std::map<std::string, std::size_t> connections_by_client;
  std::optional<asio::ssl::context> tls;  // set: every connection starts with a TLS handshake
  std::list<beast::tcp_stream*> streams;  // open connections, closed by stop()
  std::size_t event_streams = 0;          // of which Server-Sent Event streams (io thread only)
  std::atomic<bool> stopped = false;      // set on the io thread, or by the destructor

  void refuse(std::string method, std::string path, std::string reason, std::string client) {
    std::size_t suppressed = 0;
    if (!refusal_log || !refusals.admit(std::chrono::steady_clock::now(), suppressed)) return;
    refusal_log(
        {std::move(method), std::move(path), std::move(reason), std::move(client), suppressed});
  }

  // Out of file descriptors the pending connection stays in the backlog and accept fails again
  // at once: wait, doubling from 10 ms to 1 s, instead of spinning (and let /healthz recover
  // as soon as descriptors are back).
  asio::awaitable<void> back_off(std::chrono::milliseconds& delay) {
    refuse("-", "-",
           "out of file descriptors; accepting again in " + std::to_string(delay.count()) + " ms",
           "-");
    asio::steady_timer timer(acceptor.get_executor());
    timer.expires_after(delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(1));
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    std::chrono::milliseconds delay{10};
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (stopped || ec == asio::error::operation_aborted) co_return;
      if (ec == asio::error::no_descriptors ||
          ec == boost::system::errc::too_many_files_open_in_system ||
          ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
        co_await back_off(delay);
        if (stopped) co_return;
        continue;
      }
      if (ec) continue;  // a client that went away during accept
      delay = std::chrono::milliseconds(10);
      beast::error_code peer_ec;
      // Small writes (a console's echo, an event of a stream) leave at once: under Nagle they
      // wait for the client's delayed ACK, up to 40 ms on Linux (bench/console_echo).
      socket.set_option(asio::ip::tcp::no_delay(true), peer_ec);
      const auto peer = socket.remote_endpoint(peer_ec);
      std::string client = peer_ec ? std::string() : peer.address().to_string();
      std::size_t& mine = connections_by_client[client];
      if (connections >= options.max_connections || mine >= options.max_connections_per_client) {
        refuse("-", "-",
               connections >= options.max_connections ? "too many connections"
                                                      : "too many connections from this address",
               client);
        if (mine == 0) connections_by_client.erase(client);
        socket.close(peer_ec);
        continue;
      }
      ++connections;
      ++mine;
      asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), std::move(client)),
                     asio::detached);
    }
  }

  // Gives back a connection's place in the caps (ConnectionSlot, io thread).
  void release_connection(const std::string& client) {
    --connections;
    auto it = connections_by_client.find(client);
    if (it != connections_by_client.end() && --it->second == 0) connections_by_client.erase(it);
  }

  // Runs f() on the worker and resumes the caller on the io thread with its result; an exception
  // (a bug) becomes nullopt rather than ending the connection's coroutine abruptly.
  template <class F>
  asio::awaitable<std::optional<std::invoke_result_t<F&>>> on_worker(F f) {
    using T = std::invoke_result_t<F&>;
    co_return co_await asio::co_spawn(
        worker,
        [f = std::move(f)]() mutable -> asio::awaitable<std::optional<T>> {
          try {
            co_return std::optional<T>(f());
          } catch (const std::exception&) {
            co_return std::nullopt;
          }
        },
        asio::use_awaitable);
  }

  // The Handler's answer, computed on the worker; a quick answer stays on the io thread.
  asio::awaitable<HttpResponse> answer(const HttpRequest& request) {
    if (options.quick) {
      if (auto quick = options.quick(request)) co_return std::move(*quick);
    }
    auto response = co_await on_worker([this, &request] { return handler(request); });
    if (!response) co_return json_error(500, "internal", "the request handler failed");
    co_return std::move(*response);
  }

  // A response whose extra fields could split it (a handler's bug) becomes a 500.
  static void check_headers(HttpResponse& r) {
    for (const auto& [name, value] : r.headers) {
      if (!safe_header(name, value)) {
        r = json_error(500, "internal", "a response header field is not safe to send: " + name);
        return;
      }
    }
  }

  static http::response<http::string_body> to_beast(const HttpResponse& r, unsigned version,
                                                    bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "atelierd");
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) res.insert(name, value);
    res.body() = r.body;
    res.keep_alive(keep_alive && !r.close);
    res.prepare_payload();
    return res;
  }

  // Server-Sent Events: no length, the connection closes at the end of the stream. Every write
  // has a deadline (Options::event_write_timeout), and a heartbeat comment goes out when nothing
  // else did for Options::event_heartbeat, so a reader that stopped reading is found.
  template <class Stream>
  asio::awaitable<void> stream_events(Stream& stream, HttpResponse& response) {
    ++event_streams;
    struct Count {
      std::size_t& n;
      ~Count() { --n; }
    } count{event_streams};
    std::string head = "HTTP/1.1 " + std::to_string(response.status) +
                       " OK\r\nServer: atelierd\r\nContent-Type: " + response.content_type +
                       "\r\nCache-Control: no-store\r\nConnection: close\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "\r\n" + response.body;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    auto write = [&](const std::string& text) -> asio::awaitable<beast::error_code> {
      tcp_layer.expires_after(options.event_write_timeout);
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(text),
                                                  asio::as_tuple(asio::use_awaitable));
      (void)wn;
      tcp_layer.expires_never();
      co_return wec;
    };
    beast::error_code ec = co_await write(head);
    auto last_write = std::chrono::steady_clock::now();
    asio::steady_timer timer(acceptor.get_executor());
    while (!ec && !stopped) {
      timer.expires_after(response.poll_interval);
      auto [tec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (tec || stopped) break;
      auto polled = co_await on_worker([&response] { return response.poll(); });
      if (stopped || !polled || !*polled) break;
      std::string next = std::move(**polled);
      if (next.empty()) {
        if (std::chrono::steady_clock::now() - last_write < options.event_heartbeat) continue;
        next = ": keep-alive\n\n";
      }
      ec = co_await write(next);
      last_write = std::chrono::steady_clock::now();
    }
  }

  // The connection counts until its slot is released: when this coroutine ends, or, for a
  // connection taken over as a WebSocket, when its new owner closes it.
  asio::awaitable<void> serve(tcp::socket socket, std::string client) {
    auto self = shared_from_this();
    auto slot = std::make_shared<ConnectionSlot>(
        [self, client = std::move(client)] { self->release_connection(client); });
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve_stream(stream, std::move(slot));
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // not TLS, or a client that does not trust us: nothing to answer
    co_await serve_stream(stream, std::move(slot));
  }

  // The answer to a request the server refuses itself (a read error, bad framing, a body over
  // the limit), logged and counted; the connection closes after it.
  HttpResponse refused_response(const beast::error_code& ec, std::string refusal,
                                const http::request_parser<http::string_body>& parser,
                                const std::string& client) {
    HttpResponse response;
    if (ec == http::error::body_limit) {
      response = json_error(
          413, "body_too_large",
          "the request body is larger than " + std::to_string(options.max_body_bytes) + " bytes");
      refusal = "body over " + std::to_string(options.max_body_bytes) + " bytes";
    } else {
      if (ec) refusal = "malformed HTTP request: " + ec.message();
      response = json_error(400, "bad_request", refusal);
    }
    response.close = true;
    const bool have_header = parser.is_header_done();
    refuse(have_header ? std::string(parser.get().method_string()) : "-",
           have_header ? path_only(parser.get().target()) : "-", refusal, client);
    if (observer) observer(response.status);
    return response;
  }

  static HttpRequest to_request(http::request<http::string_body>& req, const std::string& client) {
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[http::field::authorization]);
    for (const auto& field : req) request.headers.emplace_back(field.name_string(), field.value());
    request.client_address = client;
    request.body = std::move(req.body());
    return request;
  }

  // An event stream beyond Options::max_event_streams is answered 503 with Retry-After instead
  // (logged as a refusal), so that idle readers cannot take the worker's time.
  void cap_event_streams(HttpResponse& response, const http::request<http::string_body>& req,
                         const std::string& client_address) {
    if (!response.poll || event_streams < options.max_event_streams) return;
    refuse(std::string(req.method_string()), path_only(req.target()), "too many event streams",
           client_address);
    response = json_error(503, "unavailable", "too many event streams are open; retry in a moment");
    response.headers.emplace_back("Retry-After", "5");
    response.close = true;
    if (observer) observer(response.status);
  }

  template <class Stream>
  asio::awaitable<void> serve_stream(Stream& stream, std::shared_ptr<ConnectionSlot> slot) {
    constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    auto registered = streams.insert(streams.end(), &tcp_layer);
    struct Unregister {
      Impl* impl;
      std::list<beast::tcp_stream*>::iterator it;
      ~Unregister() { impl->streams.erase(it); }
    } unregister{this, registered};
    beast::error_code peer_ec;
    const auto peer = tcp_layer.socket().remote_endpoint(peer_ec);
    const std::string client_address = peer_ec ? std::string() : peer.address().to_string();
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(kMaxRequestHeaderBytes);
      tcp_layer.expires_after(options.read_timeout);
      // The header first: its framing is checked before any body byte is read as a body.
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser,
                                                      asio::as_tuple(asio::use_awaitable));
      (void)n;
      std::string refusal;
      if (!ec) refusal = framing_refusal(parser.get());
      if (!ec && refusal.empty() && !parser.is_done()) {
        const std::size_t header_fields = field_count(parser.get());
        auto [bec, bn] =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)bn;
        ec = bec;
        if (!ec) refusal = trailer_refusal(header_fields, parser.get());
      }
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || stopped ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        break;
      }
      HttpResponse response;
      bool keep_alive = false;
      unsigned version = 11;
      if (ec || !refusal.empty()) {
        response = refused_response(ec, refusal, parser, client_address);
      } else {
        auto& req = parser.get();
        version = req.version();
        keep_alive = req.keep_alive();
        HttpRequest request = to_request(req, client_address);
        if (options.upgrade && beast::websocket::is_upgrade(req)) {
          UpgradeContext up{request, req, nullptr, nullptr, slot};
          if constexpr (kTls)
            up.tls = &stream;
          else
            up.plain = &stream;
          if (options.upgrade(up)) co_return;  // the stream was moved out: not ours any more
        }
        response = co_await answer(request);
      }
      check_headers(response);
      cap_event_streams(response, parser.get(), client_address);
      if (response.poll) {
        co_await stream_events(stream, response);
        break;
      }
      auto res = to_beast(response, version, keep_alive);
      tcp_layer.expires_after(options.read_timeout);
      auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      if (wec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    if constexpr (kTls) {
      // close_notify, bounded; then the socket closes below.
      tcp_layer.expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      tcp_layer.socket().close(ignored);
      co_return;
    }
    co_await drain_and_close(tcp_layer);
  }

  // Half-closes, then drains what the client is still sending (the rest of a refused body) for
  // a moment, so that closing does not reset the connection before the client read the answer.
  // Bounded in all (Options::drain_time, drain_bytes), not per read: a client dripping a byte
  // now and then cannot hold the connection open.
  asio::awaitable<void> drain_and_close(beast::tcp_stream& tcp_layer) {
    beast::error_code ignored;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16 * 1024> sink;
    std::size_t drained = 0;
    tcp_layer.expires_after(options.drain_time);
    while (!stopped && drained < options.drain_bytes) {
      auto [rec, got] = co_await tcp_layer.async_read_some(asio::buffer(sink),
                                                           asio::as_tuple(asio::use_awaitable));
      if (rec) break;
      drained += got;
    }
    tcp_layer.socket().close(ignored);
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, Options options,
                                                      Handler handler, Observer observer,
                                                      RefusalLog refusal_log) {
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Error(
        ErrorCode::kInvalidArgument,
        "\"" + options.address + "\" is not an IP address; give one like 127.0.0.1 or ::1");
  }
  auto worker = std::make_unique<asio::thread_pool>(1);
  auto impl =
      std::make_shared<Impl>(io, worker->get_executor(), std::move(options), std::move(handler),
                             std::move(observer), std::move(refusal_log));
  if (!impl->options.tls_cert_file.empty() || !impl->options.tls_key_file.empty()) {
    if (impl->options.tls_cert_file.empty() || impl->options.tls_key_file.empty()) {
      return Error(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key");
    }
    auto& ctx = impl->tls.emplace(asio::ssl::context::tls_server);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                    ec);
    // TLS 1.2: forward-secret AEAD suites only (ECDHE with GCM or ChaCha20-Poly1305, what every
    // current browser offers); TLS 1.3's suites all are.
    if (!ec && SSL_CTX_set_cipher_list(ctx.native_handle(), kTls12Suites) != 1) {
      return Error(ErrorCode::kInternal, "the TLS 1.2 cipher list was refused by OpenSSL");
    }
    if (!ec) ctx.use_certificate_chain_file(impl->options.tls_cert_file, ec);
    if (ec) {
      return Error(ErrorCode::kInvalidArgument, ec.message())
          .context("load TLS certificate " + impl->options.tls_cert_file);
    }
    ctx.use_private_key_file(impl->options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Error(ErrorCode::kInvalidArgument, ec.message())
          .context("load TLS key " + impl->options.tls_key_file);
    }
  }
  tcp::endpoint endpoint(address, impl->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::kUnavailable, ec.message())
        .context("listen on " + impl->options.address + ":" + std::to_string(impl->options.port));
  }
  asio::co_spawn(io, impl->accept_loop(), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(impl, std::move(worker)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl, std::unique_ptr<asio::thread_pool> worker)
    : impl_(std::move(impl)), worker_(std::move(worker)) {}

HttpServer::~HttpServer() {
  impl_->stopped = true;
  worker_->stop();
  worker_->join();
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::post_to_worker(std::function<void()> f) {
  asio::post(*worker_, std::move(f));
}

void HttpServer::stop() {
  impl_->stopped = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  for (auto* s : impl_->streams) s->socket().close(ec);
}

}  // namespace atelier::api
