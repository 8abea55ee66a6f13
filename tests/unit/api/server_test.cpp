// HttpServer on 127.0.0.1 port 0 with a handler of the test's own (no store): the request's
// header fields and client address reach the handler, extra response fields (Set-Cookie twice,
// Location, Content-Security-Policy) reach the client, and an unsafe field becomes a 500.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "controller/api/http_client.h"
#include "controller/api/server.h"

namespace atelier::api {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void start(HttpServer::Handler handler, HttpServer::Options options = {}) {
    auto server = HttpServer::start(io_, std::move(options), std::move(handler));
    ASSERT_TRUE(server.ok()) << server.error().to_string();
    server_ = std::move(server).value();
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) boost::asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::string url_;
};

TEST(HttpTypes, HeaderValueIsCaseInsensitiveAndFirstWins) {
  HttpHeaders h{{"Cookie", "a=1"}, {"cookie", "b=2"}, {"Origin", "https://x"}};
  EXPECT_EQ(header_value(h, "COOKIE"), "a=1");
  EXPECT_EQ(header_value(h, "origin"), "https://x");
  EXPECT_EQ(header_value(h, "Host"), "");
  EXPECT_EQ(header_value(h, "Cooki"), "");
}

TEST(HttpTypes, SafeHeaderRefusesWhatCouldSplitAResponse) {
  EXPECT_TRUE(safe_header("Set-Cookie", "sid=abc; HttpOnly; Secure; SameSite=Strict"));
  EXPECT_FALSE(safe_header("Set-Cookie", "sid=abc\r\nX-Evil: 1"));
  EXPECT_FALSE(safe_header("Location", "/a\nb"));
  EXPECT_FALSE(safe_header("Location", std::string("/a\0b", 4)));
  EXPECT_FALSE(safe_header("Bad Name", "x"));
  EXPECT_FALSE(safe_header("", "x"));
}

TEST_F(ServerTest, TheHandlerSeesTheRequestsHeadersAndClientAddress) {
  std::mutex m;
  std::optional<HttpRequest> seen;
  ASSERT_NO_FATAL_FAILURE(start([&](const HttpRequest& r) {
    std::lock_guard lock(m);
    seen = r;
    return json_response(200, boost::json::object{});
  }));
  ClientRequest req{"POST",
                    "/x",
                    "",
                    "{}",
                    "",
                    "",
                    {{"Cookie", "sid=s1; lang=fr"}, {"Origin", "http://127.0.0.1"}}};
  auto r = http_call(url_, req);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->status, 200);
  std::lock_guard lock(m);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->header("cookie"), "sid=s1; lang=fr");
  EXPECT_EQ(seen->header("Origin"), "http://127.0.0.1");
  EXPECT_EQ(seen->header("Host"), "127.0.0.1");  // what the CLI client sends
  EXPECT_EQ(seen->header("Content-Type"), "application/json");
  EXPECT_EQ(seen->header("User-Agent"), "atelier-cli");
  EXPECT_EQ(seen->client_address, "127.0.0.1");
}

TEST_F(ServerTest, ExtraResponseHeadersAreSentAndUnsafeOnesGive500) {
  ASSERT_NO_FATAL_FAILURE(start([](const HttpRequest& r) {
    HttpResponse out;
    out.status = 303;
    out.headers = {{"Set-Cookie", "sid=abc; HttpOnly"},
                   {"Set-Cookie", "lang=fr"},
                   {"Location", "/sessions"},
                   {"Content-Security-Policy", "default-src 'self'"}};
    if (r.target == "/bad") out.headers.emplace_back("Set-Cookie", "a=1\r\nX-Injected: yes");
    return out;
  }));
  auto r = http_call(url_, {"GET", "/good", "", "", "", ""});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 303);
  std::vector<std::string> cookies;
  for (const auto& [n, v] : r->headers) {
    if (n == "Set-Cookie") cookies.push_back(v);
  }
  EXPECT_EQ(cookies, (std::vector<std::string>{"sid=abc; HttpOnly", "lang=fr"}));
  EXPECT_EQ(header_value(r->headers, "Location"), "/sessions");
  EXPECT_EQ(header_value(r->headers, "Content-Security-Policy"), "default-src 'self'");

  auto bad = http_call(url_, {"GET", "/bad", "", "", "", ""});
  ASSERT_TRUE(bad.ok()) << bad.error().to_string();
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(header_value(bad->headers, "X-Injected"), "");
  EXPECT_EQ(header_value(bad->headers, "Set-Cookie"), "");
}

}  // namespace
}  // namespace atelier::api
