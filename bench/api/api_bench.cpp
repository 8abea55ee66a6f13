// api_bench: atelierd's API under load (issue #19), on an empty and a 10,000-session store:
// GET-only and mixed GET/POST for a fixed time each, with /healthz latency from a separate prober.
// A real atelierd on loopback (test:///default, --no-reconcile), the store seeded directly.
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/atelierd_process.h"
#include "controller/store/store.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using namespace atelier;
using bench::cpu_seconds;
using bench::own_cpu_seconds;
using bench::percentile;

// What one phase's requests are: GET /sessions (its default page), GET /sessions/{id},
// GET /healthz, and in the mixed phase POST /sessions/{id}/annotations (a store write).
enum Kind { kList, kOne, kHealth, kAnnotate, kKinds };
constexpr std::array<const char*, kKinds> kKindNames = {"GET /sessions", "GET /sessions/{id}",
                                                        "GET /healthz", "POST .../annotations"};

struct Config {
  fs::path atelierd, source;
  int seconds = 10;
  int connections = 32;
  int sessions = 10000;
};

struct Target {
  std::uint16_t port = 0;
  std::string token;
  std::vector<std::string> sessions;  // ids the per-session requests pick from
};

// Latencies (ms) per kind and the failed requests of one phase; touched by one thread.
struct Tally {
  std::array<std::vector<double>, kKinds> ms;
  std::size_t errors = 0;
};

// ---- the store and the daemon ----

// n sessions of the demo lab (one candidate each, nothing provisioned: atelierd runs with
// --no-reconcile, so they stay pending and only the API reads them) and a trainer token.
Target seed_store(const Config& c, const fs::path& state, int n) {
  auto store = store::Store::open(state);
  if (!store.ok()) throw std::runtime_error(store.error().to_string());
  Target t;
  const auto now = store::Clock::now();
  const std::string lab = fs::canonical(c.source / "labs" / "demo" / "lab.yaml").string();
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "b%05d", i);
    store::SessionRecord s;
    s.id = id;
    s.lab_path = lab;
    s.lab_id = "demo";
    s.seed = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(i + 1);
    s.created_at = now + std::chrono::milliseconds(i);
    s.created_by = "cli";
    store::AuditEntry audit{0, now, "cli", "session.create", std::string("session ") + id, "bench"};
    auto st = store->create_session(s, {"c01"}, audit);
    if (!st.ok()) throw std::runtime_error(st.error().to_string());
    t.sessions.push_back(id);
  }
  auto token =
      store->create_token(store::Role::kTrainer, std::nullopt, std::nullopt, "bench", now, "cli");
  if (!token.ok()) throw std::runtime_error(token.error().to_string());
  t.token = *token;
  return t;
}

// ---- the load ----

http::request<http::string_body> make_request(Kind k, const Target& t, std::mt19937_64& rng) {
  const std::string& id = t.sessions[rng() % t.sessions.size()];
  http::request<http::string_body> req;
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, "Bearer " + t.token);
  switch (k) {
    case kList:
      req.method(http::verb::get);
      req.target("/sessions");
      break;
    case kOne:
      req.method(http::verb::get);
      req.target("/sessions/" + id);
      break;
    case kHealth:
      req.method(http::verb::get);
      req.target("/healthz");
      break;
    default:
      req.method(http::verb::post);
      req.target("/sessions/" + id + "/annotations");
      req.set(http::field::content_type, "application/json");
      req.body() = R"({"candidate": "c01", "task": "T1", "text": "bench"})";
      break;
  }
  req.prepare_payload();
  return req;
}

// One keep-alive connection sending requests back to back until `end`: the three GETs in turn,
// and in the mixed phase every fourth request a POST. A failed connection is opened again.
asio::awaitable<void> load_connection(const Target& t, bool mixed, Steady::time_point end,
                                      Tally& tally, unsigned seed) {
  auto ex = co_await asio::this_coro::executor;
  std::mt19937_64 rng(seed);
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), t.port);
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  for (unsigned i = seed; Steady::now() < end; ++i) {
    if (!stream) {
      stream.emplace(ex);
      buffer.clear();
      auto [cec] = co_await stream->async_connect(ep, asio::as_tuple(asio::use_awaitable));
      if (cec) {
        ++tally.errors;
        stream.reset();
        continue;
      }
    }
    const Kind k = mixed && i % 4 == 3 ? kAnnotate : static_cast<Kind>(i % 3);
    auto req = make_request(k, t, rng);
    const auto t0 = Steady::now();
    auto [wec, wn] = co_await http::async_write(*stream, req, asio::as_tuple(asio::use_awaitable));
    http::response_parser<http::string_body> res;
    res.body_limit(64 * 1024 * 1024);
    beast::error_code rec = wec;
    if (!wec) {
      auto [ec, rn] =
          co_await http::async_read(*stream, buffer, res, asio::as_tuple(asio::use_awaitable));
      rec = ec;
      (void)rn;
    }
    (void)wn;
    const double ms = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
    if (rec || res.get().result_int() >= 400 || !res.get().keep_alive()) {
      ++tally.errors;
      stream.reset();
      continue;
    }
    tally.ms[k].push_back(ms);
  }
}

// GET /healthz on its own connection and thread every 20 ms until `end`: what a monitor sees
// while the load runs. Paced (not back to back) so that it measures and does not add load.
void probe(const Target& t, Steady::time_point end, std::vector<double>& ms, std::size_t& errors) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), t.port), ec);
  beast::flat_buffer buffer;
  std::mt19937_64 rng(1);
  for (auto next = Steady::now(); !ec && next < end; next += std::chrono::milliseconds(20)) {
    std::this_thread::sleep_until(next);  // the probe's pace
    auto req = make_request(kHealth, t, rng);
    const auto t0 = Steady::now();
    http::write(stream, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(stream, buffer, res, ec);
    if (ec || res.result_int() != 200) {
      ++errors;
      continue;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
  }
  if (ec) ++errors;
}

void print_phase(const char* name, int sessions, const Tally& tally, double seconds,
                 const std::vector<double>& probe_ms, std::size_t probe_errors, double server_cpu,
                 double client_cpu) {
  std::vector<double> all;
  for (const auto& v : tally.ms) all.insert(all.end(), v.begin(), v.end());
  std::printf(
      "%-8s %6d sessions: %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %zu  |  "
      "/healthz probe p50 %5.2f ms p99 %6.2f ms (%zu, errors %zu)  |  CPU server %3.0f%% "
      "client %3.0f%%\n",
      name, sessions, static_cast<double>(all.size()) / seconds, percentile(all, 0.5),
      percentile(all, 0.99), tally.errors, percentile(probe_ms, 0.5), percentile(probe_ms, 0.99),
      probe_ms.size(), probe_errors, 100 * server_cpu / seconds, 100 * client_cpu / seconds);
  for (int k = 0; k < kKinds; ++k) {
    if (tally.ms[k].empty()) continue;
    std::printf("           %-22s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms\n", kKindNames[k],
                static_cast<double>(tally.ms[k].size()) / seconds, percentile(tally.ms[k], 0.5),
                percentile(tally.ms[k], 0.99));
  }
  std::fflush(stdout);
}

// One phase: c.connections load connections on one client thread, the prober on another.
void run_phase(const Config& c, const Target& t, pid_t server, bool mixed, int sessions) {
  asio::io_context io;
  const auto end = Steady::now() + std::chrono::seconds(c.seconds);
  std::vector<Tally> tallies(static_cast<std::size_t>(c.connections));
  std::vector<double> probe_ms;
  std::size_t probe_errors = 0;
  const double server0 = cpu_seconds(server), client0 = own_cpu_seconds();
  const auto t0 = Steady::now();
  for (int i = 0; i < c.connections; ++i) {
    asio::co_spawn(io, load_connection(t, mixed, end, tallies[i], static_cast<unsigned>(i)),
                   asio::detached);
  }
  std::thread prober([&] { probe(t, end, probe_ms, probe_errors); });
  io.run();
  prober.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();
  Tally sum;
  for (auto& tally : tallies) {
    for (int k = 0; k < kKinds; ++k)
      sum.ms[k].insert(sum.ms[k].end(), tally.ms[k].begin(), tally.ms[k].end());
    sum.errors += tally.errors;
  }
  print_phase(mixed ? "mixed" : "GET-only", sessions, sum, seconds, probe_ms, probe_errors,
              cpu_seconds(server) - server0, own_cpu_seconds() - client0);
}

// One store size: seed, start atelierd, both phases, stop it.
void run_size(const Config& c, int sessions) {
  char tmpl[] = "/tmp/api-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  const fs::path dir = tmpl;
  const auto s0 = Steady::now();
  // "Empty": one session, the target of the per-session requests.
  Target t = seed_store(c, dir / "state", std::max(sessions, 1));
  std::printf("seeded %d sessions in %.1f s\n", std::max(sessions, 1),
              std::chrono::duration<double>(Steady::now() - s0).count());
  bench::AtelierdProcess daemon(c.atelierd, c.source, dir);  // killed if a phase throws
  t.port = daemon.port();
  run_phase(c, t, daemon.pid(), false, sessions);
  run_phase(c, t, daemon.pid(), true, sessions);
  daemon.stop();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: api_bench ATELIERD SOURCE_DIR [SECONDS [CONNECTIONS [SESSIONS]]]\n");
    return 2;
  }
  c.atelierd = argv[1];
  c.source = argv[2];
  if (argc > 3) c.seconds = std::max(1, std::atoi(argv[3]));
  if (argc > 4) c.connections = std::max(1, std::atoi(argv[4]));
  if (argc > 5) c.sessions = std::max(1, std::atoi(argv[5]));
  std::printf(
      "api_bench: %d keep-alive connections, %d s per phase, /healthz probed every 20 ms; "
      "%u CPUs\n",
      c.connections, c.seconds, std::thread::hardware_concurrency());
  std::printf("load average before: %s (the machine's other work competes too)\n",
              bench::load_average().c_str());
  try {
    run_size(c, 0);
    run_size(c, c.sessions);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "api_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
