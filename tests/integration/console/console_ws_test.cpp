// The console WebSocket through atelierd's real listener (HttpServer with the upgrade hook) to a
// real guest's console (ConsoleHub on LibvirtProvider): refusals before any upgrade, fan-out to
// a candidate and a trainer, the candidate's keys answered by the guest, a trainer taking the
// keyboard, the recording, and close_lab ending the sockets.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <thread>

#include "controller/api/console_ws.h"
#include "controller/api/server.h"
#include "controller/api/websocket_upgrade.h"
#include "controller/console/asciicast.h"
#include "tests/integration/console/shell_guest.h"

namespace atelier::provider {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

// A blocking Beast client; a thread reads every frame into `got` until the socket ends.
class WsClient {
 public:
  // Handshakes with `token`; returns the HTTP status of a refused upgrade (101 when accepted).
  int connect(std::uint16_t port, const std::string& target, const std::string& token) {
    tcp::resolver resolver(io_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
    }));
    websocket::response_type res;
    beast::error_code ec;
    ws_.handshake(res, "127.0.0.1", target, ec);
    if (ec) return res.result_int();
    ws_.binary(true);
    reader_ = std::thread([this] {
      beast::flat_buffer buffer;
      beast::error_code rec;
      for (;;) {
        ws_.read(buffer, rec);
        if (rec) break;
        got.callbacks().on_output(beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
      }
      got.callbacks().on_closed(rec == websocket::error::closed
                                    ? ok_status()
                                    : Status(Error(ErrorCode::kUnavailable, rec.message())));
    });
    return 101;
  }
  void send_binary(const std::string& bytes) {
    std::lock_guard lock(write_mutex_);
    ws_.binary(true);
    ws_.write(asio::buffer(bytes));
  }
  void send_text(const std::string& text) {
    std::lock_guard lock(write_mutex_);
    ws_.text(true);
    ws_.write(asio::buffer(text));
  }
  ~WsClient() {
    beast::error_code ec;
    ws_.next_layer().shutdown(tcp::socket::shutdown_both, ec);
    if (reader_.joinable()) reader_.join();
  }
  Collected got;

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_{io_};
  std::mutex write_mutex_;
  std::thread reader_;
};

class ConsoleWsTest : public LibvirtConsoleTest {
 protected:
  void SetUp() override {
    LibvirtConsoleTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    console::HubOptions hub_options;
    hub_options.recordings_dir = dir_.path() / "recordings";
    hub_ = std::make_unique<console::ConsoleHub>(
        hub_options,
        [this](const ObjectRef& host, ConsoleCallbacks cb) {
          return p_->open_console(host, std::move(cb));
        },
        [this](std::chrono::milliseconds delay, std::function<void()> task) {
          auto timer = std::make_shared<asio::steady_timer>(io_, delay);
          timer->async_wait(
              [this, timer, task](beast::error_code) { asio::post(blocking_, task); });
        });
    ws_ = std::make_unique<api::ConsoleWebSocket>(
        *hub_,
        [this](const api::HttpRequest& r) -> std::optional<api::ConsolePrincipal> {
          if (r.authorization == "Bearer trainer-secret")
            return api::ConsolePrincipal{"t1", true, session_, {}};
          if (r.authorization == "Bearer c1-secret")
            return api::ConsolePrincipal{"c1", false, session_, "c1"};
          if (r.authorization == "Bearer c2-secret")
            return api::ConsolePrincipal{"c2", false, session_, "c2"};
          return std::nullopt;
        },
        [this](std::function<void()> f) { server_->post_to_worker(std::move(f)); });
    api::HttpServer::Options so;
    so.upgrade = [this](api::UpgradeContext& up) { return ws_->take(up); };
    auto server = api::HttpServer::start(io_, so, [](const api::HttpRequest&) {
      return api::json_error(404, "not_found", "no such endpoint");
    });
    ATELIER_ASSERT_OK(server);
    server_ = std::move(*server);
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (hub_) hub_->close_lab(session_, "c1");
    if (server_) asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
    ws_.reset();
    server_.reset();
    hub_.reset();
    blocking_.join();
    LibvirtConsoleTest::TearDown();
  }
  std::string target(const std::string& candidate) {
    return "/console/" + session_ + "/" + candidate + "/srv";
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  asio::thread_pool blocking_{1};
  std::unique_ptr<console::ConsoleHub> hub_;
  std::unique_ptr<api::ConsoleWebSocket> ws_;
  std::unique_ptr<api::HttpServer> server_;
  std::thread io_thread_;
};

// The recording is read as a viewer saw it (text_of): the guest's serial line reaches libvirt's
// stream a few bytes at a time under TCG, so "atelier-42" is often cut over two events. The
// test once searched the raw file for it and failed on a loaded machine (issue 14).
TEST_F(ConsoleWsTest, TheBrowserBridgeThroughTheRealListenerToARealGuest) {
  {
    WsClient anonymous, other_candidate, wrong_path;
    EXPECT_EQ(anonymous.connect(server_->port(), target("c1"), ""), 401);
    EXPECT_EQ(other_candidate.connect(server_->port(), target("c1"), "c2-secret"), 403);
    EXPECT_EQ(wrong_path.connect(server_->port(), "/console/x", "trainer-secret"), 404)
        << "not a console path: answered by the ordinary handler";
  }
  ObjectRef host{session_, "c1", "srv"};
  start_shell_guest(host);
  WsClient candidate;
  ASSERT_EQ(candidate.connect(server_->port(), target("c1"), "c1-secret"), 101);
  ASSERT_TRUE(candidate.got.wait_for_text("Run /bin/sh as init process", std::chrono::seconds(180)))
      << candidate.got.output;
  ASSERT_TRUE(candidate.got.wait_for_text("# ", std::chrono::seconds(120))) << candidate.got.output;

  WsClient trainer;
  ASSERT_EQ(trainer.connect(server_->port(), target("c1"), "trainer-secret"), 101);
  ASSERT_TRUE(trainer.got.wait_for_text("# ", std::chrono::seconds(30)))
      << "the scrollback reaches a late viewer: " << trainer.got.output;

  // "# " can show in the kernel's messages before the shell reads its input: the line is typed
  // again until its answer shows, as a person at a console would.
  bool answered = false;
  for (int attempt = 0; attempt < 12 && !answered; ++attempt) {
    candidate.send_binary("echo atelier-$((6*7))\n");
    answered = candidate.got.wait_for_text("atelier-42", std::chrono::seconds(10));
  }
  ASSERT_TRUE(answered) << candidate.got.output;
  ASSERT_TRUE(trainer.got.wait_for_text("atelier-42", std::chrono::seconds(30)))
      << trainer.got.output;

  trainer.send_text("take-over");
  trainer.send_binary("echo took-$((2*3))-over\n");
  ASSERT_TRUE(trainer.got.wait_for_text("took-6-over", std::chrono::seconds(60)))
      << trainer.got.output;
  ASSERT_TRUE(candidate.got.wait_for_text("took-6-over", std::chrono::seconds(30)));

  auto recordings = hub_->recordings(host);
  ASSERT_EQ(recordings.size(), 1u);
  hub_->close_lab(session_, "c1");
  ASSERT_TRUE(candidate.got.wait_closed(std::chrono::seconds(30)));
  ASSERT_TRUE(trainer.got.wait_closed(std::chrono::seconds(30)));
  EXPECT_TRUE(candidate.got.closed->ok())
      << "a close frame, not a dropped socket: " << candidate.got.closed->error().to_string();
  auto events = console::read_asciicast(recordings[0].string());
  ASSERT_TRUE(events.ok()) << events.error().to_string();
  const std::string seen = console::text_of(*events, "o");
  const std::string typed = console::text_of(*events, "i");
  EXPECT_NE(seen.find("atelier-42"), std::string::npos) << seen;
  EXPECT_NE(seen.find("took-6-over"), std::string::npos) << seen;
  EXPECT_NE(typed.find("echo atelier-$((6*7))\n"), std::string::npos) << typed;
  EXPECT_NE(typed.find("echo took-$((2*3))-over\n"), std::string::npos) << typed;
}

}  // namespace
}  // namespace atelier::provider
