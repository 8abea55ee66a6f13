// The shared API fixture base: setup and teardown of the temporary folder, store, session
// service and HTTP server, and the request, JSON and role-matrix helpers (see api_harness.h).
#include "tests/support/api_harness.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <random>

namespace atelier::api::test_support {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string EventStream::next() {
  for (;;) {
    boost::system::error_code ec;
    boost::asio::read_until(socket, buffer, "\n\n", ec);
    if (ec) return "";
    std::string all(boost::asio::buffers_begin(buffer.data()),
                    boost::asio::buffers_end(buffer.data()));
    auto end = all.find("\n\n") + 2;
    buffer.consume(end);
    std::string block = all.substr(0, end);
    if (block.rfind(":", 0) != 0) return block;
  }
}

void ApiHarness::make_dirs(const std::string& prefix) {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / (prefix + "-" + std::to_string(rd()));
  labs_ = dir_ / "labs";
  fs::create_directories(labs_);
  fs::copy(src_ / "labs" / "demo", labs_ / "demo", fs::copy_options::recursive);
}

void ApiHarness::open_store(sessions::SessionService::Options options) {
  auto opened = store::Store::open(dir_ / "state");
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  store_ = std::make_unique<store::Store>(std::move(opened).value());
  options.labs_dir = labs_;
  options.load.recipes_root = src_ / "ansible-free-recipes" / "recipes";
  sessions_ = std::make_unique<sessions::SessionService>(*store_, options);
}

void ApiHarness::start_server(HttpServer::Options options, HttpServer::Observer observer) {
  if (!options.quick)
    options.quick = [this](const HttpRequest& r) { return api_->handle_quick(r); };
  auto server = HttpServer::start(
      io_, std::move(options), [this](const HttpRequest& r) { return api_->handle(r); },
      std::move(observer));
  ASSERT_TRUE(server.ok()) << server.error().to_string();
  server_ = std::move(server).value();
  url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  thread_ = std::thread([this] { io_.run(); });
}

void ApiHarness::stop_server() {
  if (server_) boost::asio::post(io_, [this] { server_->stop(); });
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
  server_.reset();
}

void ApiHarness::TearDown() {
  stop_server();
  api_.reset();
  sessions_.reset();
  store_.reset();
  if (!dir_.empty()) fs::remove_all(dir_);
}

void ApiHarness::make_session(const std::string& name, std::vector<std::string> candidates,
                              bool feedback) {
  sessions::CreateSessionRequest req;
  req.lab = "demo";
  req.name = name;
  req.candidates = std::move(candidates);
  req.seed = 42;
  req.feedback = feedback;
  auto created = sessions_->create(req, "test", nullptr);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
}

std::string ApiHarness::token(store::Role role, std::optional<std::string> s,
                              std::optional<std::string> c, const std::string& label,
                              store::Clock::time_point when) {
  auto t = store_->create_token(role, s, c, label, when, "test");
  EXPECT_TRUE(t.ok()) << t.error().to_string();
  return t.ok() ? *t : "";
}

void ApiHarness::add_matrix_tokens() {
  using store::Role;
  tokens_["trainer"] = token(Role::kTrainer, {}, {});
  tokens_["evaluator"] = token(Role::kEvaluator, {}, {});
  tokens_["cand_a"] = token(Role::kCandidate, "s1", "c01");
  tokens_["cand_b"] = token(Role::kCandidate, "s1", "c02");
  tokens_["trainer_s2"] = token(Role::kTrainer, "s2", {});
  tokens_["evaluator_s2"] = token(Role::kEvaluator, "s2", {});
  tokens_["bad"] = "atl_" + std::string(64, 'f');
  tokens_["none"] = "";
}

HttpResponse ApiHarness::call(const std::string& method, const std::string& target,
                              const std::string& who, const std::string& body) {
  ClientRequest req;
  req.method = method;
  req.target = target;
  req.token = tokens_.at(who);
  req.body = body;
  auto r = http_call(url_, req, std::chrono::seconds(20));
  EXPECT_TRUE(r.ok()) << method << " " << target << ": " << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : HttpResponse{0, "", "", false};
}

HttpResponse ApiHarness::handle(const std::string& method, const std::string& target,
                                const std::string& who, const std::string& body) {
  HttpRequest req;
  req.method = method;
  req.target = target;
  if (!tokens_.at(who).empty()) req.authorization = "Bearer " + tokens_.at(who);
  req.body = body;
  return api_->handle(req);
}

std::unique_ptr<EventStream> ApiHarness::open_events(const std::string& target,
                                                     const std::string& who) {
  auto s = std::make_unique<EventStream>();
  boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), server_->port());
  s->socket.connect(ep);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!tokens_.at(who).empty()) req += "Authorization: Bearer " + tokens_.at(who) + "\r\n";
  req += "\r\n";
  boost::asio::write(s->socket, boost::asio::buffer(req));
  boost::asio::read_until(s->socket, s->buffer, "\r\n\r\n");
  std::string all(boost::asio::buffers_begin(s->buffer.data()),
                  boost::asio::buffers_end(s->buffer.data()));
  auto end = all.find("\r\n\r\n") + 4;
  s->status = std::stoi(all.substr(9, 3));
  s->buffer.consume(end);
  return s;
}

json::value ApiHarness::parse(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << r.body;
  return v;
}

std::string ApiHarness::error_code(const HttpResponse& r) {
  json::value v = parse(r);
  if (!v.is_object() || !v.as_object().contains("error")) {
    ADD_FAILURE() << "no error object in " << r.body;
    return "";
  }
  const auto& e = v.at("error");
  EXPECT_TRUE(e.at("message").is_string());
  return std::string(e.at("code").as_string());
}

void ApiHarness::expect_role_matrix(const std::vector<MatrixRow>& rows) {
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < kMatrixWho.size(); ++i) {
      const std::string& who = kMatrixWho[i];
      if (row.endpoint == Endpoint::kSessionEvents) {  // a stream: read the status line only
        EXPECT_EQ(open_events(row.target, who)->status, row.expected[i])
            << row.target << " as " << who;
        continue;
      }
      HttpResponse r = call(row.method, row.target, who, row.body);
      EXPECT_EQ(r.status, row.expected[i])
          << row.method << " " << row.target << " as " << who << ": " << r.body;
      // A page's refusal is a page (the staff login's expired form); the API's are JSON errors.
      if ((r.status == 401 || r.status == 403) && r.content_type.starts_with("text/html")) {
        EXPECT_TRUE(row.target.starts_with("/staff/"))
            << row.target << " answered HTML " << r.status;
        continue;
      }
      if (r.status == 401) {
        EXPECT_EQ(error_code(r), "unauthenticated");
      }
      if (r.status == 403) {
        EXPECT_EQ(error_code(r), "forbidden");
      }
    }
  }
}

}  // namespace atelier::api::test_support
