// Runs a bundle of checks in order (see runner.h).
#include "agent/runner.h"

#include "agent/checks/check.h"

namespace atelier::agent {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

protocol::CheckResult run_one(const checks::Check& check, const std::string& bundle_id, std::size_t index) {
  protocol::CheckResult r;
  r.result_id = bundle_id + "/" + std::to_string(index);
  r.index = index;
  r.kind = checks::kind_name(check.kind);
  r.started_unix_ms = unix_ms_now();
  auto start = std::chrono::steady_clock::now();
  Evidence e = run_check(check);
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  r.status = e.status;
  r.expected = std::move(e.expected);
  r.observed = std::move(e.observed);
  r.description = check.description.empty() ? r.kind + ": " + r.expected : check.description;
  return r;
}

protocol::Results run_bundle(const protocol::RunChecks& bundle, const std::string& host) {
  protocol::Results out;
  out.bundle_id = bundle.bundle_id;
  out.host = host;
  for (std::size_t i = 0; i < bundle.checks.size(); ++i) out.results.push_back(run_one(bundle.checks[i], bundle.bundle_id, i));
  out.finished_unix_ms = unix_ms_now();
  return out;
}

}  // namespace atelier::agent
