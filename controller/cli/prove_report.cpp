// What `atelier lab prove` prints (prove_report.h).
#include "controller/cli/prove_report.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace atelier::cli::prove {

void Log::line(const std::string& who, const std::string& step, const std::string& text) {
  std::lock_guard lock(mutex_);
  double s = std::chrono::duration<double>(Clock::now() - start_).count();
  std::cout << "[" << std::fixed << std::setprecision(1) << std::setw(6) << s << "s] " << std::left
            << std::setw(16) << who << std::setw(10) << step << std::right << text << std::endl;
}

std::string first_failure(const provisioning::TaskOutcome& o) {
  for (const auto& r : o.results) {
    if (r.status != protocol::CheckStatus::kPass) {
      return r.kind + ": expected " + r.expected + "; observed " + r.observed;
    }
  }
  return "";
}

std::string changed_steps(const recipes::HostReport& report) {
  std::string out;
  for (const auto& step : report.steps) {
    if (step.status != recipes::StepStatus::kChanged) continue;
    out += (out.empty() ? "changed: " : ", ") + step.name;
  }
  return out;
}

std::string seconds_text(double seconds) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << seconds << " s";
  return out.str();
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string role_timing(const recipes::HostReport& report) {
  auto seconds = [](std::chrono::milliseconds ms) {
    return seconds_text(static_cast<double>(ms.count()) / 1000.0);
  };
  std::vector<const recipes::StepReport*> steps;
  for (const auto& step : report.steps) steps.push_back(&step);
  const std::size_t shown = std::min<std::size_t>(steps.size(), 3);
  std::partial_sort(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(shown), steps.end(),
                    [](const auto* a, const auto* b) { return a->elapsed > b->elapsed; });
  std::string out = seconds(report.elapsed);
  for (std::size_t i = 0; i < shown; ++i) {
    out += (i == 0 ? "; slowest: " : ", ") + steps[i]->name + " " + seconds(steps[i]->elapsed);
  }
  return out;
}

int print_rows(const std::vector<Row>& rows) {
  if (rows.empty()) return 0;
  int exit_code = 0;
  std::size_t phase_width = 14;
  for (const auto& r : rows) phase_width = std::max(phase_width, r.phase.size() + 2);
  std::cout << "\n"
            << std::left << std::setw(8) << "task" << std::setw(static_cast<int>(phase_width))
            << "after" << std::setw(11) << "expected" << std::setw(11) << "got"
            << "verdict\n";
  for (const auto& r : rows) {
    bool good = r.expected_pass == r.passed;
    // Role rows say whether a second run changed anything; task rows whether checks passed.
    const bool role = r.task == "role";
    auto word = [role](bool v) {
      return role ? (v ? "changed" : "unchanged") : (v ? "pass" : "fail");
    };
    std::cout << std::left << std::setw(8) << r.task << std::setw(static_cast<int>(phase_width))
              << r.phase << std::setw(11) << word(r.expected_pass) << std::setw(11)
              << word(r.passed) << (good ? "ok" : "SURPRISE") << "\n";
    if (good) continue;
    exit_code = kExitSurprise;
    if (role) {
      std::cout << "        the role is not idempotent; second run " << r.evidence << "\n";
    } else if (r.mirror) {
      std::cout << "        the grader and the lab's host disagree on the same check: "
                << r.evidence << "\n";
    } else if (r.phase.rfind("reset", 0) == 0) {
      std::cout << "        its checks still pass after the reset: the host did not come back "
                   "to hand-over, or the task's fix lives on another host too\n";
    } else {
      std::cout << "        "
                << (r.passed ? "its checks pass while the task is not done: the "
                               "grader would give points for nothing"
                             : "its checks fail after the reference fix: " + r.evidence)
                << "\n";
    }
  }
  std::cout << std::right;
  return exit_code;
}

}  // namespace atelier::cli::prove
