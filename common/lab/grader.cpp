// The grader endpoint in the lab model (issue 20): its reserved addresses, and the advice
// `atelier lab validate` gives an exam lab that can only be graded from the candidate's hosts.
#include <algorithm>

#include "common/lab/lab.h"

namespace atelier::lab {

bool Lab::uses_grader() const {
  for (const auto& t : tasks) {
    for (const auto& c : t.checks) {
      if (c.on == kGraderHost) return true;
    }
  }
  return false;
}

bool Lab::is_exam() const {
  return std::find(competencies.begin(), competencies.end(), "EPREUVE") != competencies.end();
}

std::optional<Ipv4Address> grader_address(const Network& network) {
  if (network.cidr.prefix_length > 30) return std::nullopt;
  return Ipv4Address{network.cidr.broadcast().bits - 1};
}

GraderPlan grader_plan(const Lab& lab) {
  GraderPlan plan;
  auto on_grader = [&plan](std::string_view network) {
    for (const auto& n : plan.nics) {
      if (n.network == network) return true;
    }
    return false;
  };
  for (const auto& net : lab.networks) {
    auto address = grader_address(net);
    if (!net.secured && address) {
      plan.nics.push_back({net.name, *address, net.cidr.prefix_length});
    }
  }
  for (const auto& net : lab.networks) {
    if (!net.secured) continue;
    std::optional<Ipv4Address> via;
    for (const auto& host : lab.hosts) {
      if (via || !host.nic(net.name)) continue;
      for (const auto& nic : host.nics) {
        if (nic.network != net.name && on_grader(nic.network)) {
          via = nic.address;
          break;
        }
      }
    }
    if (via) {
      plan.routes.push_back({net.cidr, *via});
    } else if (auto address = grader_address(net)) {
      plan.nics.push_back({net.name, *address, net.cidr.prefix_length});
    }
  }
  return plan;
}

std::vector<Diagnostic> grading_warnings(const Lab& lab) {
  std::vector<Diagnostic> out;
  if (!lab.is_exam()) return out;
  const std::string file = lab.source.file.empty() ? lab.file.string() : lab.source.file;
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    const Task& task = lab.tasks[t];
    const bool from_grader = std::any_of(task.checks.begin(), task.checks.end(),
                                         [](const auto& c) { return c.on == kGraderHost; });
    if (from_grader || task.checks.empty()) continue;
    out.push_back({file, lab.source.at("tasks[" + std::to_string(t) + "]"),
                   "task " + task.id +
                       " of this exam lab is graded only from the candidate's own hosts, where "
                       "root can answer for the agent; add a protocol check `on: grader` "
                       "(docs/checks.md) that sees the fix from the network",
                   /*warning=*/true});
  }
  return out;
}

}  // namespace atelier::lab
