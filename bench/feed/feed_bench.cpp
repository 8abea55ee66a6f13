// feed_bench: the trainer dashboard's live feed (issue #15) with 30 candidates x 8 provisioning
// steps changing. A real atelierd on loopback (test:///default, --no-reconcile); the bench
// writes the step changes through its own store connection, as the reconciler does, and
// measures how long each change takes to reach a reader, and how many events carry them:
//   atelier: GET /sessions/{id}/events (Server-Sent Events, what the trainer page follows);
//   peer:    GET /sessions/{id} every second (a dashboard page that polls instead).
// The latency is from the commit to the reader's parse of the event that first shows the step
// done, on loopback: the page's own drawing is not included.
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/support/atelierd_process.h"
#include "controller/store/store.h"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using namespace atelier;

constexpr std::size_t kStepCount = sessions::kSteps.size();

struct Config {
  fs::path atelierd, source;
  int candidates = 30;
  int write_every_ms = 20;  // 240 changes in about 5 s: a burst, faster than real provisioning
  int peer_poll_ms = 1000;
};

std::string candidate_name(int i) {
  char name[16];
  std::snprintf(name, sizeof name, "c%02d", i + 1);
  return name;
}

// Two sessions of the demo lab with the same candidates (one per reader kind) and a trainer
// token; nothing is provisioned (atelierd runs with --no-reconcile).
std::string seed_store(const Config& c, const fs::path& state) {
  auto store = store::Store::open(state);
  if (!store.ok()) throw std::runtime_error(store.error().to_string());
  const auto now = store::Clock::now();
  std::vector<std::string> names;
  for (int i = 0; i < c.candidates; ++i) names.push_back(candidate_name(i));
  for (const char* id : {"feed", "poll"}) {
    store::SessionRecord s;
    s.id = id;
    s.lab_path = fs::canonical(c.source / "labs" / "demo" / "lab.yaml").string();
    s.lab_id = "demo";
    s.seed = 42;
    s.created_at = now;
    s.created_by = "cli";
    store::AuditEntry audit{0, now, "cli", "session.create", std::string("session ") + id, "bench"};
    auto st = store->create_session(s, names, audit);
    if (!st.ok()) throw std::runtime_error(st.error().to_string());
  }
  auto token =
      store->create_token(store::Role::kTrainer, std::nullopt, std::nullopt, "bench", now, "cli");
  if (!token.ok()) throw std::runtime_error(token.error().to_string());
  return *token;
}

// What one reader saw: a latency per step change (ms), the messages and bytes it took.
struct Seen {
  explicit Seen(std::size_t changes) : written(changes), seen(changes, false) {}
  std::vector<std::atomic<std::int64_t>> written;  // steady ns of each change's commit; 0: not yet
  std::vector<bool> seen;                          // the reader's own
  std::vector<double> latency_ms;
  std::size_t messages = 0, bytes = 0;
  std::atomic<std::size_t> delivered{0};  // latency_ms.size(), for the writer's thread

  // A session object (GET /sessions/{id}): each step newly shown done gets its latency.
  void take(const json::value& session, Steady::time_point at) {
    ++messages;
    for (const auto& cand : session.at("candidates").as_array()) {
      const int i = std::atoi(cand.at("candidate").as_string().c_str() + 1) - 1;
      const auto& steps = cand.at("steps").as_object();
      for (std::size_t k = 0; k < kStepCount; ++k) {
        const std::size_t slot = static_cast<std::size_t>(i) * kStepCount + k;
        const auto* state = steps.if_contains(sessions::to_string(sessions::kSteps[k]));
        if (seen[slot] || state == nullptr || *state != "done") continue;
        seen[slot] = true;
        const auto t0 = Steady::time_point(Steady::duration(written[slot].load()));
        latency_ms.push_back(std::chrono::duration<double, std::milli>(at - t0).count());
        ++delivered;
      }
    }
  }
  bool complete() const { return latency_ms.size() == seen.size(); }
};

tcp::socket connect(asio::io_context& io, std::uint16_t port) {
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  return socket;
}

// Reads "\n\n"-ended blocks from the event stream until the socket is shut down or closed.
void read_events(tcp::socket& socket, const std::string& token, Seen& seen) {
  const std::string req =
      "GET /sessions/feed/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      token + "\r\n\r\n";
  asio::write(socket, asio::buffer(req));
  asio::streambuf buffer;
  boost::system::error_code ec;
  std::size_t n = asio::read_until(socket, buffer, "\r\n\r\n", ec);
  if (ec) throw std::runtime_error("the event stream did not answer: " + ec.message());
  buffer.consume(n);
  for (;;) {
    n = asio::read_until(socket, buffer, "\n\n", ec);
    if (ec) return;
    const auto at = Steady::now();
    std::string block(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + n);
    buffer.consume(n);
    seen.bytes += block.size();
    const auto data = block.find("data: ");
    if (block.rfind("event: session", 0) != 0 || data == std::string::npos) continue;
    seen.take(json::parse(block.substr(data + 6)), at);
    if (seen.complete()) return;
  }
}

// GET /sessions/poll on one keep-alive connection every `every`, until complete or `stop`.
void poll_session(tcp::socket& socket, const std::string& token, std::chrono::milliseconds every,
                  const std::atomic<bool>& stop, Seen& seen) {
  const std::string req =
      "GET /sessions/poll HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      token + "\r\n\r\n";
  asio::streambuf buffer;
  for (auto next = Steady::now(); !stop && !seen.complete(); next += every) {
    std::this_thread::sleep_until(next);  // the peer's own cadence
    asio::write(socket, asio::buffer(req));
    std::size_t n = asio::read_until(socket, buffer, "\r\n\r\n");
    std::string head(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + n);
    buffer.consume(n);
    const auto at = head.find("Content-Length: ");
    if (at == std::string::npos) throw std::runtime_error("no Content-Length: " + head);
    const std::size_t length = std::stoul(head.substr(at + 16));
    if (buffer.size() < length)
      asio::read(socket, buffer, asio::transfer_exactly(length - buffer.size()));
    const auto now = Steady::now();
    std::string body(asio::buffers_begin(buffer.data()),
                     asio::buffers_begin(buffer.data()) + length);
    buffer.consume(length);
    seen.bytes += n + length;
    seen.take(json::parse(body), now);
  }
}

// The reconciler's side: every step of every candidate set done in turn, one change per tick,
// each commit's time recorded just before it (the reader may see it as soon as it commits).
void write_changes(const Config& c, const fs::path& state, const std::string& session, Seen& seen) {
  auto store = store::Store::open(state);
  if (!store.ok()) throw std::runtime_error(store.error().to_string());
  auto next = Steady::now();
  for (std::size_t k = 0; k < kStepCount; ++k) {
    for (int i = 0; i < c.candidates; ++i) {
      std::this_thread::sleep_until(next += std::chrono::milliseconds(c.write_every_ms));
      auto lab = store->get_candidate_lab(session, candidate_name(i));
      if (!lab.ok()) throw std::runtime_error(lab.error().to_string());
      lab->steps[k] = store::StepState::kDone;
      lab->status =
          k + 1 == kStepCount ? store::LabStatus::kReady : store::LabStatus::kProvisioning;
      seen.written[static_cast<std::size_t>(i) * kStepCount + k] =
          Steady::now().time_since_epoch().count();
      auto st = store->update_candidate_lab(*lab);
      if (!st.ok()) throw std::runtime_error(st.error().to_string());
    }
  }
}

struct Phase {
  const char* name;
  std::function<void(tcp::socket&, Seen&, const std::atomic<bool>&)> read;
  std::string session;
};

void print_row(const char* name, const Seen& seen, double seconds, double cpu) {
  std::printf("%-34s %4zu/%-4zu %7zu %9.1f %8.0f %8.0f %8.0f %9zu %8.2f\n", name,
              seen.latency_ms.size(), seen.seen.size(), seen.messages,
              static_cast<double>(seen.messages) / seconds, bench::percentile(seen.latency_ms, 0.5),
              bench::percentile(seen.latency_ms, 0.95), bench::percentile(seen.latency_ms, 1.0),
              seen.bytes, cpu);
}

// One reader kind: the reader on its own thread and connection, the changes written here, then
// up to 5 s for the last ones to arrive before the reader's socket is shut down.
double run_phase(const Config& c, const fs::path& state, pid_t server, std::uint16_t port,
                 const Phase& phase) {
  Seen seen(static_cast<std::size_t>(c.candidates) * kStepCount);
  asio::io_context io;
  tcp::socket socket = connect(io, port);
  std::atomic<bool> stop{false};
  std::exception_ptr failed;
  const double cpu0 = bench::cpu_seconds(server);
  const auto t0 = Steady::now();
  std::thread reader([&] {
    try {
      phase.read(socket, seen, stop);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the reader's first answer
  write_changes(c, state, phase.session, seen);
  const auto wait_end = Steady::now() + std::chrono::seconds(5);
  while (Steady::now() < wait_end && seen.delivered < seen.seen.size())
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the bench's own deadline
  stop = true;
  ::shutdown(socket.native_handle(), SHUT_RDWR);  // ends a reader still waiting for more
  reader.join();
  if (failed) std::rethrow_exception(failed);
  const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();
  const double cpu = bench::cpu_seconds(server) - cpu0;
  print_row(phase.name, seen, seconds, cpu);
  return bench::percentile(seen.latency_ms, 0.5);
}

void run(const Config& c) {
  char tmpl[] = "/tmp/atelier-feed-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  const fs::path dir = tmpl;
  const std::string token = seed_store(c, dir / "state");
  bench::AtelierdProcess daemon(c.atelierd, c.source, dir);  // killed if a phase throws
  std::printf("%-34s %9s %7s %9s %8s %8s %8s %9s %8s\n", "reader", "changes", "msgs", "msgs/s",
              "p50 ms", "p95 ms", "max ms", "bytes", "cpu s");
  const Phase feed{
      "atelier: SSE /sessions/{id}/events",
      [&](tcp::socket& s, Seen& seen, const std::atomic<bool>&) { read_events(s, token, seen); },
      "feed"};
  const Phase peer{"peer: GET /sessions/{id} every 1 s",
                   [&](tcp::socket& s, Seen& seen, const std::atomic<bool>& stop) {
                     poll_session(s, token, std::chrono::milliseconds(c.peer_poll_ms), stop, seen);
                   },
                   "poll"};
  const double feed_p50 = run_phase(c, dir / "state", daemon.pid(), daemon.port(), feed);
  const double peer_p50 = run_phase(c, dir / "state", daemon.pid(), daemon.port(), peer);
  std::printf("median latency, peer / atelier: %.1fx\n", feed_p50 > 0 ? peer_p50 / feed_p50 : 0.0);
  daemon.stop();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (argc < 3) {
    std::fprintf(stderr, "usage: feed_bench ATELIERD SOURCE_DIR [CANDIDATES [WRITE_EVERY_MS]]\n");
    return 2;
  }
  c.atelierd = argv[1];
  c.source = argv[2];
  if (argc > 3) c.candidates = std::max(1, std::min(99, std::atoi(argv[3])));
  if (argc > 4) c.write_every_ms = std::max(1, std::atoi(argv[4]));
  std::printf(
      "feed_bench: %d candidates x %zu steps = %zu step changes, one every %d ms, written "
      "through a second store connection as the reconciler does; %u CPUs, load %s\n",
      c.candidates, kStepCount, static_cast<std::size_t>(c.candidates) * kStepCount,
      c.write_every_ms, std::thread::hardware_concurrency(), bench::load_average().c_str());
  try {
    run(c);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "feed_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
