// Runs a bundle of checks (see runner.h): a few worker threads take checks in bundle order,
// lanes keep the order-sensitive and non-reentrant kinds one at a time, and the caller's thread
// watches every running check's deadline.
#include "agent/runner.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "agent/checks/check.h"

namespace atelier::agent {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

protocol::CheckResult run_with(const std::function<Evidence(const checks::Check&)>& execute,
                               const checks::Check& check, const std::string& bundle_id,
                               std::size_t index) {
  protocol::CheckResult r;
  r.result_id = bundle_id + "/" + std::to_string(index);
  r.index = index;
  r.kind = checks::kind_name(check.kind);
  r.started_unix_ms = unix_ms_now();
  auto start = std::chrono::steady_clock::now();
  Evidence e = execute ? execute(check) : run_check(check);
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  r.status = e.status;
  r.expected = std::move(e.expected);
  r.observed = std::move(e.observed);
  r.description = check.description.empty() ? r.kind + ": " + r.expected : check.description;
  return r;
}

}  // namespace

protocol::CheckResult run_one(const checks::Check& check, const std::string& bundle_id,
                              std::size_t index) {
  return run_with({}, check, bundle_id, index);
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// kFree checks run beside anything; a lane's checks run one at a time, in bundle order.
enum Lane { kFree = 0, kCommand = 1, kNss = 2, kTable = 3 };

Lane lane_of(const checks::Check& check) {
  return std::visit(
      [](const auto& kind) -> Lane {
        using K = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<K, checks::CommandCheck>) return kCommand;
        // getpwuid/getgrgid/getpwnam share static buffers (file owners, user groups, process
        // users).
        if constexpr (std::is_same_v<K, checks::FileCheck> ||
                      std::is_same_v<K, checks::UserCheck> ||
                      std::is_same_v<K, checks::GroupCheck> ||
                      std::is_same_v<K, checks::ProcessCheck>) {
          return kNss;
        }
        // Each reads a whole table into memory (dpkg's database, ~1 MB; /proc/net/tcp, 1 MB on a
        // busy host): side by side they would multiply the agent's peak memory.
        if constexpr (std::is_same_v<K, checks::PackageCheck> ||
                      std::is_same_v<K, checks::PortCheck>)
          return kTable;
        return kFree;
      },
      check.kind);
}

enum class Slot { kPending, kRunning, kDone, kAbandoned };

// Shared by the caller and the workers; a worker left on a stuck check keeps it alive.
struct Run {
  protocol::RunChecks bundle;
  std::function<Evidence(const checks::Check&)> execute;
  std::vector<Lane> lanes;
  std::vector<Slot> slots;
  std::vector<Clock::time_point> started;
  std::vector<protocol::CheckResult> results;
  std::array<bool, 4> lane_busy{};
  std::size_t finished = 0;  // kDone + kAbandoned
  std::mutex mutex;
  std::condition_variable changed;

  // The first pending check a worker may start now, kNone if none. Holds mutex.
  std::size_t next_ready() const {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i] == Slot::kPending && (lanes[i] == kFree || !lane_busy[lanes[i]])) return i;
    }
    return kNone;
  }
  bool any_pending() const {
    for (auto s : slots) {
      if (s == Slot::kPending) return true;
    }
    return false;
  }
};

void work(const std::shared_ptr<Run>& run) {
  std::unique_lock lock(run->mutex);
  for (;;) {
    std::size_t i = kNone;
    run->changed.wait(lock, [&] {
      i = run->next_ready();
      return i != kNone || !run->any_pending();
    });
    if (i == kNone) return;
    run->slots[i] = Slot::kRunning;
    run->started[i] = Clock::now();
    run->lane_busy[run->lanes[i]] = run->lanes[i] != kFree;
    run->changed.notify_all();  // the caller now has a deadline to watch
    lock.unlock();
    protocol::CheckResult result =
        run_with(run->execute, run->bundle.checks[i], run->bundle.bundle_id, i);
    lock.lock();
    // Answered for by the caller, who started another worker in this one's place.
    if (run->slots[i] == Slot::kAbandoned) return;
    run->results[i] = std::move(result);
    run->slots[i] = Slot::kDone;
    run->lane_busy[run->lanes[i]] = false;
    ++run->finished;
    run->changed.notify_all();
  }
}

bool start_worker(const std::shared_ptr<Run>& run) {
  try {
    std::thread([run] { work(run); }).detach();
    return true;
  } catch (const std::system_error&) {
    return false;  // no thread to be had: the caller runs what is left itself
  }
}

protocol::CheckResult timed_out(const Run& run, std::size_t i, Clock::duration ran) {
  const checks::Check& check = run.bundle.checks[i];
  protocol::CheckResult r;
  r.result_id = run.bundle.bundle_id + "/" + std::to_string(i);
  r.index = i;
  r.kind = checks::kind_name(check.kind);
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(ran);
  r.started_unix_ms = unix_ms_now() - r.duration.count();
  r.status = protocol::CheckStatus::kError;
  r.expected =
      "an answer within the check's timeout of " + std::to_string(check.timeout.count()) + " ms";
  r.observed = "timed out: no answer after " + std::to_string(r.duration.count()) +
               " ms; the agent stopped waiting and dropped whatever the check finds later";
  r.description = check.description.empty() ? r.kind + ": timed out" : check.description;
  return r;
}

// Answers `error` for every running check past its deadline; returns the nearest deadline left.
std::optional<Clock::time_point> reap_overdue(const std::shared_ptr<Run>& run,
                                              std::chrono::milliseconds grace) {
  std::optional<Clock::time_point> nearest;
  const auto now = Clock::now();
  for (std::size_t i = 0; i < run->slots.size(); ++i) {
    if (run->slots[i] != Slot::kRunning) continue;
    auto deadline = run->started[i] + run->bundle.checks[i].timeout + grace;
    if (deadline > now) {
      if (!nearest || deadline < *nearest) nearest = deadline;
      continue;
    }
    run->results[i] = timed_out(*run, i, now - run->started[i]);
    run->slots[i] = Slot::kAbandoned;
    run->lane_busy[run->lanes[i]] = false;
    ++run->finished;
    if (run->any_pending()) start_worker(run);
    run->changed.notify_all();
  }
  return nearest;
}

}  // namespace

protocol::Results run_bundle(const protocol::RunChecks& bundle, const std::string& host,
                             const RunOptions& options) {
  auto run = std::make_shared<Run>();
  run->bundle = bundle;
  run->execute = options.execute;
  const std::size_t n = bundle.checks.size();
  for (const auto& c : bundle.checks) run->lanes.push_back(lane_of(c));
  run->slots.assign(n, Slot::kPending);
  run->started.assign(n, Clock::time_point{});
  run->results.resize(n);

  std::size_t workers = std::min(std::max<std::size_t>(options.parallel, 1), n);
  std::size_t started = 0;
  while (started < workers && start_worker(run)) ++started;
  if (started == 0 && n > 0) work(run);  // in this thread; deadlines are the executors' own

  std::unique_lock lock(run->mutex);
  while (run->finished < n) {
    auto nearest = reap_overdue(run, options.grace);
    if (run->finished >= n) break;
    if (nearest) {
      run->changed.wait_until(lock, *nearest);
    } else {
      run->changed.wait(lock);
    }
  }
  protocol::Results out;
  out.bundle_id = bundle.bundle_id;
  out.host = host;
  out.results = std::move(run->results);
  out.finished_unix_ms = unix_ms_now();
  return out;
}

}  // namespace atelier::agent
