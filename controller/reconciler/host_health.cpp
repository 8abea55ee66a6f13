// Host health: what a lab says while its host does not answer (see host_health.h), and the
// reconciler's probe of its hosts.
#include "controller/reconciler/host_health.h"

#include <ctime>

#include "controller/reconciler/reconciler.h"

namespace atelier::reconciler {
namespace {

std::string prefix(std::string_view host) {
  return "hypervisor host " + std::string(host) + " is not answering";
}

std::string utc_text(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

// A probe waits at most this long: a hung libvirtd must not stall the reconciler's pass.
constexpr std::chrono::seconds kPingDeadline{5};

}  // namespace

std::string host_down_error(std::string_view host, std::chrono::system_clock::time_point since,
                            std::string_view reason) {
  return prefix(host) + " since " + utc_text(since) + " (" + std::string(reason) +
         "): the guests may still run, but resets, repairs and teardown wait until it answers";
}

bool is_host_down_error(std::string_view error, std::string_view host) {
  const std::string p = prefix(host) + " since ";
  return error.substr(0, p.size()) == p;
}

// Each host's libvirtd asked to answer; a change (it stopped answering, or answers again) is
// logged and written on the labs placed there. A host that stopped is not offered to new labs.
void Reconciler::probe_hosts(store::Store& store) {
  for (auto& h : hosts_) {
    Status st = h.provider ? h.provider->ping(kPingDeadline)
                           : Status(Error(ErrorCode::kUnavailable, "not connected"));
    const bool answering = st.ok();
    {
      std::lock_guard lock(mutex_);
      if (answering == h.answering) continue;
      h.answering = answering;
    }
    std::string error;
    if (!answering) {
      error =
          host_down_error(h.target.name, std::chrono::system_clock::now(), st.error().to_string());
      log("warn", "hypervisor host not answering",
          "host=" + h.target.name + " error=\"" + st.error().to_string() + "\"");
    } else {
      log("info", "hypervisor host answers again", "host=" + h.target.name);
    }
    auto sessions = store.list_sessions();
    if (!sessions.ok()) {
      log("warn", "labs of a host not updated", "error=\"" + sessions.error().to_string() + "\"");
      continue;
    }
    for (const auto& s : *sessions) {
      auto labs = store.list_candidate_labs(s.id);
      if (!labs.ok()) continue;
      for (const auto& l : *labs) {
        if (l.host.value_or("") != h.target.name) continue;
        if (!l.error.empty() && !is_host_down_error(l.error, h.target.name)) continue;
        const std::string who = "session=" + s.id + " candidate=" + l.candidate;
        log_failure(*this,
                    update_lab(store, s.id, l.candidate,
                               [&](store::CandidateLabRecord& r) {
                                 // Another error (a failed provisioning) stays.
                                 if (r.error.empty() || is_host_down_error(r.error, h.target.name))
                                   r.error = error;
                               }),
                    "host state not stored on a lab", who);
      }
    }
  }
}

}  // namespace atelier::reconciler
