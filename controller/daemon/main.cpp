// atelierd: the controller daemon. Wires the store, the session service, the reconciler and the
// HTTP API from its configuration (config.h), serves until SIGTERM/SIGINT, then stops cleanly
// (running VMs are left alone: the next start adopts them).
// The io_context runs on this thread and never blocks: the API's handler runs on the HTTP
// server's worker thread (server.h), which owns the API's store connection; only /healthz is
// answered on the io thread. The reconciler runs on its own threads with its own connections.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/api/api.h"
#include "controller/api/server.h"
#include "controller/daemon/config.h"
#include "controller/daemon/consoles.h"
#include "controller/reconciler/reconciler.h"
#include "controller/sessions/session_service.h"
#include "controller/store/state_permissions.h"
#include "controller/store/store.h"

namespace {

// Structured log lines on stderr: ts=... level=... msg="..." key=value ...
std::mutex log_mutex;
void log(std::string_view level, std::string_view msg, const std::string& fields = "") {
  std::lock_guard lock(log_mutex);
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::cerr << "ts=" << ts << " level=" << level << " msg=\"" << msg << "\""
            << (fields.empty() ? "" : " ") << fields << "\n";
}

// log() as the parts' log hooks take it.
void log_line(std::string_view level, std::string_view msg, const std::string& fields) {
  log(level, msg, fields);
}

// The state folder secured (the store, its WAL and the keys the owner's only; folders QEMU
// passes through get traversal, no listing; older folders tightened, each change logged), then
// the store opened and the configured hosts recorded. Logs what failed.
std::optional<atelier::store::Store> open_store(const atelier::daemon::Config& config) {
  using namespace atelier;
  std::vector<std::filesystem::path> qemu_paths;
  if (config.reconcile)
    qemu_paths = {config.run_dir, config.overlay_dir, config.image_state_dir / "images"};
  auto secured = store::secure_state_dir(config.state_dir, qemu_paths);
  if (!secured.ok()) {
    log("error", "cannot secure the state folder", "error=\"" + secured.error().to_string() + "\"");
    return std::nullopt;
  }
  for (const auto& change : *secured) {
    log("info", "tightened permissions",
        "path=" + change.path.string() + " from=" + store::mode_string(change.from) +
            " to=" + store::mode_string(change.to));
  }
  auto opened = store::Store::open(config.state_dir);
  if (!opened.ok()) {
    log("error", "cannot open the store", "error=\"" + opened.error().to_string() + "\"");
    return std::nullopt;
  }
  for (const auto& h : config.hosts) {
    // Capacity (memory, CPUs) is filled in by the reconciler when it first connects.
    if (auto s = opened->upsert_host({h.name, h.uri, 0, 0, true}); !s.ok()) {
      log("error", "cannot record host",
          "host=" + h.name + " error=\"" + s.error().to_string() + "\"");
      return std::nullopt;
    }
  }
  return std::move(opened).value();
}

atelier::reconciler::ReconcilerOptions reconciler_options(const atelier::daemon::Config& config,
                                                          const std::string& secret_key,
                                                          atelier::daemon::TeardownRelay& relay) {
  using namespace atelier;
  reconciler::ReconcilerOptions ro;
  // A lab torn down (its session destroyed by any path) has its consoles closed.
  ro.on_lab_teardown = [&relay](const std::string& session, const std::string& candidate) {
    relay(session, candidate);
  };
  ro.state_dir = config.state_dir;
  ro.run_dir = config.run_dir;
  ro.labs_dir = config.labs_dir;
  ro.load.recipes_root = config.recipes_dir;
  for (const auto& h : config.hosts) ro.hosts.push_back({h.name, h.uri});
  ro.overlay_dir = config.overlay_dir.string();
  ro.overlay_pool = config.overlay_pool;
  ro.image_definitions = config.image_definitions;
  ro.image_state_dir = config.image_state_dir.string();
  ro.build_images = config.build_images;
  if (!config.agent_binary.empty()) ro.agent_binary = config.agent_binary.string();
  ro.console = config.console == "pty" ? provider::SerialConsole::Kind::kPty
                                       : provider::SerialConsole::Kind::kLogFile;
  ro.cache =
      config.unsafe_disk_cache ? provider::DiskCache::kUnsafe : provider::DiskCache::kDefault;
  ro.boot_deadline = config.boot_timeout;
  ro.loop_interval = config.reconcile_interval;
  ro.gc_interval = config.orphan_interval;
  ro.check_interval = config.check_interval;
  ro.orphan_session_prefix = config.orphan_prefix;
  ro.max_parallel_per_host = config.max_parallel_labs;
  ro.secret_key = secret_key;
  ro.log = log_line;
  return ro;
}

atelier::api::Api::Options api_options(const atelier::daemon::Config& config,
                                       const std::string& access_key) {
  atelier::api::Api::Options o;
  o.default_check_interval = config.check_interval;
  o.web.access_key = access_key;
  o.web.secure_cookies = !config.tls_cert.empty();
  o.web.assets_dir = config.web_assets_dir;
  o.web.xterm_dir = config.xterm_dir;
  o.web.player_dir = config.player_dir;
  o.web.novnc_dir = config.novnc_dir;
  o.web.recordings_dir = config.state_dir / "recordings";
  o.web.candidate_check_every = config.candidate_check_every;
  return o;
}

atelier::daemon::ConsoleOptions console_options(const atelier::daemon::Config& config) {
  atelier::daemon::ConsoleOptions o;
  o.state_dir = config.state_dir;
  o.recordings_dir = config.state_dir / "recordings";
  for (const auto& h : config.hosts) o.hosts[h.name] = h.uri;
  o.overlay_dir = config.overlay_dir.string();
  o.idle_timeout = config.console_idle_timeout;
  return o;
}

atelier::api::HttpServer::Options server_options(const atelier::daemon::Config& config) {
  atelier::api::HttpServer::Options o;
  o.address = config.listen_address;
  o.port = config.listen_port;
  o.max_body_bytes = config.max_body_bytes;
  o.max_connections = config.max_connections;
  o.max_connections_per_client = config.max_connections_per_client;
  o.tls_cert_file = config.tls_cert.string();
  o.tls_key_file = config.tls_key.string();
  return o;
}

// One request through the API, logged with its time. A change that succeeded (2xx, or the 303 the
// pages' forms answer with) wakes the reconciler so that it looks now rather than at its next tick
// (a destroyed session's teardown then closes its consoles: reconciler_options).
atelier::api::HttpResponse handle_request(atelier::api::Api& api,
                                          atelier::reconciler::Reconciler* reconciler,
                                          const atelier::api::HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  atelier::api::HttpResponse response = api.handle(request);
  if (reconciler && request.method != "GET" && response.status < 400) reconciler->kick();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  auto path = request.target.substr(0, request.target.find('?'));
  log("info", "request",
      "method=" + request.method + " path=" + path + " status=" + std::to_string(response.status) +
          " us=" + std::to_string(us.count()));
  return response;
}

void log_refusal(const atelier::api::HttpServer::Refusal& r) {
  log("warn", "request refused",
      "method=" + r.method + " path=" + r.path + " reason=\"" + r.reason +
          "\" client=" + (r.client.empty() ? "-" : r.client) +
          (r.suppressed ? " suppressed=" + std::to_string(r.suppressed) : ""));
}

// The port in --port-file (for scripts and tests that asked for port 0) and the "listening" line.
void announce(const atelier::daemon::Config& config, std::uint16_t port) {
  if (!config.port_file.empty()) {
    std::ofstream(config.port_file) << port << "\n";
  }
  log("info", "listening",
      "address=" + config.listen_address + " port=" + std::to_string(port) +
          " tls=" + (config.tls_cert.empty() ? "off" : "on") +
          " state_dir=" + config.state_dir.string() + " labs_dir=" + config.labs_dir.string());
}

// Starts the reconciler and serves until SIGTERM or SIGINT; then the consoles close before the
// reconciler stops. Jobs stop between steps; one in a long step (a guest booting) is left: every
// step resumes at the next start, so the process may end under it (_exit: its thread is not
// joined).
int serve_until_signal(boost::asio::io_context& io, atelier::api::HttpServer& server,
                       std::unique_ptr<atelier::daemon::Consoles>& consoles,
                       atelier::daemon::TeardownRelay& relay,
                       std::unique_ptr<atelier::reconciler::Reconciler>& reconciler) {
  if (reconciler) reconciler->start();

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& err, int signal) {
    if (err) return;
    log("info", "stopping", "signal=" + std::to_string(signal));
    server.stop();
    io.stop();
  });
  io.run();
  relay.attach(nullptr);  // teardown jobs still running no longer reach the consoles
  consoles.reset();       // streams and recordings closed before the reconciler stops
  bool clean = true;
  if (reconciler) {
    clean = reconciler->stop(std::chrono::seconds(3));
  }
  log("info", "stopped", clean ? "" : "jobs=interrupted");
  if (!clean) {
    std::cerr.flush();
    _exit(0);
  }
  reconciler.reset();
  return 0;
}

// A bad command line (exit 2) or --help (exit 0): said, and nothing served.
int answer_without_serving(const atelier::Result<atelier::daemon::ParseOutcome>& parsed) {
  if (!parsed.ok()) {
    std::cerr << "atelierd: " << parsed.error().to_string() << "\n";
    return 2;
  }
  std::cout << parsed->text;
  return 0;
}

}  // namespace

static int serve_from_command_line(int argc, char** argv) {
  using namespace atelier;
  std::error_code ec;
  auto parsed = daemon::parse_config(argc, argv, std::filesystem::current_path(ec));
  if (!parsed.ok() || parsed->help) return answer_without_serving(parsed);
  const daemon::Config& config = parsed->config;
  std::optional<store::Store> opened = open_store(config);
  if (!opened) return 1;
  store::Store& store = *opened;

  sessions::SessionService::Options session_options;
  session_options.labs_dir = config.labs_dir;
  session_options.load.recipes_root = config.recipes_dir;
  session_options.log = log_line;
  sessions::SessionService sessions(store, session_options);

  // Candidates' access codes and root passwords derive from this key: kept 0600 beside the
  // store, never logged.
  auto access_key = api::load_or_create_access_key(config.state_dir / "access.key");
  if (!access_key.ok()) {
    log("error", "cannot read or create the access-code key",
        "error=\"" + access_key.error().to_string() + "\"");
    return 1;
  }
  daemon::TeardownRelay relay;  // outlives the reconciler (declared before it)
  std::unique_ptr<reconciler::Reconciler> reconciler;
  if (config.reconcile) {
    auto made = reconciler::Reconciler::create(reconciler_options(config, *access_key, relay));
    if (!made.ok()) {
      log("error", "cannot start the reconciler", "error=\"" + made.error().to_string() + "\"");
      return made.error().code() == ErrorCode::kInvalidArgument ? 2 : 1;
    }
    reconciler = std::move(*made);
  }
  boost::asio::io_context io;
  api::Api::Options api_opts = api_options(config, *access_key);
  api_opts.operations = reconciler.get();

  // The consoles: created before the server (its upgrade hook), destroyed before it.
  std::unique_ptr<api::HttpServer>* server_slot = nullptr;
  auto consoles_made = daemon::Consoles::create(
      console_options(config), io, store,
      [&server_slot](std::function<void()> f) { (*server_slot)->post_to_worker(std::move(f)); });
  if (!consoles_made.ok()) {
    log("error", "cannot set up the consoles",
        "error=\"" + consoles_made.error().to_string() + "\"");
    return 1;
  }
  std::unique_ptr<daemon::Consoles> consoles = std::move(*consoles_made);
  relay.attach(consoles.get());
  std::optional<daemon::ConsoleClosingOperations> operations;
  if (reconciler) {
    operations.emplace(*reconciler, *consoles);
    api_opts.operations = &*operations;
  }
  api::Api api(store, sessions, api_opts);

  api::HttpServer::Options server_opts = server_options(config);
  server_opts.quick = [&](const api::HttpRequest& request) { return api.handle_quick(request); };
  server_opts.upgrade = [&](api::UpgradeContext& up) { return consoles->take(up); };
  auto server = api::HttpServer::start(
      io, server_opts,
      [&](const api::HttpRequest& request) {
        return handle_request(api, reconciler.get(), request);
      },
      [&](int status) { api.count_response(status); }, log_refusal);
  if (!server.ok()) {
    log("error", "cannot listen", "error=\"" + server.error().to_string() + "\"");
    return server.error().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  server_slot = &*server;
  announce(config, (*server)->port());
  return serve_until_signal(io, **server, consoles, relay, reconciler);
}

// What no part caught (a bug) is said in the log, once, before the exit: never a silent
// std::terminate. The store keeps every session for the next start.
int main(int argc, char** argv) {
  try {
    return serve_from_command_line(argc, argv);
  } catch (const std::exception& e) {
    log("error", "stopped by an unexpected error", "error=\"" + std::string(e.what()) + "\"");
  } catch (...) {
    log("error", "stopped by an unexpected error", "");
  }
  return 1;
}
