// The reconciler's loop: hosts, the pass over sessions and labs that the reconcile plan decides,
// orphan removal, and the jobs it runs (see reconciler.h). Provisioning and teardown are in
// reconciler_provision.cpp; the trainer's actions in trainer_actions.cpp.
#include "controller/reconciler/reconciler.h"

#include <set>

#include "controller/provisioning/secrets.h"
#include "controller/reconciler/node_info.h"
#include "controller/sessions/check_interval.h"
#include "controller/sessions/model.h"
#include "controller/sessions/session_service.h"

namespace atelier::reconciler {

namespace fs = std::filesystem;
using store::LabStatus;

namespace {

std::string key(const std::string& session, const std::string& candidate) {
  return session + "/" + candidate;
}

std::string error_field(const Error& e) {
  return "error=\"" + e.to_string() + "\"";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// construction, hosts, jobs

Reconciler::Reconciler(ReconcilerOptions options) : options_(std::move(options)) {
  jobs_ = make_runner();
  TrainerActions::Options ao;
  ao.boot_deadline = options_.boot_deadline;
  ao.check_timeout = options_.check_timeout;
  LabRegistry& registry = *this;
  actions_ = std::make_unique<TrainerActions>(
      registry,
      [this](std::string what, std::function<void()> job) {
        return submit(std::move(what), std::move(job));
      },
      ao);
}

std::unique_ptr<JobRunner> Reconciler::make_runner() {
  return std::make_unique<JobRunner>(
      options_.max_jobs, [this] { kick(); },
      [this](const std::string& job, const std::string& what) {
        log("error", "job failed with an exception", "job=\"" + job + "\" error=\"" + what + "\"");
      });
}

Result<std::unique_ptr<Reconciler>> Reconciler::create(ReconcilerOptions options) {
  if (options.hosts.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the reconciler needs at least one hypervisor host");
  }
  if (options.secret_key.empty()) {
    auto key = provisioning::random_secret_key();
    if (!key.ok()) return std::move(key).error().context("start the reconciler");
    options.secret_key = std::move(key).value();
  }
  std::unique_ptr<Reconciler> r(new Reconciler(std::move(options)));
  // Actions the previous atelierd left running were cut short by its stop or crash: they are
  // failed, saying so, before any new action can start.
  auto opened = r->open_store();
  if (!opened.ok()) return std::move(opened).error().context("start the reconciler");
  auto interrupted = opened->fail_running_actions(store::Clock::now());
  if (!interrupted.ok())
    return std::move(interrupted).error().context("fail the interrupted actions");
  if (*interrupted > 0) {
    r->log("warn", "actions interrupted by the previous stop are failed",
           "count=" + std::to_string(*interrupted));
  }
  for (const auto& h : r->options_.hosts)
    r->hosts_.push_back(Host{h, nullptr, HostCapacity{h.name}});
  Status connected = r->connect_hosts();
  if (!connected.ok())
    r->log("warn", "hypervisor host not reachable yet", error_field(connected.error()));
  return r;
}

Reconciler::~Reconciler() {
  stop(std::chrono::milliseconds(0));
}

void Reconciler::log(std::string_view level, std::string_view msg,
                     const std::string& fields) const {
  if (options_.log) options_.log(level, msg, fields);
}

SteadyClock::time_point Reconciler::now() const {
  return options_.now ? options_.now() : SteadyClock::now();
}

Result<store::Store> Reconciler::open_store() const {
  return store::Store::open(options_.state_dir);
}

Status Reconciler::connect_hosts() {
  Status first;
  for (auto& h : hosts_) {
    if (h.provider) continue;
    provider::LibvirtOptions lo;
    lo.uri = h.target.uri;
    lo.overlay_dir = options_.overlay_dir;
    lo.overlay_pool = options_.overlay_pool;
    auto p = provider::make_libvirt_provider(lo);
    auto info = p.ok() ? read_node_info(h.target.uri) : Result<NodeInfo>(p.error());
    if (!info.ok()) {
      h.capacity.reachable = false;
      if (first.ok()) first = std::move(info).error().context("connect to host " + h.target.name);
      continue;
    }
    h.provider = std::move(*p);
    h.capacity.memory_bytes = info->memory_bytes;
    h.capacity.cpus = info->cpus;
    h.capacity.max_parallel = options_.max_parallel_per_host;
    h.capacity.reachable = true;
    log("info", "hypervisor host connected",
        "host=" + h.target.name + " uri=" + h.target.uri + " memory_mib=" +
            std::to_string(info->memory_bytes >> 20) + " cpus=" + std::to_string(info->cpus) +
            " domain_type=" + std::string(provider::to_string(h.provider->domain_type())));
    auto st = open_store();
    Status saved = st.ok() ? st->upsert_host({h.target.name, h.target.uri, info->memory_bytes,
                                              static_cast<int>(info->cpus), true})
                           : Status(std::move(st).error());
    log_failure(*this, saved, "hypervisor host not stored", "host=" + h.target.name);
  }
  return first;
}

Reconciler::Host* Reconciler::host(const std::string& name) {
  for (auto& h : hosts_) {
    if (h.target.name == name) return &h;
  }
  return nullptr;
}

provider::Provider* Reconciler::provider_of(const std::string& name) {
  Host* h = host(name);
  return h ? h->provider.get() : nullptr;
}

bool Reconciler::answering(const std::string& name) {
  Host* h = host(name);
  std::lock_guard lock(mutex_);
  return h != nullptr && h->provider != nullptr && h->answering;
}

Result<std::string> Reconciler::host_for_move(const std::string& from, std::uint64_t demand) {
  Capacity capacity = capacity_now();
  std::vector<HostCapacity> others;
  for (auto& [name, c] : capacity) {
    if (name != from) others.push_back(c);
  }
  if (others.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "atelierd has no hypervisor host other than " + from +
                     " to move the lab to (start it with another --libvirt-uri NAME=URI)");
  }
  auto chosen = choose_host(others, demand);
  if (!chosen.ok()) return std::move(chosen).error();
  if (!*chosen) {
    return Error(ErrorCode::kFailedPrecondition,
                 "no hypervisor host other than " + from + " answers with room for the lab now (" +
                     std::to_string(demand >> 20) + " MiB); try again once one does");
  }
  return **chosen;
}

std::string Reconciler::uri_of(const std::string& name) const {
  for (const auto& h : hosts_) {
    if (h.target.name == name) return h.target.uri;
  }
  return "";
}

void Reconciler::start() {
  {
    std::lock_guard jobs(jobs_mutex_);
    if (jobs_stopped_) {  // started again after a stop: a fresh runner
      jobs_ = make_runner();
      jobs_stopped_ = false;
    }
  }
  actions_->start();
  std::lock_guard lock(mutex_);
  if (loop_thread_.joinable()) return;
  stopping_ = false;
  loop_thread_ = std::thread([this] { loop(); });
}

void Reconciler::kick() {
  std::lock_guard lock(mutex_);
  kicked_ = true;
  wake_.notify_all();
}

bool Reconciler::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [k, rt] : labs_) rt->cancelled = true;
    wake_.notify_all();
  }
  actions_->stop();
  if (loop_thread_.joinable()) loop_thread_.join();
  JobRunner* jobs = nullptr;
  {
    std::lock_guard lock(jobs_mutex_);
    jobs = jobs_.get();
    jobs_stopped_ = true;
  }
  if (jobs->stop(grace)) return true;
  for (const auto& name : jobs->running_names()) {
    log("warn", "job still running at stop",
        "job=\"" + name + "\"");  // detached: every step is resumable
  }
  return false;
}

bool Reconciler::submit(std::string what, std::function<void()> job) {
  std::lock_guard lock(jobs_mutex_);
  return jobs_->submit(std::move(what), std::move(job));
}

std::size_t Reconciler::running_jobs() {
  std::lock_guard lock(jobs_mutex_);
  return jobs_->running() + jobs_->queued();
}

void Reconciler::wait_idle() {
  JobRunner* jobs = nullptr;
  {
    std::lock_guard lock(jobs_mutex_);
    jobs = jobs_.get();
  }
  jobs->wait_idle();
}

void Reconciler::loop() {
  log("info", "reconciler started",
      "state_dir=" + options_.state_dir.string() + " hosts=" + std::to_string(hosts_.size()));
  for (;;) {
    Status st = reconcile_once();
    if (!st.ok()) log("warn", "reconcile pass failed", error_field(st.error()));
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.loop_interval, [this] { return stopping_ || kicked_; });
    kicked_ = false;
    if (stopping_) break;
  }
  log("info", "reconciler stopped");
}

std::shared_ptr<LabRuntime> Reconciler::runtime(const std::string& session,
                                                const std::string& candidate) {
  std::lock_guard lock(mutex_);
  auto& rt = labs_[key(session, candidate)];
  if (!rt) {
    rt = std::make_shared<LabRuntime>();
    rt->session = session;
    rt->candidate = candidate;
  }
  return rt;
}

std::shared_ptr<LabRuntime> Reconciler::find_lab(const std::string& session,
                                                 const std::string& candidate) {
  std::lock_guard lock(mutex_);
  auto it = labs_.find(key(session, candidate));
  return it != labs_.end() ? it->second : nullptr;
}

// ---------------------------------------------------------------------------------------------
// the pass

Status Reconciler::reconcile_once() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return ok_status();
  }
  if (auto c = connect_hosts(); !c.ok())
    log("warn", "hypervisor host not reachable", error_field(c.error()));
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error().context("reconcile");
  store::Store store = std::move(*opened);
  probe_hosts(store);

  if (!gc_done_ || now() - last_gc_ >= options_.gc_interval) {
    gc_done_ = true;
    last_gc_ = now();
    if (auto g = collect_orphans(store); !g.ok())
      log("warn", "orphan collection failed", error_field(g.error()));
  }
  auto sessions = store.list_sessions();
  if (!sessions.ok()) return std::move(sessions).error();
  Capacity capacity = capacity_now();
  for (const auto& s : *sessions) ATELIER_RETURN_IF_ERROR(drive_session(store, s, capacity));
  return ok_status();
}

// Capacity as placed now: every lab with a host that is not destroyed counts.
Reconciler::Capacity Reconciler::capacity_now() {
  Capacity capacity;
  std::lock_guard lock(mutex_);  // `answering` is written by the probe, read by actions
  for (auto& h : hosts_) {
    HostCapacity c = h.capacity;
    c.placed_bytes = 0;
    c.provisioning = 0;
    c.reachable = h.provider != nullptr && h.answering;
    capacity[h.target.name] = c;
  }
  for (auto& [k, rt] : labs_) {
    std::lock_guard l(rt->state);
    if (rt->host.empty() || !capacity.count(rt->host)) continue;
    capacity[rt->host].placed_bytes += rt->memory_bytes;
    if (rt->busy) capacity[rt->host].provisioning++;
  }
  return capacity;
}

Status Reconciler::drive_session(store::Store& store, const store::SessionRecord& s,
                                 Capacity& capacity) {
  SessionView view{s.desired, s.status, false};
  {
    std::lock_guard lock(mutex_);
    auto it = tearing_down_.find(s.id);
    view.tearing_down = it != tearing_down_.end() && it->second;
  }
  switch (plan_session(view)) {
    case SessionStep::kNothing:
      return ok_status();
    case SessionStep::kTearDown: {
      const std::string id = s.id;
      {
        std::lock_guard lock(mutex_);
        tearing_down_[id] = true;
      }
      if (!submit("teardown " + id, [this, id] { teardown_session(id); })) {
        std::lock_guard lock(mutex_);
        tearing_down_[id] = false;  // stopping: the next start tears it down
      }
      return ok_status();
    }
    case SessionStep::kDriveLabs:
      break;
  }
  auto labs = store.list_candidate_labs(s.id);
  if (!labs.ok()) return std::move(labs).error();
  std::vector<LabStatus> statuses;
  for (const auto& l : *labs) {
    statuses.push_back(l.status);
    drive_lab(store, s, l, capacity);
  }
  LabStatus status = session_status(statuses);
  if (status != s.status) {
    log_failure(*this, store.set_session_status(s.id, status), "session status not stored",
                "session=" + s.id);
  }
  return ok_status();
}

void Reconciler::drive_lab(store::Store& store, const store::SessionRecord& s,
                           const store::CandidateLabRecord& l, Capacity& capacity) {
  auto rt = runtime(s.id, l.candidate);
  std::string placed = l.host.value_or("");
  LabView v;
  v.status = l.status;
  v.placed = !placed.empty() && capacity.count(placed) > 0;
  v.objects_exist =
      l.steps[static_cast<std::size_t>(store::Step::kDomains)] == store::StepState::kDone;
  {
    std::lock_guard g(rt->state);
    v.busy = rt->busy;
    v.ready = rt->ready;
    v.retry_due = now() >= rt->retry_at;
    v.has_model = rt->model.has_value();
    if (rt->model) {
      // The interval in force: the session's, else the lab's, else atelierd's.
      v.check_every = sessions::effective_check_interval(
                          s.check_interval, rt->model->check_interval,
                          std::chrono::ceil<std::chrono::seconds>(options_.check_interval))
                          .every;
    }
    v.since_last_check = now() - rt->last_check;
  }
  const LabStep step = reconciler::plan_lab(v);
  const std::string who = "session=" + s.id + " candidate=" + l.candidate;
  switch (step) {
    case LabStep::kNothing:
      return;
    case LabStep::kCheck: {
      {
        std::lock_guard g(rt->state);
        rt->last_check = now();
      }
      auto run = actions_->check_run(s.id, l.candidate, std::string(sessions::kScheduledRunActor));
      if (!run.ok())
        log("warn", "periodic check run not started", who + " " + error_field(run.error()));
      return;
    }
    case LabStep::kPlace: {
      auto chosen = place(store, s, l, *rt, capacity);
      if (!chosen) return;
      placed = *chosen;
      break;
    }
    case LabStep::kProvision:
    case LabStep::kAdopt:
      if (!has_slot(capacity[placed])) return;
      break;
  }
  {
    std::lock_guard g(rt->state);
    rt->host = placed;
    rt->busy = true;
    rt->cancelled = false;
  }
  capacity[placed].provisioning++;
  capacity[placed].placed_bytes += rt->memory_bytes;
  if (step == LabStep::kAdopt) log("info", "adopting a lab", who + " host=" + placed);
  if (!submit("provision " + key(s.id, l.candidate), [this, rt] { provision(rt); })) {
    std::lock_guard g(rt->state);
    rt->busy = false;  // stopping: the next start adopts it
  }
}

std::optional<std::string> Reconciler::place(store::Store& store, const store::SessionRecord& s,
                                             const store::CandidateLabRecord& l, LabRuntime& rt,
                                             Capacity& capacity) {
  const std::string who = "session=" + s.id + " candidate=" + l.candidate;
  auto fail = [&](const Error& e) {
    log("error", "lab cannot be placed", who + " " + error_field(e));
    log_failure(*this,
                update_lab(store, s.id, l.candidate,
                           [&](store::CandidateLabRecord& r) {
                             r.status = LabStatus::kFailed;
                             r.error = e.to_string();
                           }),
                "lab failure not stored", who);
  };
  // Demand from the lab's hosts; the model is loaded by the job, estimate from the file.
  sessions::SessionService::Options so;
  so.labs_dir = options_.labs_dir;
  so.load = options_.load;
  sessions::SessionService svc(store, so);
  auto model = svc.candidate_lab(s.id, l.candidate);
  if (!model.ok()) {
    fail(model.error());
    return std::nullopt;
  }
  std::vector<std::uint64_t> mem;
  for (const auto& h : model->hosts) mem.push_back(h.memory_bytes);
  const std::uint64_t demand = lab_demand_bytes(mem);
  std::vector<HostCapacity> caps;
  for (auto& [n, c] : capacity) caps.push_back(c);
  auto chosen = choose_host(caps, demand);
  if (!chosen.ok()) {
    fail(chosen.error());
    return std::nullopt;
  }
  if (!*chosen) return std::nullopt;  // no room now: a later pass
  const std::string placed = **chosen;
  log_failure(
      *this,
      update_lab(store, s.id, l.candidate, [&](store::CandidateLabRecord& r) { r.host = placed; }),
      "lab placement not stored", who);
  std::lock_guard g(rt.state);
  rt.memory_bytes = demand;
  return placed;
}

// ---------------------------------------------------------------------------------------------
// orphans

OwnerView Reconciler::observe_owner(store::Store& store, const std::string& session) {
  OwnerView owner;
  auto rec = store.get_session(session);
  if (!rec.ok()) {
    owner.known = rec.error().code() == ErrorCode::kNotFound ? OwnerView::Known::kNo
                                                             : OwnerView::Known::kUnsure;
    return owner;
  }
  owner.known = OwnerView::Known::kYes;
  owner.desired = rec->desired;
  {
    std::lock_guard lock(mutex_);
    auto it = tearing_down_.find(session);
    owner.tearing_down = it != tearing_down_.end() && it->second;
  }
  if (owner.desired == store::DesiredState::kDestroyed) return owner;
  auto labs = store.list_candidate_labs(session);
  if (!labs.ok()) {
    owner.known = OwnerView::Known::kUnsure;
    return owner;
  }
  for (const auto& l : *labs) owner.labs.push_back({l.candidate, l.host});
  return owner;
}

Status Reconciler::collect_orphans(store::Store& store) {
  Status first;
  auto note = [&first](Status st) {
    if (!st.ok() && first.ok()) first = std::move(st);
  };
  for (auto& h : hosts_) {
    if (!h.provider) continue;
    auto owned = h.provider->list(std::nullopt);
    if (!owned.ok()) {
      note(std::move(owned).error().context("list objects on " + h.target.name));
      continue;
    }
    std::map<std::string, std::set<std::string>> by_session;  // session -> candidates with objects
    for (auto& o : *owned) by_session[o.ref.session].insert(o.ref.candidate);
    for (auto& [session, candidates] : by_session) {
      OwnerView owner = observe_owner(store, session);
      owner.object_candidates = candidates;
      const OrphanPlan plan =
          plan_orphans(session, owner, h.target.name, options_.orphan_session_prefix);
      if (plan.destroy_session) {
        log("info", "removing orphaned objects", "session=" + session + " host=" + h.target.name);
        note(h.provider->destroy_session(session));
        std::error_code ec;
        fs::remove_all(options_.run_dir / session, ec);
        if (ec)
          log("warn", "run folder not removed",
              "session=" + session + " error=\"" + ec.message() + "\"");
      }
      for (const auto& candidate : plan.destroy_candidates) {
        log("info", "removing the objects of no lab",
            "session=" + session + " candidate=" + candidate + " host=" + h.target.name);
        note(h.provider->destroy_candidate(session, candidate));
      }
    }
  }
  return first;
}

// ---------------------------------------------------------------------------------------------
// sessions::LabOperations: delegated to the trainer's actions

Result<sessions::ActionRecord> Reconciler::reset(const std::string& session,
                                                 const std::string& candidate,
                                                 const std::string& host_name,
                                                 const std::string& actor) {
  return actions_->reset(session, candidate, host_name, actor);
}

Result<sessions::ActionRecord> Reconciler::move(const std::string& session,
                                                const std::string& candidate,
                                                const std::string& actor) {
  return actions_->move(session, candidate, actor);
}

Result<sessions::ActionRecord> Reconciler::solve(const std::string& session,
                                                 const std::string& candidate,
                                                 const std::string& actor) {
  return actions_->solve(session, candidate, actor);
}

Result<sessions::ActionRecord> Reconciler::check_run(const std::string& session,
                                                     const std::optional<std::string>& candidate,
                                                     const std::string& actor) {
  return actions_->check_run(session, candidate, actor);
}

Result<sessions::ActionRecord> Reconciler::action(const std::string& id) {
  return actions_->action(id);
}

Result<sessions::LabAccess> Reconciler::access(const std::string& session,
                                               const std::string& candidate) {
  return actions_->access(session, candidate);
}

}  // namespace atelier::reconciler
