// The reconciler's jobs on one lab or session: provisioning (or adopting) a candidate lab up to
// ready step by step, every step's state in the store, and tearing a destroyed session down.
#include "controller/reconciler/reconciler.h"

#include "controller/images/image_definition.h"
#include "controller/provisioning/lab_actions.h"
#include "controller/provisioning/plan.h"
#include "controller/provisioning/secrets.h"
#include "controller/reconciler/agent_instances.h"
#include "controller/sessions/session_service.h"

namespace atelier::reconciler {

namespace fs = std::filesystem;
using store::LabStatus;
using store::Step;
using store::StepState;

namespace {

std::size_t idx(Step s) {
  return static_cast<std::size_t>(s);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// planning

Result<images::BuiltImage> Reconciler::image(const std::string& name) {
  std::lock_guard lock(image_mutex_);
  if (auto it = images_.find(name); it != images_.end()) return it->second;
  auto def = images::load_image_definition(options_.image_definitions.string(), name);
  if (!def.ok()) return std::move(def).error().context("image " + name);
  if (!options_.build_images) {
    auto found = images::find_built_image(*def, options_.image_state_dir);
    if (!found.ok()) {
      return Error(ErrorCode::kFailedPrecondition, "image " + name + " is not built in " +
                                                       options_.image_state_dir +
                                                       ": run `atelier image build " + name +
                                                       "` (or start atelierd with --build-images)");
    }
    images_[name] = *found;
    return found;
  }
  images::BuildOptions bo;
  bo.state_dir = options_.image_state_dir;
  bo.progress = [this, &name](const std::string& line) {
    log("info", "image build", "image=" + name + " step=\"" + line + "\"");
  };
  auto built = images::build_image(*def, bo);
  if (!built.ok()) return std::move(built).error();
  log("info", built->from_cache ? "image found" : "image built",
      "image=" + name + " dir=" + built->dir);
  images_[name] = *built;
  return built;
}

Status Reconciler::plan_lab(store::Store& store, LabRuntime& rt, Host& host) {
  auto session = store.get_session(rt.session);
  if (!session.ok()) return std::move(session).error();
  sessions::SessionService::Options so;
  so.labs_dir = options_.labs_dir;
  so.load = options_.load;
  sessions::SessionService svc(store, so);
  auto model = svc.candidate_lab(rt.session, rt.candidate);
  if (!model.ok()) return std::move(model).error();

  provisioning::PlanInputs in;
  in.session = rt.session;
  in.candidate = rt.candidate;
  in.run_dir = (options_.run_dir / rt.session / rt.candidate).string();
  // Keyed, not from the seed alone: a lab planned again after a restart gets the same one.
  in.root_password = provisioning::derive_root_password(options_.secret_key, session->id,
                                                        rt.candidate, session->seed);
  in.cache = options_.cache;
  in.console = options_.console;
  for (const auto& h : model->hosts) {
    if (in.images.count(h.image)) continue;
    auto img = image(h.image);
    if (!img.ok()) return std::move(img).error();
    in.images[h.image] = *img;
  }
  provider::Provider& p = *host.provider;
  auto plan = provisioning::plan_candidate_lab(
      *model, in,
      [&p](const provider::ObjectRef& ref, unsigned nic) { return p.choose_mac(ref, nic); });
  if (!plan.ok()) return std::move(plan).error();

  provisioning::CandidateLabOptions co;
  co.agent_binary = options_.agent_binary;
  std::string session_id = rt.session;
  co.progress = [this, session_id](const provisioning::Progress& pr) {
    log("info", "progress",
        "session=" + session_id + " candidate=" + pr.candidate + " host=" + pr.host +
            " step=" + pr.step + " msg=\"" + pr.message + "\"");
  };
  auto lab = std::make_unique<provisioning::CandidateLab>(p, std::move(*plan), co);
  std::lock_guard g(rt.state);
  rt.model = std::move(*model);
  rt.lab = std::move(lab);
  rt.root_password = in.root_password;
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// provisioning

void Reconciler::provision(std::shared_ptr<LabRuntime> rt) {
  std::lock_guard op(rt->op);
  auto opened = open_store();
  if (!opened.ok()) {
    log("error", "cannot open the store", "error=\"" + opened.error().to_string() + "\"");
    std::lock_guard g(rt->state);
    rt->busy = false;
    return;
  }
  store::Store store = std::move(*opened);
  auto t0 = SteadyClock::now();
  Status st = provision_steps(store, *rt);
  double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  std::string who = "session=" + rt->session + " candidate=" + rt->candidate + " host=" + rt->host;
  if (st.ok()) {
    log("info", "candidate lab ready", who + " seconds=" + std::to_string(secs));
  } else if (rt->cancelled) {
    log("info", "provisioning interrupted", who);
  } else {
    provision_failed(store, *rt, st, who);
  }
  std::lock_guard g(rt->state);
  rt->busy = false;
  rt->ready = st.ok();
  if (st.ok()) rt->attempts = 0;
}

void Reconciler::provision_failed(store::Store& store, LabRuntime& rt, const Status& st,
                                  const std::string& who) {
  unsigned attempt = 0;
  {
    std::lock_guard g(rt.state);
    attempt = ++rt.attempts;
    rt.retry_at = now() + options_.retry_delay;
  }
  // Input that is wrong (the lab, a missing image) does not get better by waiting.
  const ErrorCode code = st.error().code();
  const bool retry = attempt < options_.max_attempts && code != ErrorCode::kInvalidArgument &&
                     code != ErrorCode::kNotFound && code != ErrorCode::kFailedPrecondition;
  log(retry ? "warn" : "error",
      retry ? "provisioning attempt failed, will resume" : "provisioning failed",
      who + " attempt=" + std::to_string(attempt) + " error=\"" + st.error().to_string() + "\"");
  Status saved = update_lab(store, rt.session, rt.candidate, [&](store::CandidateLabRecord& r) {
    r.status = retry ? LabStatus::kProvisioning : LabStatus::kFailed;
    r.error = retry ? "attempt " + std::to_string(attempt) + " of " +
                          std::to_string(options_.max_attempts) +
                          " failed, resuming: " + st.error().to_string()
                    : st.error().to_string();
    for (auto& s : r.steps) {
      if (s == StepState::kRunning) s = StepState::kFailed;
    }
  });
  log_failure(*this, saved, "provisioning failure not stored", who);
}

Status Reconciler::provision_steps(store::Store& store, LabRuntime& rt) {
  Host* h = host(rt.host);
  if (h == nullptr || !h->provider) {
    return Error(ErrorCode::kUnavailable, "hypervisor host \"" + rt.host + "\" is not connected");
  }
  auto rec = store.get_candidate_lab(rt.session, rt.candidate);
  if (!rec.ok()) return std::move(rec).error();
  const StepPlan todo = steps_to_run(rec->steps);
  const bool adopting = rec->steps[idx(Step::kDomains)] == StepState::kDone;

  auto mark = [&](std::initializer_list<Step> steps, StepState state) -> Status {
    return update_lab(store, rt.session, rt.candidate, [&](store::CandidateLabRecord& r) {
      for (Step s : steps) r.steps[idx(s)] = state;
      if (r.status != LabStatus::kReady || state != StepState::kDone)
        r.status = LabStatus::kProvisioning;
      r.error.clear();
    });
  };
  // One step: stopped? marked running, done by `body` (its error with `what`), marked done.
  auto step = [&](std::initializer_list<Step> steps, StepState running, const char* what,
                  const std::function<Status()>& body) -> Status {
    if (rt.cancelled) return Error(ErrorCode::kFailedPrecondition, "stopped");
    ATELIER_RETURN_IF_ERROR(mark(steps, running));
    if (auto st = body(); !st.ok()) return std::move(st).error().context(what);
    return mark(steps, StepState::kDone);
  };
  ATELIER_RETURN_IF_ERROR(
      update_lab(store, rt.session, rt.candidate, [&](store::CandidateLabRecord& r) {
        r.status = LabStatus::kProvisioning;
        r.error.clear();
      }));

  if (!rt.lab) ATELIER_RETURN_IF_ERROR(plan_lab(store, rt, *h));
  provisioning::CandidateLab& lab = *rt.lab;
  const lab::Lab& model = *rt.model;

  // networks, disks, domains: one idempotent call; adopted labs keep them marked done.
  ATELIER_RETURN_IF_ERROR(step({Step::kNetworks, Step::kDisks, Step::kDomains},
                               adopting ? StepState::kDone : StepState::kRunning,
                               "networks, disks and domains", [&] { return lab.create(); }));
  ATELIER_RETURN_IF_ERROR(
      step({Step::kBooted}, StepState::kRunning, "boot", [&] { return lab.start(); }));
  ATELIER_RETURN_IF_ERROR(step({Step::kAgent}, StepState::kRunning, "wait for the agents",
                               [&] { return lab.wait_agents(options_.boot_deadline); }));
  ATELIER_RETURN_IF_ERROR(
      settle_agent_instances(store, rt.session, rt.candidate, model, lab, adopting));
  if (todo.roles) {
    ATELIER_RETURN_IF_ERROR(step({Step::kRoles}, StepState::kRunning, "roles",
                                 [&] { return provisioning::apply_roles(lab, model, nullptr); }));
    // What a reset brings the hosts back to (trainer_actions.cpp); without it resets rebuild.
    log_failure(*this, lab.save_handover(), "hand-over snapshots not saved",
                "session=" + rt.session + " candidate=" + rt.candidate);
  }
  if (todo.incidents) {
    ATELIER_RETURN_IF_ERROR(step({Step::kIncidents}, StepState::kRunning, "incidents", [&] {
      return provisioning::apply_steps(lab, model, provisioning::incident_steps(model), nullptr);
    }));
  }
  if (rt.cancelled) return Error(ErrorCode::kFailedPrecondition, "stopped");
  return update_lab(store, rt.session, rt.candidate, [&](store::CandidateLabRecord& r) {
    r.steps[idx(Step::kReady)] = StepState::kDone;
    r.status = LabStatus::kReady;
    r.error.clear();
    if (!r.handed_over_at) r.handed_over_at = store::Clock::now();
  });
}

// ---------------------------------------------------------------------------------------------
// teardown

// Every host: the provider removes what the session owns (domains first: running jobs fail
// fast), whatever the store says about placement.
Status Reconciler::destroy_on_every_host(const std::string& session) {
  Status first;
  for (auto& h : hosts_) {
    Status st =
        h.provider
            ? h.provider->destroy_session(session)
            : Status(Error(ErrorCode::kUnavailable, "host " + h.target.name + " is not connected"));
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

void Reconciler::teardown_session(const std::string& session) {
  auto opened = open_store();
  if (!opened.ok()) {
    log("error", "teardown not started",
        "session=" + session + " error=\"" + opened.error().to_string() + "\"");
    std::lock_guard lock(mutex_);
    tearing_down_[session] = false;  // the next pass tries again
    return;
  }
  store::Store store = std::move(*opened);
  const std::string who = "session=" + session;
  log_failure(*this, store.set_session_status(session, LabStatus::kDestroying),
              "session status not stored", who);
  auto labs = store.list_candidate_labs(session);
  log_failure(*this, labs.ok() ? ok_status() : Status(labs.error()),
              "labs of a destroyed session not read", who);
  std::vector<std::shared_ptr<LabRuntime>> runtimes;
  for (const auto& l : labs.ok() ? *labs : std::vector<store::CandidateLabRecord>{}) {
    log_failure(*this,
                update_lab(store, session, l.candidate,
                           [](store::CandidateLabRecord& r) { r.status = LabStatus::kDestroying; }),
                "lab status not stored", who + " candidate=" + l.candidate);
    if (options_.on_lab_teardown) options_.on_lab_teardown(session, l.candidate);
    if (auto rt = find_lab(session, l.candidate)) {
      rt->cancelled = true;
      runtimes.push_back(rt);
    }
  }
  // The first pass only stops what runs (its errors are the second pass's to report).
  log_failure(*this, destroy_on_every_host(session), "teardown: first pass incomplete", who);
  // Wait for jobs on these labs, then remove again what they may have recreated meanwhile.
  for (auto& rt : runtimes) {
    std::lock_guard op(rt->op);
    std::lock_guard g(rt->state);
    if (rt->lab) rt->lab.reset();  // closes the agent channels
  }
  Status first = destroy_on_every_host(session);
  std::error_code ec;
  fs::remove_all(options_.run_dir / session, ec);
  if (ec) log("warn", "run folder not removed", who + " error=\"" + ec.message() + "\"");
  if (!first.ok()) {
    log("error", "teardown incomplete", who + " error=\"" + first.error().to_string() + "\"");
    std::lock_guard lock(mutex_);
    tearing_down_[session] = false;  // the next pass tries again
    return;
  }
  for (const auto& l : labs.ok() ? *labs : std::vector<store::CandidateLabRecord>{}) {
    log_failure(*this,
                update_lab(store, session, l.candidate,
                           [](store::CandidateLabRecord& r) {
                             r.status = LabStatus::kDestroyed;
                             for (auto& s : r.steps) s = StepState::kPending;
                           }),
                "lab status not stored", who + " candidate=" + l.candidate);
  }
  log_failure(*this, store.set_session_status(session, LabStatus::kDestroyed),
              "session status not stored", who);
  std::lock_guard lock(mutex_);
  tearing_down_[session] = false;  // leftovers found later are the orphan collector's
  for (auto it = labs_.begin(); it != labs_.end();) {
    it = it->second->session == session ? labs_.erase(it) : std::next(it);
  }
  log("info", "session destroyed", who);
}

}  // namespace atelier::reconciler
