// The console WebSocket's rules through the real listener, on a hub whose stream is a local fake
// (no guest needed): the Origin must name the Host, a cookie-authenticated upgrade must carry
// one, another candidate's console is 403 whether it exists or not, and a socket that sends
// nothing for the idle time is closed with code 4000 while an active one stays open; and an open
// console counts against the listener's connection caps until it closes, on every path.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <unistd.h>
#include <array>
#include <filesystem>
#include <thread>

#include "controller/api/console_ws.h"
#include "controller/api/server.h"
#include "controller/api/websocket_upgrade.h"

namespace atelier::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

// A console stream that echoes what it is sent, as a shell's line discipline would.
class EchoStream final : public provider::ConsoleStream {
 public:
  explicit EchoStream(provider::ConsoleCallbacks cb) : cb_(std::move(cb)) {}
  Status write(std::string_view bytes) override {
    cb_.on_output(bytes);
    return ok_status();
  }
  void close() override {}

 private:
  provider::ConsoleCallbacks cb_;
};

struct Dialed {
  int status = 0;  // 101 when upgraded
  std::unique_ptr<websocket::stream<tcp::socket>> ws;
};

class ConsoleWsRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("console-ws-rules-" + std::to_string(::getpid()));
    console::HubOptions ho;
    ho.recordings_dir = dir_;
    hub_ = std::make_unique<console::ConsoleHub>(
        ho,
        [](const provider::ObjectRef&,
           provider::ConsoleCallbacks cb) -> Result<std::unique_ptr<provider::ConsoleStream>> {
          return std::unique_ptr<provider::ConsoleStream>(
              std::make_unique<EchoStream>(std::move(cb)));
        },
        [this](std::chrono::milliseconds, std::function<void()> f) {
          asio::post(blocking_, std::move(f));
        });
    ConsoleWebSocket::Options wo;
    wo.idle_timeout = std::chrono::milliseconds(600);
    HttpServer::Options so;
    configure(wo, so);
    ws_ = std::make_unique<ConsoleWebSocket>(
        *hub_,
        [](const HttpRequest& r) -> std::optional<ConsolePrincipal> {
          if (r.authorization == "Bearer trainer")
            return ConsolePrincipal{"t1", true, "s1", {}, false};
          if (r.header("Cookie") == "c01") return ConsolePrincipal{"c01", false, "s1", "c01", true};
          return std::nullopt;
        },
        [this](std::function<void()> f) { asio::post(blocking_, std::move(f)); }, wo);
    so.upgrade = [this](UpgradeContext& up) { return ws_->take(up); };
    auto server = HttpServer::start(
        io_, so, [](const HttpRequest&) { return json_error(404, "not_found", "no"); });
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    if (thread_.joinable()) thread_.join();
    ws_.reset();
    server_.reset();
    hub_.reset();
    blocking_.join();
    std::filesystem::remove_all(dir_);
  }
  virtual void configure(ConsoleWebSocket::Options&, HttpServer::Options&) {}
  // status: 101 when upgraded, the HTTP status when refused, 0 when the listener closed the
  // connection without an answer (over a connection cap).
  Dialed dial(const std::string& target, const std::string& origin, const std::string& host,
              const std::string& cookie, const std::string& bearer = "") {
    Dialed d;
    d.ws = std::make_unique<websocket::stream<tcp::socket>>(client_io_);
    tcp::resolver resolver(client_io_);
    asio::connect(d.ws->next_layer(),
                  resolver.resolve("127.0.0.1", std::to_string(server_->port())));
    d.ws->set_option(websocket::stream_base::decorator([=](websocket::request_type& req) {
      if (!origin.empty()) req.set(beast::http::field::origin, origin);
      if (!cookie.empty()) req.set(beast::http::field::cookie, cookie);
      if (!bearer.empty()) req.set(beast::http::field::authorization, "Bearer " + bearer);
    }));
    websocket::response_type res;
    beast::error_code ec;
    d.ws->handshake(res, host, target, ec);
    d.status = !ec ? 101 : ec == websocket::error::upgrade_declined ? res.result_int() : 0;
    return d;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  std::filesystem::path dir_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  asio::io_context client_io_;
  asio::thread_pool blocking_{2};
  std::unique_ptr<console::ConsoleHub> hub_;
  std::unique_ptr<ConsoleWebSocket> ws_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(ConsoleWsRulesTest, OriginAndCookieRulesComeBeforeAnyConsole) {
  const std::string mine = "/console/s1/c01/srv";
  EXPECT_EQ(dial(mine, "http://" + host(), host(), "c01").status, 101);
  EXPECT_EQ(dial(mine, "https://" + host(), host(), "c01").status, 101) << "TLS ends in atelierd";
  EXPECT_EQ(dial(mine, "http://evil.example", host(), "c01").status, 403);
  EXPECT_EQ(dial(mine, "http://" + host() + ".evil.example", host(), "c01").status, 403);
  EXPECT_EQ(dial(mine, "null", host(), "c01").status, 403);
  EXPECT_EQ(dial(mine, "", host(), "c01").status, 403) << "a cookie needs an Origin";
  EXPECT_EQ(dial(mine, "", host(), "", "trainer").status, 101)
      << "a token needs none (not a browser)";
  EXPECT_EQ(dial(mine, "http://evil.example", host(), "", "trainer").status, 403);
  // Another candidate's console: 403 whether it exists or not; nobody: 401.
  EXPECT_EQ(dial("/console/s1/c02/srv", "http://" + host(), host(), "c01").status, 403);
  EXPECT_EQ(dial("/console/s1/c02/no-such-host", "http://" + host(), host(), "c01").status, 403);
  EXPECT_EQ(dial("/console/s9/c01/srv", "http://" + host(), host(), "c01").status, 403);
  EXPECT_EQ(dial(mine, "http://" + host(), host(), "").status, 401);
}

TEST_F(ConsoleWsRulesTest, AnIdleSocketIsClosedWithCode4000AndAnActiveOneIsNot) {
  Dialed idle = dial("/console/s1/c01/srv", "http://" + host(), host(), "c01");
  Dialed active = dial("/console/s1/c01/srv", "", host(), "", "trainer");
  ASSERT_EQ(idle.status, 101);
  ASSERT_EQ(active.status, 101);
  // The active viewer types every 200 ms (a trainer has no keyboard: the frames count anyway)
  // until the idle one is closed; it must still be open then.
  std::atomic<bool> idle_closed{false};
  std::thread typist([&] {
    for (int i = 0; i < 50 && !idle_closed; ++i) {
      active.ws->write(asio::buffer(std::string("x")));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // pacing a typist, not syncing
    }
  });
  beast::flat_buffer buffer;
  beast::error_code ec;
  const auto start = std::chrono::steady_clock::now();
  while (!ec) idle.ws->read(buffer, ec);
  idle_closed = true;
  typist.join();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(idle.ws->reason().code, 4000);
  EXPECT_EQ(std::string(idle.ws->reason().reason.c_str()), "idle");
  EXPECT_GE(waited, std::chrono::milliseconds(500));
  active.ws->write(asio::buffer(std::string("still here")));  // throws if it was closed
}

// A per-client cap of 2: two open consoles take both places; an open console gives its place
// back when it closes, whichever way it closes.
class ConsoleWsCapsTest : public ConsoleWsRulesTest {
 protected:
  void configure(ConsoleWebSocket::Options& wo, HttpServer::Options& so) override {
    wo.idle_timeout = idle_;
    so.max_connections_per_client = 2;
  }
  Dialed console() { return dial("/console/s1/c01/srv", "", host(), "", "trainer"); }
  // An ordinary request on a new connection: true when the listener closed it without an answer.
  bool refused_at_once() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    beast::error_code ec;
    asio::write(s, asio::buffer(std::string("GET /x HTTP/1.1\r\nHost: a\r\n\r\n")), ec);
    std::array<char, 64> got{};
    std::size_t n = ec ? 0 : s.read_some(asio::buffer(got), ec);
    return n == 0 && ec;
  }
  // The listener sees a place given back a moment after the client saw its socket end (the
  // server's close and its bookkeeping are separate steps): up to 50 attempts, none slept.
  Dialed console_eventually() {
    Dialed d;
    for (int i = 0; i < 50 && d.status == 0; ++i) d = console();
    return d;
  }
  static void read_until_closed(Dialed& d) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!ec) d.ws->read(buffer, ec);
  }
  std::chrono::milliseconds idle_{0};
};

TEST_F(ConsoleWsCapsTest, OpenConsolesHoldTheirPlaceUntilClosedOnEveryPath) {
  Dialed a = console();
  Dialed b = console();
  ASSERT_EQ(a.status, 101);
  ASSERT_EQ(b.status, 101);
  EXPECT_TRUE(refused_at_once()) << "two consoles open: a third connection is over the cap";
  // A normal close (close frame) gives one place back.
  a.ws->close(websocket::close_code::normal);
  Dialed c = console_eventually();
  ASSERT_EQ(c.status, 101);
  EXPECT_TRUE(refused_at_once()) << "the new console counts";
  // A client that drops its TCP connection without a close frame.
  c.ws->next_layer().close();
  Dialed d = console_eventually();
  ASSERT_EQ(d.status, 101);
  EXPECT_TRUE(refused_at_once());
  // The session's lab destroyed: the hub lets both viewers go.
  hub_->close_lab("s1", "c01");
  read_until_closed(b);
  read_until_closed(d);
  Dialed e = console_eventually();
  Dialed f = console_eventually();
  ASSERT_EQ(e.status, 101);
  ASSERT_EQ(f.status, 101);
  EXPECT_TRUE(refused_at_once());
  // Refused upgrades (401) hold no place once answered.
  e.ws->close(websocket::close_code::normal);
  f.ws->close(websocket::close_code::normal);
  for (int i = 0; i < 3; ++i) {
    Dialed nobody;
    for (int j = 0; j < 50 && nobody.status == 0; ++j)
      nobody = dial("/console/s1/c01/srv", "", host(), "");
    EXPECT_EQ(nobody.status, 401);
  }
  Dialed g = console_eventually();
  Dialed h = console_eventually();
  EXPECT_EQ(g.status, 101);
  EXPECT_EQ(h.status, 101);
}

class ConsoleWsIdleCapsTest : public ConsoleWsCapsTest {
 protected:
  ConsoleWsIdleCapsTest() { idle_ = std::chrono::milliseconds(1500); }
};

TEST_F(ConsoleWsIdleCapsTest, AConsoleClosedForIdlingGivesItsPlaceBack) {
  Dialed a = console();
  Dialed b = console();
  ASSERT_EQ(a.status, 101);
  ASSERT_EQ(b.status, 101);
  EXPECT_TRUE(refused_at_once()) << "well within the idle time";
  read_until_closed(a);
  read_until_closed(b);
  EXPECT_EQ(a.ws->reason().code, 4000);
  Dialed c = console_eventually();
  Dialed d = console_eventually();
  EXPECT_EQ(c.status, 101);
  EXPECT_EQ(d.status, 101);
}

}  // namespace
}  // namespace atelier::api
