// What atelierd runs in a candidate lab's grader endpoint (grader.h).
#include "controller/provisioning/grader.h"

#include <sys/stat.h>

#include <filesystem>

#include "common/protocol/codec.h"
#include "controller/provider/naming.h"

namespace atelier::provisioning {

namespace fs = std::filesystem;

namespace {
constexpr const char* kGraderRunDir = "/run/atelier/grader";
// The process's own deadline is the bundle's plus this: the agent answers a check that overran
// as `error` itself, and starting in the namespace takes a moment.
constexpr auto kStartSlack = std::chrono::seconds(15);
}  // namespace

provider::GraderSpec grader_spec(const lab::Lab& lab, const std::string& session,
                                 const std::string& candidate) {
  provider::GraderSpec spec;
  spec.ref = {session, candidate, std::string(provider::kGraderObject)};
  const lab::GraderPlan plan = lab::grader_plan(lab);
  for (const auto& nic : plan.nics) {
    spec.nics.push_back(
        {nic.network, nic.address.to_string() + "/" + std::to_string(nic.prefix_length)});
  }
  for (const auto& route : plan.routes) {
    spec.routes.push_back({route.destination.to_string(), route.via.to_string()});
  }
  for (const auto& host : lab.hosts) {
    if (!host.nics.empty())
      spec.hosts.push_back(host.nics.front().address.to_string() + "\t" + host.name);
  }
  return spec;
}

Result<protocol::Results> run_grade_process(
    const std::function<Result<process::ProcessResult>(process::ProcessSpec)>& run,
    const std::vector<std::string>& argv, const protocol::RunChecks& bundle,
    std::chrono::milliseconds timeout) {
  const std::string what = "run the grader's checks (" + bundle.bundle_id + ")";
  process::ProcessSpec spec;
  spec.argv = argv;
  spec.stdin_data = protocol::encode(protocol::Envelope{1, std::nullopt, bundle});
  // Some kinds run one after another: the bundle may take up to the sum of its checks' timeouts.
  std::chrono::milliseconds total{0};
  for (const auto& c : bundle.checks) total += c.timeout;
  spec.timeout = std::max(timeout, total) + kStartSlack;
  auto ran = run(std::move(spec));
  if (!ran.ok()) return std::move(ran).error().context(what);
  if (ran->exit_code != 0) {
    return Error(ErrorCode::kUnavailable,
                 "atelier-agent grade exited " + std::to_string(ran->exit_code) + ": " + ran->err)
        .context(what);
  }
  auto reply = protocol::decode(ran->out);
  if (!reply.ok()) return std::move(reply).error().context(what + ": its answer");
  auto* results = std::get_if<protocol::Results>(&reply->body);
  if (results == nullptr || results->bundle_id != bundle.bundle_id ||
      results->results.size() != bundle.checks.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 "atelier-agent grade did not answer with the bundle's results")
        .context(what);
  }
  return std::move(*results);
}

Result<std::string> grader_agent_copy(const std::string& agent_binary) {
  const fs::path dir = kGraderRunDir;
  const fs::path copy = dir / "atelier-agent";
  std::error_code ec;
  const auto size = fs::file_size(agent_binary, ec);
  if (ec) return Error(ErrorCode::kNotFound, "agent binary " + agent_binary + ": " + ec.message());
  const auto changed = fs::last_write_time(agent_binary, ec);
  std::error_code same_ec;
  if (fs::file_size(copy, same_ec) == size && !same_ec &&
      fs::last_write_time(copy, same_ec) >= changed && !same_ec) {
    return copy.string();
  }
  fs::create_directories(dir, ec);
  for (fs::path p = dir; !ec && p != p.root_path(); p = p.parent_path()) {
    if (p == "/run") break;
    ::chmod(p.c_str(), 0755);
  }
  // A copy under another name, then renamed over: a grader running the old one keeps it.
  const fs::path fresh = dir / ("atelier-agent." + std::to_string(::getpid()));
  fs::copy_file(agent_binary, fresh, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::permissions(fresh, fs::perms(0755), ec);
  if (!ec) fs::rename(fresh, copy, ec);
  if (ec)
    return Error(ErrorCode::kIo, "cannot copy the agent to " + copy.string() + ": " + ec.message());
  return copy.string();
}

Result<protocol::Results> run_on_grader(provider::Provider& provider,
                                        const provider::GraderSpec& spec,
                                        const std::string& agent_binary,
                                        const protocol::RunChecks& bundle,
                                        std::chrono::milliseconds timeout) {
  ATELIER_RETURN_IF_ERROR(provider.ensure_grader(spec));
  auto agent = grader_agent_copy(agent_binary);
  if (!agent.ok()) return std::move(agent).error();
  return run_grade_process(
      [&](process::ProcessSpec p) { return provider.run_in_grader(spec.ref, std::move(p)); },
      {*agent, "grade"}, bundle, timeout);
}

}  // namespace atelier::provisioning
