// CandidateLab: create, boot, reach, reset and destroy one candidate lab through the Provider.
#include "controller/provisioning/candidate_lab.h"

#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include "controller/images/seed.h"
#include "controller/provider/naming.h"
#include "controller/provisioning/grader.h"

namespace atelier::provisioning {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string format_seconds(double s) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << s << " s";
  return out.str();
}

}  // namespace

CandidateLab::CandidateLab(provider::Provider& provider, CandidateLabPlan plan,
                           CandidateLabOptions options)
    : provider_(provider), plan_(std::move(plan)), options_(std::move(options)) {
  for (const auto& h : plan_.hosts) hosts_[h.name];
}

CandidateLab::~CandidateLab() {
  for (auto& [name, state] : hosts_) {
    if (state.agent) state.agent->close();
  }
}

void CandidateLab::report(const std::string& host, const std::string& step,
                          const std::string& message) const {
  if (options_.progress) options_.progress({plan_.candidate, host, step, message});
}

Result<HostPlan*> CandidateLab::find(std::string_view host) {
  for (auto& h : plan_.hosts) {
    if (h.name == host) return &h;
  }
  return Error(ErrorCode::kNotFound,
               "no host \"" + std::string(host) + "\" in the lab of " + plan_.candidate);
}

CandidateLab::HostState& CandidateLab::begin_reset(const HostPlan& host) {
  HostState& state = hosts_[host.name];
  if (state.agent) state.agent->close();
  state.agent.reset();
  state.started = Clock::now();
  return state;
}

Status CandidateLab::create() {
  const std::string what = "create the lab of candidate \"" + plan_.candidate + "\"";
  std::error_code ec;
  fs::create_directories(plan_.run_dir, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "cannot create " + plan_.run_dir + ": " + ec.message())
        .context(what);
  }

  for (const auto& n : plan_.networks) {
    ATELIER_RETURN_IF_ERROR(provider_.define_network(n));
    ATELIER_RETURN_IF_ERROR(provider_.start_network(n.ref));
  }
  report("", "networks", std::to_string(plan_.networks.size()) + " isolated network(s) up");

  for (auto& h : plan_.hosts) {
    HostState& state = hosts_[h.name];
    auto overlay = provider_.create_overlay(h.overlay);
    if (overlay.ok()) {
      state.overlay_path = overlay->path;
    } else if (overlay.error().code() == ErrorCode::kAlreadyExists) {
      // Kept: after a crash the overlay holds the candidate's work. Its path is the provider's.
      auto owned = provider_.list(plan_.session);
      if (!owned.ok()) return std::move(owned).error().context(what);
      for (const auto& o : *owned) {
        if (o.kind == provider::ObjectKind::kOverlay && o.ref == h.overlay.ref) {
          state.overlay_path = o.detail;
        }
      }
      if (state.overlay_path.empty()) return std::move(overlay).error().context(what);
    } else {
      return std::move(overlay).error().context(what);
    }
    h.domain.overlay_path = state.overlay_path;

    auto files = images::render_seed(h.seed);
    if (!files.ok()) return std::move(files).error().context(what + ": seed of host " + h.name);
    ATELIER_RETURN_IF_ERROR(images::write_seed_disk(*files, options_.agent_binary, h.seed_path));
    auto macs = provider_.define_domain(h.domain);
    if (!macs.ok()) return std::move(macs).error().context(what);
    report(h.name, "disks", "overlay, seed and domain defined");
  }
  return ok_status();
}

Status CandidateLab::start() {
  for (const auto& h : plan_.hosts) {
    hosts_[h.name].started = Clock::now();
    ATELIER_RETURN_IF_ERROR(provider_.start_domain(h.domain.ref));
    report(h.name, "boot", "started");
  }
  return ok_status();
}

Status CandidateLab::wait_agent(const HostPlan& host, HostState& state, Clock::time_point until) {
  state.hello.reset();
  while (Clock::now() < until) {
    if (!state.agent || !state.agent->connected()) {
      auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
      auto client = protocol::AgentClient::connect(host.domain.agent_socket_path,
                                                   std::max(left, milliseconds(1)));
      if (!client.ok()) {
        return std::move(client).error().context("reach the agent of host " + host.name);
      }
      state.agent = std::move(*client);
    }
    auto hello = state.agent->wait_hello(options_.hello_retry);
    if (hello.ok()) {
      state.hello = *hello;
      state.instance = hello->instance;  // atelierd (re)started this agent: not a restart to flag
      state.seconds_to_hello = seconds_since(state.started);
      report(host.name, "agent", "answered after " + format_seconds(state.seconds_to_hello));
      return wait_boot_settled(host, state, until);
    }
    if (hello.error().code() == ErrorCode::kUnavailable) {
      std::this_thread::sleep_for(milliseconds(500));
    }
  }
  std::string where = host.domain.console.log_path.empty()
                          ? std::string()
                          : " (console log: " + host.domain.console.log_path + ")";
  return Error(ErrorCode::kTimeout,
               "no hello from the agent of " + provider::libvirt_name(host.domain.ref) + where);
}

// The agent says hello early in the boot; on a loaded host the rest of userspace can take minutes
// more, and a role's first command would time out behind it. systemd's own "boot finished"
// (is-system-running --wait returns running or degraded) is the signal that the guest is ready.
Status CandidateLab::wait_boot_settled(const HostPlan& host, HostState& state,
                                       Clock::time_point until) {
  const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
  if (left <= milliseconds(0)) {
    return Error(ErrorCode::kTimeout,
                 "host " + host.name + " answered but did not finish booting in time");
  }
  protocol::ExecRequest wait;
  wait.argv = {"systemctl", "is-system-running", "--wait"};
  wait.timeout = left;
  auto r = state.agent->exec(wait, left + std::chrono::seconds(10));
  if (!r.ok())
    return std::move(r).error().context("wait for host " + host.name + " to finish booting");
  if (r->timed_out) {
    return Error(ErrorCode::kTimeout,
                 "host " + host.name + " answered but did not finish booting in time");
  }
  std::string state_text = r->stdout_text;
  while (!state_text.empty() && (state_text.back() == '\n' || state_text.back() == ' '))
    state_text.pop_back();
  report(host.name, "boot",
         "settled (" + (state_text.empty() ? std::string("?") : state_text) + ") after " +
             format_seconds(seconds_since(state.started)));
  return ok_status();
}

Status CandidateLab::wait_agents(milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  std::vector<std::future<Status>> waits;
  for (const auto& h : plan_.hosts) {
    HostState& state = hosts_[h.name];
    if (state.started == Clock::time_point{}) state.started = Clock::now();
    waits.push_back(std::async(std::launch::async,
                               [this, &h, &state, until] { return wait_agent(h, state, until); }));
  }
  Status first;
  for (auto& w : waits) {
    Status st = w.get();
    if (!st.ok() && first.ok()) first = std::move(st);
  }
  return first;
}

protocol::AgentClient* CandidateLab::agent(std::string_view host) {
  auto it = hosts_.find(host);
  return it == hosts_.end() ? nullptr : it->second.agent.get();
}

std::optional<protocol::AgentInstance> CandidateLab::known_instance(std::string_view host) const {
  auto it = hosts_.find(host);
  return it == hosts_.end() ? std::nullopt : it->second.instance;
}

void CandidateLab::remember_instance(std::string_view host,
                                     std::optional<protocol::AgentInstance> instance) {
  auto it = hosts_.find(host);
  if (it != hosts_.end()) it->second.instance = std::move(instance);
}

const protocol::Hello* CandidateLab::hello(std::string_view host) const {
  auto it = hosts_.find(host);
  return it == hosts_.end() || !it->second.hello ? nullptr : &*it->second.hello;
}

double CandidateLab::seconds_to_hello(std::string_view host) const {
  auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second.seconds_to_hello;
}

Status CandidateLab::reset_host(std::string_view name, milliseconds deadline) {
  auto found = find(name);
  if (!found.ok()) return std::move(found).error();
  HostPlan* host = *found;
  HostState& state = begin_reset(*host);
  report(host->name, "reset", "throwing the overlay away");
  ATELIER_RETURN_IF_ERROR(provider_.reset_host(host->domain));
  return wait_agent(*host, state, Clock::now() + deadline);
}

Status CandidateLab::save_handover(std::string_view name) {
  auto found = find(name);
  if (!found.ok()) return std::move(found).error();
  HostPlan* host = *found;
  const auto t0 = Clock::now();
  Status saved = provider_.save_handover(host->domain.ref);
  report(host->name, "handover",
         saved.ok() ? "snapshot saved in " + format_seconds(seconds_since(t0))
                    : "no snapshot (resets rebuild this host): " + saved.error().to_string());
  return saved;
}

Status CandidateLab::save_handover() {
  Status first;
  for (const auto& h : plan_.hosts) {
    Status st = save_handover(h.name);
    if (!st.ok() && first.ok()) first = std::move(st);
  }
  return first;
}

Result<bool> CandidateLab::restore_host(std::string_view name, milliseconds deadline) {
  auto found = find(name);
  if (!found.ok()) return std::move(found).error();
  HostPlan* host = *found;
  HostState& state = begin_reset(*host);
  auto restored = provider_.restore_handover(host->domain.ref);
  if (!restored.ok() || !*restored) return restored;
  report(host->name, "reset", "hand-over snapshot restored");
  ATELIER_RETURN_IF_ERROR(wait_agent(*host, state, Clock::now() + deadline));
  // The guest's clock stopped at the snapshot: Kerberos, TLS and the checks' times need now.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  protocol::ExecRequest set_clock;
  set_clock.argv = {"date", "-u", "-s", "@" + std::to_string(now)};
  set_clock.timeout = std::chrono::seconds(20);
  auto r = state.agent->exec(set_clock, std::chrono::seconds(30));
  if (!r.ok()) return std::move(r).error().context("set the clock of host " + host->name);
  if (r->exit_code != 0) {
    return Error(ErrorCode::kUnavailable,
                 "setting the clock of host " + host->name + " failed: " + r->stderr_text);
  }
  report(host->name, "reset",
         "back to hand-over in " + format_seconds(seconds_since(state.started)) + " (clock set)");
  return true;
}

Result<protocol::Results> CandidateLab::run_grader(const provider::GraderSpec& spec,
                                                   const protocol::RunChecks& bundle,
                                                   std::chrono::milliseconds timeout) {
  if (!options_.agent_binary) {
    return Error(ErrorCode::kFailedPrecondition,
                 "no agent binary to run the grader's checks with (give atelierd --agent)");
  }
  return run_on_grader(provider_, spec, *options_.agent_binary, bundle, timeout);
}

Status CandidateLab::destroy() {
  Status first;
  auto keep = [&first](Status st) {
    if (!st.ok() && first.ok()) first = std::move(st);
  };
  for (auto& [name, state] : hosts_) {
    if (state.agent) state.agent->close();
    state.agent.reset();
  }
  keep(provider_.remove_grader(
      {plan_.session, plan_.candidate, std::string(provider::kGraderObject)}));
  for (const auto& h : plan_.hosts) keep(provider_.undefine_domain(h.domain.ref));
  for (const auto& h : plan_.hosts) keep(provider_.delete_overlay(h.overlay.ref));
  for (const auto& n : plan_.networks) keep(provider_.undefine_network(n.ref));
  std::error_code ec;
  fs::remove_all(plan_.run_dir, ec);
  if (ec) keep(Error(ErrorCode::kIo, "cannot remove " + plan_.run_dir + ": " + ec.message()));
  report("", "teardown", first.ok() ? "nothing left" : first.error().to_string());
  return first;
}

}  // namespace atelier::provisioning
