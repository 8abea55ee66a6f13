// ConsoleWebSocket: each connection is a coroutine on the io thread. Authorization runs on the
// caller's blocking runner, hub.attach (it may open a libvirt stream) on this module's pool; the
// hub's output reaches the socket through an Outbox that any thread may fill and a writer
// coroutine drains. The io thread only does socket work and short hub calls (write, detach).
// Each socket holds its place in the listener's connection caps (ConnectionSlot) until it closes.
// A screen's socket (/display/...) relays RFB both ways to a descriptor libvirt connects to QEMU's
// VNC server, opened on this module's pool: two loops on the io thread, no hub.
#include "controller/api/console_ws.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include <mutex>

#include "controller/api/websocket_upgrade.h"
#include "controller/provider/naming.h"

namespace atelier::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using provider::ObjectRef;

namespace {

// PREFIX{session}/{candidate}/{host} (PREFIX "/console/" or "/display/"), ids as the provider
// names them; nullopt otherwise.
std::optional<ObjectRef> parse_host_path(std::string_view target, std::string_view prefix) {
  std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    std::size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 3) return std::nullopt;
  ObjectRef ref{parts[0], parts[1], parts[2]};
  if (!provider::validate_ref(ref).ok()) return std::nullopt;
  return ref;
}

// {"keyboard":"yours"|"trainer"|"candidate"|"nobody","who":NAME}: the text frame that tells a
// page who holds the console's keyboard (console.js shows it as a banner or a button).
std::string keyboard_notice(const console::KeyboardState& k) {
  std::string holder = "nobody";
  if (k.yours) {
    holder = "yours";
  } else if (k.holder) {
    holder = *k.holder == console::ViewerRole::kTrainer ? "trainer" : "candidate";
  }
  return boost::json::serialize(boost::json::object{{"keyboard", holder}, {"who", k.holder_name}});
}

// Bytes from the hub (any thread) waiting for the socket; the timer wakes the writer coroutine
// and is touched only on the connection's executor.
struct Outbox : std::enable_shared_from_this<Outbox> {
  Outbox(const asio::any_io_executor& ex, std::size_t max) : timer(ex), max_bytes(max) {}
  asio::steady_timer timer;
  std::size_t max_bytes;
  std::mutex mutex;
  std::string pending;
  std::string notice;  // the latest keyboard notice not yet sent (a text frame); older ones drop
  bool closed = false;
  std::string why;  // non-empty: say it in a close frame

  void push(std::string_view bytes) {
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      if (pending.size() + bytes.size() > max_bytes) {
        closed = true;
        why = "the viewer is too slow";
      } else {
        pending.append(bytes);
      }
    }
    wake();
  }
  void announce(std::string text) {
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      notice = std::move(text);
    }
    wake();
  }
  void close(std::string_view reason) {
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      closed = true;
      why = std::string(reason);
    }
    wake();
  }
  void wake() {
    asio::post(timer.get_executor(), [self = shared_from_this()] { self->timer.cancel(); });
  }
};

// Runs fn through `runner` (another thread) and resumes the awaiting coroutine on its own
// executor. Callers pass a named std::function, not a temporary: GCC 12 destroys some
// temporaries of a co_await expression twice.
template <class T>
auto off_io(const ConsoleWebSocket::RunBlocking& runner, const std::function<T()>& fn) {
  auto shared_fn = std::make_shared<std::function<T()>>(fn);
  return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [&runner, shared_fn](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        runner([h, ex, shared_fn] {
          auto value = std::make_shared<T>((*shared_fn)());
          asio::post(ex, [h, value] { std::move (*h)(std::move(*value)); });
        });
      },
      asio::use_awaitable);
}

// Why a signed-in `p` may not open `host`'s console (403), or nothing when it may: a login cookie
// needs the page's Origin; a trainer opens any console of their session, a candidate only theirs.
std::optional<HttpResponse> console_refusal(const ConsolePrincipal& p, const HttpRequest& request,
                                            const ObjectRef& host) {
  if (p.by_cookie && request.header("Origin").empty()) {
    return json_error(403, "forbidden", "a console opened with a login cookie needs an Origin");
  }
  const bool same_session = !p.session || *p.session == host.session;
  const bool own_lab = p.candidate && *p.candidate == host.candidate;
  if (!same_session || (!p.trainer && !own_lab)) {
    return json_error(403, "forbidden", "this console is not yours to open");
  }
  return std::nullopt;
}

}  // namespace

bool origin_matches_host(const HttpRequest& request) {
  std::string_view origin = request.header("Origin");
  if (origin.empty()) return true;
  std::size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;  // "null" (a file, a sandbox) or garbage
  std::string_view authority = origin.substr(scheme + 3);
  std::string_view host = request.header("Host");
  return !host.empty() && beast::iequals(authority, host);
}

struct ConsoleWebSocket::Impl : std::enable_shared_from_this<ConsoleWebSocket::Impl> {
  Impl(console::ConsoleHub& h, Authorize a, RunBlocking r, Options o)
      : hub(h),
        authorize(std::move(a)),
        run_blocking(std::move(r)),
        options(std::move(o)),
        pool(options.threads == 0 ? 1 : options.threads) {}

  console::ConsoleHub& hub;
  Authorize authorize;
  RunBlocking run_blocking;
  Options options;
  asio::thread_pool pool;
  RunBlocking run_on_pool = [this](std::function<void()> f) { asio::post(pool, std::move(f)); };

  template <class Next>
  asio::awaitable<void> serve(Next next, http::request<http::string_body> raw, HttpRequest request,
                              ObjectRef host, std::shared_ptr<ConnectionSlot> slot);
  // GET /display/...: the RFB bytes both ways between the socket and QEMU's VNC server.
  template <class Next>
  asio::awaitable<void> serve_display(Next next, http::request<http::string_body> raw,
                                      HttpRequest request, ObjectRef host,
                                      std::shared_ptr<ConnectionSlot> slot);
  // The Origin, the credentials and the principal's right to `host`: the principal, or nullopt
  // once a refusal is written (the socket is closed then).
  template <class Next>
  asio::awaitable<std::optional<ConsolePrincipal>> admit(Next& next, const HttpRequest& request,
                                                         const ObjectRef& host, unsigned version);
  template <class Next>
  static asio::awaitable<void> refuse(Next& next, const HttpResponse& r, unsigned version);
  template <class Ws>
  static asio::awaitable<void> write_loop(std::shared_ptr<Ws> ws, std::shared_ptr<Outbox> out,
                                          std::shared_ptr<ConnectionSlot> slot);
  // The viewer's frames until the socket ends: keystrokes to the hub, "take-over", "hand-back";
  // each pushes `idle` (when set) back.
  template <class Ws>
  asio::awaitable<void> read_loop(std::shared_ptr<Ws> ws, console::ViewerId id,
                                  std::shared_ptr<asio::steady_timer> idle);
  // Closes the outbox ("idle") when `timer` runs out; the reader pushes it back on every frame.
  static asio::awaitable<void> idle_watch(std::shared_ptr<asio::steady_timer> timer,
                                          std::shared_ptr<Outbox> out);
};

asio::awaitable<void> ConsoleWebSocket::Impl::idle_watch(std::shared_ptr<asio::steady_timer> timer,
                                                         std::shared_ptr<Outbox> out) {
  for (;;) {
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec != asio::error::operation_aborted) break;                          // expired
    if (timer->expiry() == asio::steady_timer::time_point::max()) co_return;  // the socket ended
  }
  out->close("idle");
}

template <class Next>
asio::awaitable<void> ConsoleWebSocket::Impl::refuse(Next& next, const HttpResponse& r,
                                                     unsigned version) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "atelierd");
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = r.body;
  res.keep_alive(false);
  res.prepare_payload();
  beast::get_lowest_layer(next).expires_after(std::chrono::seconds(10));
  co_await http::async_write(next, res, asio::as_tuple(asio::use_awaitable));
  beast::error_code ignored;
  beast::get_lowest_layer(next).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  beast::get_lowest_layer(next).close();
}

template <class Ws>
asio::awaitable<void> ConsoleWebSocket::Impl::write_loop(std::shared_ptr<Ws> ws,
                                                         std::shared_ptr<Outbox> out,
                                                         std::shared_ptr<ConnectionSlot> slot) {
  for (;;) {
    std::string chunk;
    std::string notice;
    bool closed = false;
    std::string why;
    {
      std::lock_guard lock(out->mutex);
      chunk.swap(out->pending);
      notice.swap(out->notice);
      closed = out->closed;
      why = out->why;
    }
    if (!notice.empty()) {  // a text frame; the guest's bytes are binary frames
      ws->text(true);
      auto [ec, n] =
          co_await ws->async_write(asio::buffer(notice), asio::as_tuple(asio::use_awaitable));
      (void)n;
      ws->binary(true);
      if (ec) break;
    }
    if (!chunk.empty()) {
      auto [ec, n] =
          co_await ws->async_write(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec) break;
      continue;
    }
    if (closed) {
      if (!why.empty()) {
        // 4000 (an application's code) tells the page not to reconnect by itself after "idle".
        const std::uint16_t code =
            why == "idle" ? 4000 : static_cast<std::uint16_t>(websocket::close_code::going_away);
        websocket::close_reason reason(why);
        reason.code = code;
        co_await ws->async_close(reason, asio::as_tuple(asio::use_awaitable));
      }
      break;
    }
    out->timer.expires_at(asio::steady_timer::time_point::max());
    co_await out->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  beast::get_lowest_layer(*ws).close();  // ends the reader too
  if (slot) slot->release();             // now, not when the reader has seen it
}

template <class Ws>
asio::awaitable<void> ConsoleWebSocket::Impl::read_loop(std::shared_ptr<Ws> ws,
                                                        console::ViewerId id,
                                                        std::shared_ptr<asio::steady_timer> idle) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws->async_read(buffer, asio::as_tuple(asio::use_awaitable));
    (void)n;
    if (ec) break;
    if (idle)
      idle->expires_after(options.idle_timeout);  // cancels the watch's wait: it waits again
    std::string data = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (ws->got_text()) {
      // Refused for candidates (and hand-back for a trainer without the keyboard): nothing.
      if (data == "take-over") (void)hub.take_over(id);
      if (data == "hand-back") (void)hub.hand_back(id);
      continue;
    }
    (void)hub.write(id, data);  // a viewer without the keyboard types into nothing
  }
}

template <class Next>
asio::awaitable<std::optional<ConsolePrincipal>> ConsoleWebSocket::Impl::admit(
    Next& next, const HttpRequest& request, const ObjectRef& host, unsigned version) {
  auto self = shared_from_this();
  if (!origin_matches_host(request)) {
    co_await refuse(next, json_error(403, "forbidden", "the page's Origin is not this server"),
                    version);
    co_return std::nullopt;
  }
  const std::function<std::optional<ConsolePrincipal>()> ask = [self, request] {
    return self->authorize(request);
  };
  std::optional<ConsolePrincipal> principal = co_await off_io(run_blocking, ask);
  if (!principal) {
    co_await refuse(next,
                    json_error(401, "unauthenticated",
                               "a console needs a trainer token "
                               "(Authorization: Bearer TOKEN) or a candidate's login"),
                    version);
    co_return std::nullopt;
  }
  if (auto refusal = console_refusal(*principal, request, host)) {
    co_await refuse(next, *refusal, version);
    co_return std::nullopt;
  }
  co_return principal;
}

template <class Next>
asio::awaitable<void> ConsoleWebSocket::Impl::serve(Next next, http::request<http::string_body> raw,
                                                    HttpRequest request, ObjectRef host,
                                                    std::shared_ptr<ConnectionSlot> slot) {
  // A refusal below closes the socket and ends this coroutine, and `slot` with it.
  auto self = shared_from_this();
  beast::get_lowest_layer(next).expires_never();
  const unsigned version = raw.version();
  std::optional<ConsolePrincipal> principal = co_await admit(next, request, host, version);
  if (!principal) co_return;
  const auto role =
      principal->trainer ? console::ViewerRole::kTrainer : console::ViewerRole::kCandidate;
  auto out = std::make_shared<Outbox>(co_await asio::this_coro::executor, options.max_queued_bytes);
  console::ViewerSink sink{
      [out](std::string_view b) { out->push(b); }, [out](std::string_view why) { out->close(why); },
      [out](const console::KeyboardState& k) { out->announce(keyboard_notice(k)); }};
  std::string shown = principal->shown_as.empty() ? principal->name : principal->shown_as;
  const std::function<Result<console::ViewerId>()> attach = [self, host, role,
                                                             name = std::move(shown), sink] {
    return self->hub.attach(host, role, name, sink);
  };
  Result<console::ViewerId> attached = co_await off_io(run_on_pool, attach);
  if (!attached.ok()) {
    co_await refuse(next, error_response(attached.error()), version);
    co_return;
  }
  const console::ViewerId id = *attached;
  auto ws = std::make_shared<websocket::stream<Next>>(std::move(next));
  ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  auto [aec] = co_await ws->async_accept(raw, asio::as_tuple(asio::use_awaitable));
  if (aec) {
    hub.detach(id);
    co_return;
  }
  ws->binary(true);
  ws->read_message_max(options.max_frame_bytes);
  const auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(ex, write_loop(ws, out, slot), asio::detached);
  std::shared_ptr<asio::steady_timer> idle;
  if (options.idle_timeout.count() > 0) {
    idle = std::make_shared<asio::steady_timer>(ex, options.idle_timeout);
    asio::co_spawn(ex, idle_watch(idle, out), asio::detached);
  }
  co_await read_loop(ws, id, idle);
  if (idle) idle->expires_at(asio::steady_timer::time_point::max());  // ends the watch
  hub.detach(id);
  out->close("");
  // The socket is closed or ends with the writer's next step (it was woken above): its place
  // in the caps goes back now, so that a client that saw its socket end can connect again.
  if (slot) slot->release();
}

// QEMU's VNC server to the viewer: each read becomes one binary frame. Ends the socket with
// "going away" when the display ends (the guest stopped, a reset): noVNC's page reconnects.
template <class Ws>
asio::awaitable<void> display_to_viewer(std::shared_ptr<Ws> ws,
                                        std::shared_ptr<asio::local::stream_protocol::socket> vnc) {
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    auto [ec, n] =
        co_await vnc->async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    auto [wec, written] = co_await ws->async_write(asio::buffer(buffer.data(), n),
                                                   asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (wec) break;
  }
  websocket::close_reason reason("the display ended");
  reason.code = websocket::close_code::going_away;
  co_await ws->async_close(reason, asio::as_tuple(asio::use_awaitable));
  beast::get_lowest_layer(*ws).close();
}

template <class Next>
asio::awaitable<void> ConsoleWebSocket::Impl::serve_display(Next next,
                                                            http::request<http::string_body> raw,
                                                            HttpRequest request, ObjectRef host,
                                                            std::shared_ptr<ConnectionSlot> slot) {
  auto self = shared_from_this();
  beast::get_lowest_layer(next).expires_never();
  const unsigned version = raw.version();
  if (!co_await admit(next, request, host, version)) co_return;
  if (!options.open_display) {
    co_await refuse(next, json_error(404, "not_found", "this server has no displays"), version);
    co_return;
  }
  const std::function<Result<provider::DisplayFd>()> open = [self, host] {
    return self->options.open_display(host);
  };
  Result<provider::DisplayFd> fd = co_await off_io(run_on_pool, open);
  if (!fd.ok()) {
    co_await refuse(next, error_response(fd.error()), version);
    co_return;
  }
  const auto ex = co_await asio::this_coro::executor;
  auto vnc = std::make_shared<asio::local::stream_protocol::socket>(ex);
  boost::system::error_code aec;
  vnc->assign(asio::local::stream_protocol(), fd->get(), aec);
  if (aec) co_return;  // `fd` still owns the descriptor and closes it
  (void)fd->release();
  auto ws = std::make_shared<websocket::stream<Next>>(std::move(next));
  ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  // noVNC asks for no subprotocol; an older client asks for "binary": agree to it.
  const bool binary_asked =
      request.header("Sec-WebSocket-Protocol").find("binary") != std::string_view::npos;
  ws->set_option(websocket::stream_base::decorator([binary_asked](websocket::response_type& r) {
    if (binary_asked) r.set(http::field::sec_websocket_protocol, "binary");
  }));
  auto [wec] = co_await ws->async_accept(raw, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return;
  ws->binary(true);
  ws->read_message_max(options.max_frame_bytes);
  asio::co_spawn(ex, display_to_viewer(ws, vnc), asio::detached);
  beast::flat_buffer buffer;
  for (;;) {  // the viewer's keys, pointer and requests to QEMU
    auto [ec, n] = co_await ws->async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    auto [vec, sent] =
        co_await asio::async_write(*vnc, buffer.data(), asio::as_tuple(asio::use_awaitable));
    (void)n;
    (void)sent;
    if (vec) break;
    buffer.consume(buffer.size());
  }
  boost::system::error_code ignored;
  vnc->close(ignored);  // ends the other direction, which closes the socket
  if (slot) slot->release();
}

ConsoleWebSocket::ConsoleWebSocket(console::ConsoleHub& hub, Authorize authorize,
                                   RunBlocking run_blocking, Options options)
    : impl_(std::make_shared<Impl>(hub, std::move(authorize), std::move(run_blocking),
                                   std::move(options))) {}

ConsoleWebSocket::ConsoleWebSocket(console::ConsoleHub& hub, Authorize authorize,
                                   RunBlocking run_blocking)
    : ConsoleWebSocket(hub, std::move(authorize), std::move(run_blocking), Options{}) {}

ConsoleWebSocket::~ConsoleWebSocket() {
  impl_->pool.stop();
  impl_->pool.join();
}

bool ConsoleWebSocket::take(UpgradeContext& up) {
  if (up.request.method != "GET") return false;
  auto host = parse_host_path(up.request.target, "/console/");
  const bool console = host.has_value();
  if (!console) host = parse_host_path(up.request.target, "/display/");
  if (!host) return false;
  // One of the two streams; the coroutine owns it from here.
  auto start = [&](auto& stream) {
    auto ex = stream.get_executor();
    if (console) {
      asio::co_spawn(ex,
                     impl_->serve(std::move(stream), std::move(up.raw), up.request, *host, up.slot),
                     asio::detached);
    } else {
      asio::co_spawn(
          ex,
          impl_->serve_display(std::move(stream), std::move(up.raw), up.request, *host, up.slot),
          asio::detached);
    }
  };
  if (up.plain != nullptr) {
    start(*up.plain);
  } else {
    start(*up.tls);
  }
  return true;
}

}  // namespace atelier::api
