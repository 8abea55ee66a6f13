// The API's request handling, apart from the network: HttpRequest in, HttpResponse out. It
// routes (roles.h), authenticates the bearer token against the store, applies the role table,
// and calls the endpoint's handler (handlers.h: one file per resource; docs/api.md).
// Threads: handle() and the event streams' polls run on one thread at a time (the server's
// worker); handle_quick() and count_response() may run on another (the io thread) meanwhile:
// they touch no store, only the response counters, which a mutex guards.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "controller/api/actions_api.h"
#include "controller/api/http_types.h"
#include "controller/api/web_state.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"

namespace atelier::api {

class Api {
 public:
  struct Options {
    // How often an event stream asks the store whether anything was written (a change reaches
    // the page within it; a look without a write costs one PRAGMA: bench/feed measures both).
    std::chrono::milliseconds events_poll_interval{200};
    // The reconciler's actions (reset, solve, check run) and access details; null: 503.
    LabOperations* operations = nullptr;
    // atelierd's --check-interval (0: none), to show a session's interval in force.
    std::chrono::seconds default_check_interval{0};
    // The candidate web edge: access-code key, cookies, assets (web_state.h).
    WebOptions web;
  };
  Api(store::Store& store, sessions::SessionService& sessions, Options options);
  Api(store::Store& store, sessions::SessionService& sessions) : Api(store, sessions, Options{}) {}

  HttpResponse handle(const HttpRequest& request);

  // The answers that need neither the store nor a token (GET /healthz), so that the io thread can
  // give them at once even while handle() waits on SQLite; nullopt: call handle().
  std::optional<HttpResponse> handle_quick(const HttpRequest& request);

  // Counts a response the server produced itself (413, 400 on a malformed request), so that
  // /metrics sees every answer.
  void count_response(int status);

 private:
  HttpResponse dispatch(const HttpRequest& request);
  HttpResponse unauthenticated(const HttpRequest& request);
  store::Store& store_;
  sessions::SessionService& sessions_;
  Options options_;
  WebState web_state_;
  std::mutex counts_mutex_;
  std::map<int, std::uint64_t> responses_by_status_;  // guarded by counts_mutex_
};

}  // namespace atelier::api
