// Grader mirrors in `atelier lab prove` (prove_mirrors.h).
#include "controller/cli/prove_mirrors.h"

#include <boost/json.hpp>

#include "common/protocol/codec.h"

namespace atelier::cli::prove {

namespace {

// The kind and arguments of a check, without where it runs, its words and its timeout.
boost::json::value what_it_asks(const checks::Check& check) {
  boost::json::value json = protocol::check_to_json(check);
  if (auto* o = json.if_object()) {
    o->erase("on");
    o->erase("description");
    o->erase("timeout_ms");
  }
  return json;
}

}  // namespace

std::vector<Mirror> grader_mirrors(const lab::Lab& lab) {
  std::vector<Mirror> out;
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    const auto& checks = lab.tasks[t].checks;
    for (std::size_t g = 0; g < checks.size(); ++g) {
      if (checks[g].on != lab::kGraderHost) continue;
      const boost::json::value asks = what_it_asks(checks[g]);
      for (std::size_t h = 0; h < checks.size(); ++h) {
        if (checks[h].on != lab::kGraderHost && what_it_asks(checks[h]) == asks) {
          out.push_back({t, h, g});
          break;
        }
      }
    }
  }
  return out;
}

void add_mirror_rows(const lab::Lab& lab, const std::vector<provisioning::TaskOutcome>& outcomes,
                     const std::string& phase, std::vector<Row>& rows) {
  for (const auto& m : grader_mirrors(lab)) {
    const lab::Task& task = lab.tasks[m.task];
    for (const auto& o : outcomes) {
      if (o.task != task.id || o.results.size() != task.checks.size()) continue;
      const auto& host = o.results[m.on_host];
      const auto& grader = o.results[m.on_grader];
      const checks::Check& check = task.checks[m.on_host];
      rows.push_back(
          {task.id, phase + " " + checks::kind_name(check.kind) + "@" + check.on + "/grader",
           host.status == protocol::CheckStatus::kPass,
           grader.status == protocol::CheckStatus::kPass,
           check.on + " observed " + host.observed + "; the grader observed " + grader.observed,
           /*mirror=*/true});
    }
  }
}

}  // namespace atelier::cli::prove
