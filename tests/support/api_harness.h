// A GoogleTest fixture base shared by the API tests (unit and integration): a temporary folder
// with the demo lab, a real store and session service, an Api, the HTTP server on 127.0.0.1
// port 0 run on a thread, tokens per role, and request, JSON and role-matrix helpers.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/json.hpp>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/api/api.h"
#include "controller/api/http_client.h"
#include "controller/api/roles.h"
#include "controller/api/server.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"

namespace atelier::api::test_support {

// One endpoint of a role matrix and the status expected for each name of kMatrixWho.
struct MatrixRow {
  Endpoint endpoint;
  std::string method, target, body;
  // Expected status for: none, bad, trainer, evaluator, cand_a (s1/c01), cand_b (s1/c02),
  // trainer_s2, evaluator_s2.
  std::array<int, 8> expected;
};
inline const std::array<std::string, 8> kMatrixWho = {
    "none", "bad", "trainer", "evaluator", "cand_a", "cand_b", "trainer_s2", "evaluator_s2"};

// An event stream read with a plain socket: the status line and headers, then events.
struct EventStream {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
  boost::asio::streambuf buffer;
  int status = 0;
  // The next "\n\n"-terminated block, skipping keep-alive comments; "" at the end.
  std::string next();
};

// The fixture base. SetUp of a test calls make_dirs, then open_store, builds api_, and (when it
// talks over a socket) start_server; each helper fails the test with ASSERT_* on error, so call
// them under ASSERT_NO_FATAL_FAILURE. TearDown stops the server and removes everything.
class ApiHarness : public ::testing::Test {
 protected:
  // dir_ = a fresh temporary folder "<prefix>-<random>", with the demo lab copied into labs_.
  void make_dirs(const std::string& prefix);
  // Opens the store in dir_/state and the session service over labs_ (recipes of the source
  // tree); the other fields of `options` are kept.
  void open_store(sessions::SessionService::Options options = {});
  // Serves api_ on 127.0.0.1 port 0 with io_ run on thread_; sets url_.
  void start_server(HttpServer::Options options = {}, HttpServer::Observer observer = {});
  // Stops the server (if started) and joins its thread.
  void stop_server();
  void TearDown() override;

  void make_session(const std::string& name, std::vector<std::string> candidates,
                    bool feedback = false);
  std::string token(store::Role role, std::optional<std::string> s, std::optional<std::string> c,
                    const std::string& label = "test",
                    store::Clock::time_point when = store::Clock::now());
  // tokens_ for every name of kMatrixWho: s1's candidates c01 (cand_a) and c02 (cand_b); "bad"
  // is well-formed but unknown; "none" sends no Authorization header.
  void add_matrix_tokens();

  // A request as `who` (a key of tokens_) over HTTP to url_; fails the test when it cannot be sent.
  HttpResponse call(const std::string& method, const std::string& target, const std::string& who,
                    const std::string& body = "");
  // The same request given to Api::handle directly (no socket).
  HttpResponse handle(const std::string& method, const std::string& target, const std::string& who,
                      const std::string& body = "");
  std::unique_ptr<EventStream> open_events(const std::string& target, const std::string& who);

  static boost::json::value parse(const HttpResponse& r);
  // The error code of a JSON error response; fails the test when the shape is wrong.
  static std::string error_code(const HttpResponse& r);
  // Every row as every name of kMatrixWho (event streams: the status line only); 401 and 403
  // must carry the codes "unauthenticated" and "forbidden" (the staff login's refusals are
  // pages: HTML, under /staff/ only).
  void expect_role_matrix(const std::vector<MatrixRow>& rows);

  const std::filesystem::path src_ = ATELIER_HARNESS_SOURCE_DIR;
  std::filesystem::path dir_, labs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sessions::SessionService> sessions_;
  std::unique_ptr<Api> api_;
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::string url_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace atelier::api::test_support
