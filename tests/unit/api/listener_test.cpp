// The listener's refusals (issue #19), on 127.0.0.1 port 0 with raw sockets: request framing
// that could smuggle a request (400 and close), two Authorization fields, the drain after a 413
// bounded in time, connection caps, event-stream caps, heartbeats and write deadlines, the
// rate-limited log of refusals, and accept backing off when the process is out of descriptors.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/api/server.h"

namespace atelier::api {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A blocking TCP client on a raw socket, closed with the object.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything until the peer closes, or what came within `limit` (closed() says which).
  std::string read_until_closed(std::chrono::milliseconds limit) {
    std::string out;
    auto end = Clock::now() + limit;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (left <= 0ms) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ListenerTest : public ::testing::Test {
 protected:
  void start(HttpServer::Options options = {}) {
    auto server = HttpServer::start(
        io_, std::move(options),
        [this](const HttpRequest& r) {
          std::lock_guard lock(m_);
          targets_.push_back(r.target);
          if (r.target.rfind("/events", 0) == 0) return event_stream(r.target == "/events/flood");
          HttpResponse out = json_response(200, boost::json::object{{"body", r.body}});
          return out;
        },
        {},
        [this](const HttpServer::Refusal& r) {
          std::lock_guard lock(m_);
          refusals_.push_back(r);
        });
    ASSERT_TRUE(server.ok()) << server.error().to_string();
    server_ = std::move(server).value();
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  // An event stream polled every 20 ms: nothing to send (so only heartbeats go out), or, for a
  // flood, 64 KiB at every poll (a reader that stops reading fills the socket's buffers).
  static HttpResponse event_stream(bool flood) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.body = ": open\n\n";
    r.poll_interval = 20ms;
    r.poll = [flood]() -> std::optional<std::string> {
      return flood ? std::string(64 * 1024, 'x') : "";
    };
    return r;
  }
  void TearDown() override {
    if (server_) boost::asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  std::vector<std::string> targets() {
    std::lock_guard lock(m_);
    return targets_;
  }
  std::vector<HttpServer::Refusal> refusals() {
    std::lock_guard lock(m_);
    return refusals_;
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::mutex m_;
  std::vector<std::string> targets_;
  std::vector<HttpServer::Refusal> refusals_;
};

TEST_F(ListenerTest, TransferEncodingOtherThanChunkedIs400AndClosesBeforeASmuggledRequest) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
  for (const std::string te :
       {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"}) {
    RawClient c(port_);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: a\r\n" + te + "\r\n0\r\n\r\n" + smuggled));
    std::string got = c.read_until_closed(5s);
    EXPECT_TRUE(c.closed()) << te;
    EXPECT_EQ(count(got, "HTTP/1.1 "), 1u) << te << got;
    EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << te << got;
  }
  EXPECT_TRUE(targets().empty());
  auto logged = refusals();
  ASSERT_EQ(logged.size(), 4u);
  EXPECT_EQ(logged[0].method, "POST");
  EXPECT_EQ(logged[0].path, "/x");
  EXPECT_EQ(logged[0].client, "127.0.0.1");
  EXPECT_NE(logged[0].reason.find("xchunked"), std::string::npos) << logged[0].reason;
}

TEST_F(ListenerTest, ChunkedBodiesAreStillRead) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(port_);
  ASSERT_TRUE(c.send(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n"));
  std::string got = c.read_until_closed(5s);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("\"hello\""), std::string::npos) << got;
}

// Found by api_request_fuzz: Beast adds a chunked body's trailer to the request's fields, after
// the header's framing was checked, so an Authorization there reached the handler unchecked.
TEST_F(ListenerTest, FieldsInAChunkedTrailerAre400) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(port_);
  ASSERT_TRUE(c.send(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer a\r\n\r\n"
      "5\r\nhello\r\n0\r\nAuthorization: Bearer b\r\n\r\n"));
  std::string got = c.read_until_closed(5s);
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_NE(got.find("trailer"), std::string::npos) << got;
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(targets().empty());
}

TEST_F(ListenerTest, TwoAuthorizationFieldsAre400) {
  ASSERT_NO_FATAL_FAILURE(start());
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("GET /sessions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\nAuthorization: "
             "Bearer b\r\n\r\n"));
  std::string got = c.read_until_closed(5s);
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_NE(got.find("Authorization"), std::string::npos) << got;
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(targets().empty());
}

TEST_F(ListenerTest, TheDrainAfterA413IsBoundedInTimeWhateverTheClientDrips) {
  HttpServer::Options o;
  o.max_body_bytes = 1024;
  o.drain_time = 300ms;
  ASSERT_NO_FATAL_FAILURE(start(o));
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n" +
                     std::string(2048, 'x')));
  std::string got = c.read_until_closed(2s);
  ASSERT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  // The server half-closed after its answer and reads on; a byte every 50 ms used to restart
  // the drain's timer, so sending never failed. Once the server really closes, a send fails.
  auto start = Clock::now();
  bool open = true;
  while (open && Clock::now() - start < 3s) {
    std::this_thread::sleep_for(50ms);  // the client's drip
    open = c.send("y");
  }
  EXPECT_FALSE(open);
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST_F(ListenerTest, ConnectionsAreCappedPerClientAndRefusalsLogged) {
  HttpServer::Options o;
  o.max_connections_per_client = 2;
  ASSERT_NO_FATAL_FAILURE(start(o));
  auto a = std::make_unique<RawClient>(port_);
  RawClient b(port_);
  ASSERT_TRUE(a->send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"));  // both counted once served
  ASSERT_TRUE(b.send("GET /b HTTP/1.1\r\nHost: a\r\n\r\n"));
  a->read_until_closed(300ms);
  b.read_until_closed(300ms);
  RawClient third(port_);
  third.send("GET /c HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string got = third.read_until_closed(5s);
  EXPECT_TRUE(third.closed());
  EXPECT_EQ(got, "");
  a.reset();  // one slot free again
  std::string again;
  for (int i = 0; i < 50 && again.empty(); ++i) {
    RawClient fourth(port_);
    fourth.send("GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    again = fourth.read_until_closed(2s);
  }
  EXPECT_EQ(again.rfind("HTTP/1.1 200", 0), 0u) << again;
  auto logged = refusals();
  ASSERT_GE(logged.size(), 1u);
  EXPECT_EQ(logged[0].reason, "too many connections from this address");
  EXPECT_EQ(logged[0].client, "127.0.0.1");
}

TEST_F(ListenerTest, EventStreamsAreCappedAndSendHeartbeatsWhenIdle) {
  HttpServer::Options o;
  o.max_event_streams = 2;
  o.event_heartbeat = 100ms;
  ASSERT_NO_FATAL_FAILURE(start(o));
  RawClient a(port_), b(port_);
  ASSERT_TRUE(a.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(b.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string first = a.read_until_closed(1s);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_NE(first.find(": keep-alive"), std::string::npos)
      << "no heartbeat in 1 s of nothing: " << first;
  EXPECT_FALSE(a.closed());
  b.read_until_closed(300ms);
  RawClient third(port_);
  third.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string refused = third.read_until_closed(5s);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After: 5"), std::string::npos) << refused;
  auto logged = refusals();
  ASSERT_GE(logged.size(), 1u);
  EXPECT_EQ(logged.back().reason, "too many event streams");
  EXPECT_EQ(logged.back().path, "/events");
  // Plain requests are not event streams: still served.
  RawClient plain(port_);
  plain.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(plain.read_until_closed(5s).rfind("HTTP/1.1 200", 0), 0u);
}

// A reader that stops reading: the stream's next write cannot finish, its deadline closes the
// stream, and its slot is free again (max_event_streams = 1).
TEST_F(ListenerTest, AnEventStreamWhoseReaderStoppedReadingIsClosed) {
  HttpServer::Options o;
  o.max_event_streams = 1;
  o.event_write_timeout = 300ms;
  ASSERT_NO_FATAL_FAILURE(start(o));
  RawClient stalled(port_);
  ASSERT_TRUE(stalled.send("GET /events/flood HTTP/1.1\r\nHost: a\r\n\r\n"));  // never read
  std::string got;
  // Retried (503 until then) for up to 20 s: filling loopback's buffers takes a moment.
  for (auto end = Clock::now() + 20s; Clock::now() < end && got.rfind("HTTP/1.1 200", 0) != 0;) {
    RawClient next(port_);
    next.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n");
    got = next.read_until_closed(200ms);
    if (next.closed()) std::this_thread::sleep_for(100ms);  // refused: try again shortly
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u)
      << "the stalled stream still holds the only slot: " << got;
}

TEST_F(ListenerTest, RefusalsAreLoggedAtMostABurstPerWindow) {
  HttpServer::Options o;
  o.refused_log_burst = 3;
  o.refused_log_window = std::chrono::seconds(600);
  ASSERT_NO_FATAL_FAILURE(start(o));
  for (int i = 0; i < 8; ++i) {
    RawClient c(port_);
    c.send("GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
    c.read_until_closed(5s);
  }
  EXPECT_EQ(refusals().size(), 3u);
}

// Out of descriptors, accept fails at once for as long as the connection waits in the backlog:
// without a back-off the io thread spins at 100 % CPU.
TEST_F(ListenerTest, AcceptBacksOffWhenOutOfFileDescriptors) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  int lowest_free = 0;
  while (::fcntl(lowest_free, F_GETFD) >= 0) ++lowest_free;
  rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(lowest_free);  // no new descriptor from here on
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port_);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int fd : fds) ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(1s);  // the window measured, not a synchronisation
  ::getrusage(RUSAGE_SELF, &after);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  auto cpu = [](const rusage& u) {
    return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  };
  EXPECT_LT(cpu(after) - cpu(before), 300ms);
  // Descriptors back: the waiting connections are served.
  ASSERT_EQ(::send(fds[0], "GET /back HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 50,
                   MSG_NOSIGNAL),
            50);
  pollfd p{fds[0], POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 5000), 1);
  char buf[16] = {};
  EXPECT_EQ(::recv(fds[0], buf, 12, 0), 12);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 200");
  bool logged = false;
  for (const auto& r : refusals())
    logged = logged || r.reason.find("out of file descriptors") != std::string::npos;
  EXPECT_TRUE(logged);
  for (int fd : fds) ::close(fd);
}

}  // namespace
}  // namespace atelier::api
