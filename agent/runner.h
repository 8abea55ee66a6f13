// Runs a bundle of checks — independent ones concurrently, a few at a time — and turns each
// executor's evidence into a protocol result with its id, timing and description.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/check_spec.h"
#include "common/protocol/messages.h"

namespace atelier::agent {

struct Evidence;

// The result id is "<bundle_id>/<index>", so a resend of the same run keeps its ids.
protocol::CheckResult run_one(const checks::Check& check, const std::string& bundle_id,
                              std::size_t index);

struct RunOptions {
  std::size_t parallel = 4;  // checks in flight at once (at least 1)
  // How long past its own timeout a check may take before the runner answers for it.
  std::chrono::milliseconds grace{500};
  // Runs one check; empty: the executors' table (run_check). Tests give their own.
  std::function<Evidence(const checks::Check&)> execute;
};

// Results come in the bundle's order whatever order the checks finished in. Concurrency:
// - `command` checks may change the host, so they run one after the other in bundle order;
// - the kinds that resolve names through NSS's non-reentrant calls (file, user, group, process)
//   run one at a time too (they are also the quick ones), and so do `package` and `port` checks
//   (each reads a whole table, dpkg's database or /proc/net/tcp: side by side they would
//   multiply the agent's peak memory);
// - every other kind runs beside them, at most options.parallel checks in flight.
// A check still running at its timeout plus grace is answered `error` ("timed out") and left
// behind on its thread (its late result is dropped; another thread takes its place).
protocol::Results run_bundle(const protocol::RunChecks& bundle, const std::string& host,
                             const RunOptions& options = {});

std::int64_t unix_ms_now();

}  // namespace atelier::agent
