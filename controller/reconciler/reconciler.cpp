// The reconciler's loop, jobs and actions (see reconciler.h).
#include "controller/reconciler/reconciler.h"

#include <algorithm>
#include <random>
#include <set>
#include <sstream>

#include "common/lab/variant.h"
#include "controller/grading/model.h"
#include "controller/images/image_definition.h"
#include "controller/provider/naming.h"
#include "controller/provisioning/lab_actions.h"
#include "controller/provisioning/plan.h"
#include "controller/reconciler/node_info.h"
#include "controller/sessions/check_interval.h"
#include "controller/sessions/session_service.h"

namespace atelier::reconciler {

namespace fs = std::filesystem;
using store::LabStatus;
using store::Step;
using store::StepState;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string key(const std::string& session, const std::string& candidate) {
  return session + "/" + candidate;
}

std::size_t idx(Step s) { return static_cast<std::size_t>(s); }

// The candidate's root password: derived from the session's seed, so that a lab planned again
// after a restart gets the same one (the guest took it at first boot).
std::string root_password(const store::SessionRecord& s, const std::string& candidate) {
  return store::sha256_hex("atelier-root/" + s.id + "/" + candidate + "/" + std::to_string(s.seed))
      .substr(0, 12);
}

// Writes one lab's record with a change applied; the record is read fresh so that a concurrent
// writer of other fields (another lab's job never touches this row) is not overwritten.
Status update_lab(store::Store& store, const std::string& session, const std::string& candidate,
                  const std::function<void(store::CandidateLabRecord&)>& change) {
  auto rec = store.get_candidate_lab(session, candidate);
  if (!rec.ok()) return std::move(rec).error();
  change(*rec);
  rec->updated_at = store::Clock::now();
  return store.update_candidate_lab(*rec);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// construction, loop, jobs

Reconciler::Reconciler(ReconcilerOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Reconciler>> Reconciler::create(ReconcilerOptions options) {
  if (options.hosts.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the reconciler needs at least one hypervisor host");
  }
  std::unique_ptr<Reconciler> r(new Reconciler(std::move(options)));
  // Actions the previous atelierd left running were cut short by its stop or crash: they are
  // failed, saying so, before any new action can start.
  auto opened = r->open_store();
  if (!opened.ok()) return std::move(opened).error().context("start the reconciler");
  auto interrupted = opened->fail_running_actions(store::Clock::now());
  if (!interrupted.ok()) return std::move(interrupted).error().context("fail the interrupted actions");
  if (*interrupted > 0) {
    r->log("warn", "actions interrupted by the previous stop are failed", "count=" + std::to_string(*interrupted));
  }
  for (const auto& h : r->options_.hosts) r->hosts_.push_back(Host{h, nullptr, HostCapacity{h.name}});
  Status connected = r->connect_hosts();
  if (!connected.ok()) {
    r->log("warn", "hypervisor host not reachable yet", "error=\"" + connected.error().to_string() + "\"");
  }
  return r;
}

Reconciler::~Reconciler() { stop(std::chrono::milliseconds(0)); }

void Reconciler::log(std::string_view level, std::string_view msg, const std::string& fields) const {
  if (options_.log) options_.log(level, msg, fields);
}

Result<store::Store> Reconciler::open_store() const { return store::Store::open(options_.state_dir); }

Status Reconciler::connect_hosts() {
  Status first;
  for (auto& h : hosts_) {
    if (h.provider) continue;
    provider::LibvirtOptions lo;
    lo.uri = h.target.uri;
    lo.overlay_dir = options_.overlay_dir;
    lo.overlay_pool = options_.overlay_pool;
    auto p = provider::make_libvirt_provider(lo);
    if (!p.ok()) {
      h.capacity.reachable = false;
      if (first.ok()) first = std::move(p).error().context("connect to host " + h.target.name);
      continue;
    }
    auto info = read_node_info(h.target.uri);
    if (!info.ok()) {
      h.capacity.reachable = false;
      if (first.ok()) first = std::move(info).error();
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
    if (auto st = open_store(); st.ok()) {
      (void)st->upsert_host({h.target.name, h.target.uri, info->memory_bytes, static_cast<int>(info->cpus), true});
    }
  }
  return first;
}

Reconciler::Host* Reconciler::host(const std::string& name) {
  for (auto& h : hosts_) {
    if (h.target.name == name) return &h;
  }
  return nullptr;
}

void Reconciler::start() {
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
  if (loop_thread_.joinable()) loop_thread_.join();
  auto until = SteadyClock::now() + grace;
  for (;;) {
    reap_jobs();
    if (running_jobs() == 0) return true;
    if (SteadyClock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::lock_guard lock(mutex_);
  for (auto& j : jobs_) {
    log("warn", "job still running at stop", "job=\"" + j.what + "\"");
    j.thread.detach();  // the process exits next; every step is resumable
  }
  jobs_.clear();
  return false;
}

std::size_t Reconciler::running_jobs() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto& j : jobs_) n += j.done->load() ? 0 : 1;
  return n;
}

void Reconciler::spawn(std::string what, std::function<void()> job) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(mutex_);
  jobs_.push_back(Job{what, std::thread([this, what, job = std::move(job), done] {
                        try {
                          job();
                        } catch (const std::exception& e) {
                          log("error", "job failed with an exception", "job=\"" + what + "\" error=\"" + e.what() + "\"");
                        }
                        done->store(true);
                        std::lock_guard l(mutex_);
                        kicked_ = true;
                        wake_.notify_all();
                      }),
                      done});
}

void Reconciler::reap_jobs() {
  std::list<Job> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->done->load()) {
        finished.splice(finished.end(), jobs_, it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& j : finished) {
    if (j.thread.joinable()) j.thread.join();
  }
}

void Reconciler::loop() {
  log("info", "reconciler started",
      "state_dir=" + options_.state_dir.string() + " hosts=" + std::to_string(hosts_.size()));
  for (;;) {
    Status st = reconcile_once();
    if (!st.ok()) log("warn", "reconcile pass failed", "error=\"" + st.error().to_string() + "\"");
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.loop_interval, [this] { return stopping_ || kicked_; });
    kicked_ = false;
    if (stopping_) break;
  }
  log("info", "reconciler stopped");
}

std::shared_ptr<Reconciler::LabRuntime> Reconciler::runtime(const std::string& session,
                                                             const std::string& candidate, bool create) {
  std::lock_guard lock(mutex_);
  auto it = labs_.find(key(session, candidate));
  if (it != labs_.end()) return it->second;
  if (!create) return nullptr;
  auto rt = std::make_shared<LabRuntime>();
  rt->session = session;
  rt->candidate = candidate;
  labs_[key(session, candidate)] = rt;
  return rt;
}

Status Reconciler::reconcile_once() {
  reap_jobs();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return ok_status();
  }
  if (auto c = connect_hosts(); !c.ok()) {
    log("warn", "hypervisor host not reachable", "error=\"" + c.error().to_string() + "\"");
  }
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error().context("reconcile");
  store::Store store = std::move(*opened);

  if (last_gc_ == SteadyClock::time_point{} || SteadyClock::now() - last_gc_ >= options_.gc_interval) {
    last_gc_ = SteadyClock::now();
    if (auto g = collect_orphans(store); !g.ok()) {
      log("warn", "orphan collection failed", "error=\"" + g.error().to_string() + "\"");
    }
  }

  auto sessions = store.list_sessions();
  if (!sessions.ok()) return std::move(sessions).error();

  // Capacity as placed now: every lab with a host that is not destroyed counts.
  std::map<std::string, HostCapacity> capacity;
  for (auto& h : hosts_) {
    HostCapacity c = h.capacity;
    c.placed_bytes = 0;
    c.provisioning = 0;
    c.reachable = h.provider != nullptr;
    capacity[h.target.name] = c;
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& [k, rt] : labs_) {
      std::lock_guard l(rt->state);
      if (rt->host.empty() || !capacity.count(rt->host)) continue;
      capacity[rt->host].placed_bytes += rt->memory_bytes;
      if (rt->busy) capacity[rt->host].provisioning++;
    }
  }

  for (const auto& s : *sessions) {
    if (s.desired == store::DesiredState::kDestroyed) {
      if (s.status == LabStatus::kDestroyed) continue;
      {
        std::lock_guard lock(mutex_);
        if (tearing_down_[s.id]) continue;
        tearing_down_[s.id] = true;
      }
      std::string id = s.id;
      spawn("teardown " + id, [this, id] { teardown_session(id); });
      continue;
    }
    auto labs = store.list_candidate_labs(s.id);
    if (!labs.ok()) return std::move(labs).error();
    std::size_t ready = 0, failed = 0;
    for (const auto& l : *labs) {
      ready += l.status == LabStatus::kReady ? 1 : 0;
      failed += l.status == LabStatus::kFailed ? 1 : 0;
      auto rt = runtime(s.id, l.candidate, true);
      bool needs_job = false;
      {
        std::lock_guard g(rt->state);
        if (rt->busy) continue;
        // A lab this process has not driven yet (new, or left by a previous run), or one whose
        // VMs need to be reached again. Failed labs wait for a reset.
        needs_job = !rt->ready && l.status != LabStatus::kFailed && SteadyClock::now() >= rt->retry_at;
      }
      if (needs_job) {
        std::string placed = l.host.value_or("");
        if (placed.empty() || !capacity.count(placed)) {
          // Demand from the lab's hosts; the model is loaded by the job, estimate from the file.
          sessions::SessionService::Options so;
          so.labs_dir = options_.labs_dir;
          so.load = options_.load;
          sessions::SessionService svc(store, so);
          auto model = svc.candidate_lab(s.id, l.candidate);
          if (!model.ok()) {
            (void)update_lab(store, s.id, l.candidate, [&](store::CandidateLabRecord& r) {
              r.status = LabStatus::kFailed;
              r.error = model.error().to_string();
            });
            continue;
          }
          std::vector<std::uint64_t> mem;
          for (const auto& h : model->hosts) mem.push_back(h.memory_bytes);
          std::uint64_t demand = lab_demand_bytes(mem);
          std::vector<HostCapacity> caps;
          for (auto& [n, c] : capacity) caps.push_back(c);
          auto chosen = choose_host(caps, demand);
          if (!chosen.ok()) {
            (void)update_lab(store, s.id, l.candidate, [&](store::CandidateLabRecord& r) {
              r.status = LabStatus::kFailed;
              r.error = chosen.error().to_string();
            });
            continue;
          }
          if (!*chosen) continue;  // no room now: a later pass
          placed = **chosen;
          (void)update_lab(store, s.id, l.candidate, [&](store::CandidateLabRecord& r) { r.host = placed; });
          std::lock_guard g(rt->state);
          rt->memory_bytes = demand;
        } else if (!has_slot(capacity[placed])) {
          continue;
        }
        {
          std::lock_guard g(rt->state);
          rt->host = placed;
          rt->busy = true;
          rt->cancelled = false;
        }
        capacity[placed].provisioning++;
        capacity[placed].placed_bytes += rt->memory_bytes;
        spawn("provision " + key(s.id, l.candidate), [this, rt] { provision(rt); });
        continue;
      }
      // Periodic checks of ready labs, at the interval in force: the session's, else the lab's,
      // else atelierd's (sessions/check_interval.h).
      bool due = false;
      {
        std::lock_guard g(rt->state);
        if (rt->ready && rt->model) {
          auto every = sessions::effective_check_interval(
                           s.check_interval, rt->model->check_interval,
                           std::chrono::ceil<std::chrono::seconds>(options_.check_interval))
                           .every;
          due = every.count() > 0 && SteadyClock::now() - rt->last_check >= every;
        }
        if (due) rt->last_check = SteadyClock::now();
      }
      if (due) (void)check_run(s.id, l.candidate, std::string(grading::kScheduledRunActor));
    }
    LabStatus status = labs->empty()              ? LabStatus::kPending
                       : ready == labs->size()    ? LabStatus::kReady
                       : failed > 0               ? LabStatus::kFailed
                       : LabStatus::kProvisioning;
    if (status != s.status) (void)store.set_session_status(s.id, status);
  }
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// orphans

Status Reconciler::collect_orphans(store::Store& store) {
  Status first;
  for (auto& h : hosts_) {
    if (!h.provider) continue;
    auto owned = h.provider->list(std::nullopt);
    if (!owned.ok()) {
      if (first.ok()) first = std::move(owned).error().context("list objects on " + h.target.name);
      continue;
    }
    std::map<std::string, std::vector<provider::OwnedObject>> by_session;
    for (auto& o : *owned) by_session[o.ref.session].push_back(o);
    for (auto& [session, objects] : by_session) {
      auto rec = store.get_session(session);
      bool remove_all = false;
      if (!rec.ok()) {
        if (rec.error().code() != ErrorCode::kNotFound) continue;
        remove_all = options_.orphan_session_prefix &&
                     session.rfind(*options_.orphan_session_prefix, 0) == 0;
        if (!remove_all) continue;  // not ours to judge (another controller's, or a test's)
      } else if (rec->desired == store::DesiredState::kDestroyed) {
        std::lock_guard lock(mutex_);
        if (tearing_down_[session]) continue;  // the teardown job is on it
        remove_all = true;
      }
      if (remove_all) {
        log("info", "removing orphaned objects",
            "session=" + session + " host=" + h.target.name + " objects=" + std::to_string(objects.size()));
        Status st = h.provider->destroy_session(session);
        if (!st.ok() && first.ok()) first = st;
        std::error_code ec;
        fs::remove_all(options_.run_dir / session, ec);
        continue;
      }
      // A known active session: objects of candidates it does not have, or placed elsewhere.
      auto labs = store.list_candidate_labs(session);
      if (!labs.ok()) continue;
      std::set<std::string> strays;
      for (const auto& o : objects) {
        bool belongs = false;
        for (const auto& l : *labs) {
          belongs = belongs || (l.candidate == o.ref.candidate && (!l.host || *l.host == h.target.name));
        }
        if (!belongs) strays.insert(o.ref.candidate);
      }
      for (const auto& candidate : strays) {
        log("info", "removing the objects of no lab",
            "session=" + session + " candidate=" + candidate + " host=" + h.target.name);
        Status st = h.provider->destroy_candidate(session, candidate);
        if (!st.ok() && first.ok()) first = st;
      }
    }
  }
  return first;
}

// ---------------------------------------------------------------------------------------------
// provisioning

Result<images::BuiltImage> Reconciler::image(const std::string& name) {
  std::lock_guard lock(image_mutex_);
  if (auto it = images_.find(name); it != images_.end()) return it->second;
  auto def = images::load_image_definition(options_.image_definitions.string(), name);
  if (!def.ok()) return std::move(def).error().context("image " + name);
  if (!options_.build_images) {
    auto found = images::find_built_image(*def, options_.image_state_dir);
    if (!found.ok()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "image " + name + " is not built in " + options_.image_state_dir +
                       ": run `atelier image build " + name + "` (or start atelierd with --build-images)");
    }
    images_[name] = *found;
    return found;
  }
  images::BuildOptions bo;
  bo.state_dir = options_.image_state_dir;
  bo.progress = [this, &name](const std::string& line) { log("info", "image build", "image=" + name + " step=\"" + line + "\""); };
  auto built = images::build_image(*def, bo);
  if (!built.ok()) return std::move(built).error();
  log("info", built->from_cache ? "image found" : "image built", "image=" + name + " dir=" + built->dir);
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
  in.root_password = root_password(*session, rt.candidate);
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
      *model, in, [&p](const provider::ObjectRef& ref, unsigned nic) { return p.choose_mac(ref, nic); });
  if (!plan.ok()) return std::move(plan).error();

  provisioning::CandidateLabOptions co;
  co.agent_binary = options_.agent_binary;
  std::string session_id = rt.session;
  co.progress = [this, session_id](const provisioning::Progress& pr) {
    log("info", "progress", "session=" + session_id + " candidate=" + pr.candidate + " host=" + pr.host +
                                " step=" + pr.step + " msg=\"" + pr.message + "\"");
  };
  auto lab = std::make_unique<provisioning::CandidateLab>(p, std::move(*plan), co);
  std::lock_guard g(rt.state);
  rt.model = std::move(*model);
  rt.lab = std::move(lab);
  rt.root_password = in.root_password;
  return ok_status();
}

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
    unsigned attempt = 0;
    {
      std::lock_guard g(rt->state);
      attempt = ++rt->attempts;
      rt->retry_at = SteadyClock::now() + options_.retry_delay;
    }
    // Input that is wrong (the lab, a missing image) does not get better by waiting.
    const ErrorCode code = st.error().code();
    const bool retry = attempt < options_.max_attempts && code != ErrorCode::kInvalidArgument &&
                       code != ErrorCode::kNotFound && code != ErrorCode::kFailedPrecondition;
    log(retry ? "warn" : "error", retry ? "provisioning attempt failed, will resume" : "provisioning failed",
        who + " attempt=" + std::to_string(attempt) + " error=\"" + st.error().to_string() + "\"");
    (void)update_lab(store, rt->session, rt->candidate, [&](store::CandidateLabRecord& r) {
      r.status = retry ? LabStatus::kProvisioning : LabStatus::kFailed;
      r.error = retry ? "attempt " + std::to_string(attempt) + " of " + std::to_string(options_.max_attempts) +
                            " failed, resuming: " + st.error().to_string()
                      : st.error().to_string();
      for (auto& s : r.steps) {
        if (s == StepState::kRunning) s = StepState::kFailed;
      }
    });
  }
  std::lock_guard g(rt->state);
  rt->busy = false;
  rt->ready = st.ok();
  if (st.ok()) rt->attempts = 0;
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
      if (r.status != LabStatus::kReady || state != StepState::kDone) r.status = LabStatus::kProvisioning;
      r.error.clear();
    });
  };
  auto stopped = [&]() -> Status {
    if (rt.cancelled) return Error(ErrorCode::kFailedPrecondition, "stopped");
    return ok_status();
  };
  ATELIER_RETURN_IF_ERROR(update_lab(store, rt.session, rt.candidate, [&](store::CandidateLabRecord& r) {
    r.status = LabStatus::kProvisioning;
    r.error.clear();
  }));

  if (!rt.lab) ATELIER_RETURN_IF_ERROR(plan_lab(store, rt, *h));
  provisioning::CandidateLab& lab = *rt.lab;
  const lab::Lab& model = *rt.model;

  // networks, disks, domains: one idempotent call; its progress marks the networks done.
  ATELIER_RETURN_IF_ERROR(stopped());
  ATELIER_RETURN_IF_ERROR(mark({Step::kNetworks, Step::kDisks, Step::kDomains},
                               adopting ? StepState::kDone : StepState::kRunning));
  if (auto st = lab.create(); !st.ok()) return std::move(st).error().context("networks, disks and domains");
  ATELIER_RETURN_IF_ERROR(mark({Step::kNetworks, Step::kDisks, Step::kDomains}, StepState::kDone));

  ATELIER_RETURN_IF_ERROR(stopped());
  ATELIER_RETURN_IF_ERROR(mark({Step::kBooted}, StepState::kRunning));
  if (auto st = lab.start(); !st.ok()) return std::move(st).error().context("boot");
  ATELIER_RETURN_IF_ERROR(mark({Step::kBooted}, StepState::kDone));

  ATELIER_RETURN_IF_ERROR(stopped());
  ATELIER_RETURN_IF_ERROR(mark({Step::kAgent}, StepState::kRunning));
  if (auto st = lab.wait_agents(options_.boot_deadline); !st.ok()) {
    return std::move(st).error().context("wait for the agents");
  }
  ATELIER_RETURN_IF_ERROR(mark({Step::kAgent}, StepState::kDone));

  if (todo.roles) {
    ATELIER_RETURN_IF_ERROR(stopped());
    ATELIER_RETURN_IF_ERROR(mark({Step::kRoles}, StepState::kRunning));
    if (auto st = provisioning::apply_roles(lab, model, nullptr); !st.ok()) {
      return std::move(st).error().context("roles");
    }
    ATELIER_RETURN_IF_ERROR(mark({Step::kRoles}, StepState::kDone));
  }
  if (todo.incidents) {
    ATELIER_RETURN_IF_ERROR(stopped());
    ATELIER_RETURN_IF_ERROR(mark({Step::kIncidents}, StepState::kRunning));
    if (auto st = provisioning::apply_steps(lab, model, provisioning::incident_steps(model), nullptr); !st.ok()) {
      return std::move(st).error().context("incidents");
    }
    ATELIER_RETURN_IF_ERROR(mark({Step::kIncidents}, StepState::kDone));
  }
  ATELIER_RETURN_IF_ERROR(stopped());
  return update_lab(store, rt.session, rt.candidate, [&](store::CandidateLabRecord& r) {
    r.steps[idx(Step::kReady)] = StepState::kDone;
    r.status = LabStatus::kReady;
    r.error.clear();
    if (!r.handed_over_at) r.handed_over_at = store::Clock::now();
  });
}

// ---------------------------------------------------------------------------------------------
// teardown

void Reconciler::teardown_session(const std::string& session) {
  auto opened = open_store();
  if (!opened.ok()) return;
  store::Store store = std::move(*opened);
  (void)store.set_session_status(session, LabStatus::kDestroying);
  auto labs = store.list_candidate_labs(session);
  std::vector<std::shared_ptr<LabRuntime>> runtimes;
  if (labs.ok()) {
    for (const auto& l : *labs) {
      (void)update_lab(store, session, l.candidate, [](store::CandidateLabRecord& r) { r.status = LabStatus::kDestroying; });
      if (auto rt = runtime(session, l.candidate, false)) {
        rt->cancelled = true;
        runtimes.push_back(rt);
      }
    }
  }
  // Every host: the provider removes what the session owns (domains first: running jobs fail
  // fast), whatever the store says about placement.
  Status first;
  auto destroy_everywhere = [&] {
    for (auto& h : hosts_) {
      if (!h.provider) {
        if (first.ok()) first = Error(ErrorCode::kUnavailable, "host " + h.target.name + " is not connected");
        continue;
      }
      Status st = h.provider->destroy_session(session);
      if (!st.ok() && first.ok()) first = st;
    }
  };
  destroy_everywhere();
  // Wait for jobs on these labs, then remove again what they may have recreated meanwhile.
  for (auto& rt : runtimes) {
    std::lock_guard op(rt->op);
    std::lock_guard g(rt->state);
    if (rt->lab) rt->lab.reset();  // closes the agent channels
  }
  first = ok_status();
  destroy_everywhere();
  std::error_code ec;
  fs::remove_all(options_.run_dir / session, ec);
  if (!first.ok()) {
    log("error", "teardown incomplete", "session=" + session + " error=\"" + first.error().to_string() + "\"");
    std::lock_guard lock(mutex_);
    tearing_down_[session] = false;  // the next pass tries again
    return;
  }
  if (labs.ok()) {
    for (const auto& l : *labs) {
      (void)update_lab(store, session, l.candidate, [](store::CandidateLabRecord& r) {
        r.status = LabStatus::kDestroyed;
        for (auto& s : r.steps) s = StepState::kPending;
      });
    }
  }
  (void)store.set_session_status(session, LabStatus::kDestroyed);
  std::lock_guard lock(mutex_);
  tearing_down_[session] = false;  // leftovers found later are the orphan collector's
  for (auto it = labs_.begin(); it != labs_.end();) {
    it = it->second->session == session ? labs_.erase(it) : std::next(it);
  }
  log("info", "session destroyed", "session=" + session);
}

// ---------------------------------------------------------------------------------------------
// actions

Result<api::ActionRecord> Reconciler::start_action(api::ActionRecord record,
                                                   std::function<Status(api::ActionRecord&)> body,
                                                   Recorded recorded) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Error(ErrorCode::kUnavailable, "atelierd is stopping");
    std::ostringstream id;
    id << "a" << std::chrono::duration_cast<std::chrono::milliseconds>(store::Clock::now().time_since_epoch()).count()
       << "_" << ++action_counter_;
    record.id = id.str();
    record.state = api::ActionState::kRunning;
    record.started_at = store::Clock::now();
  }
  // Stored before it is acknowledged, and again when it ends: the id outlives a restart.
  if (recorded == Recorded::kYes) ATELIER_RETURN_IF_ERROR(record_action(record));
  {
    std::lock_guard lock(mutex_);
    actions_[record.id] = record;
  }
  std::string id = record.id;
  spawn(std::string(api::to_string(record.kind)) + " " + record.session, [this, id, body, recorded] {
    api::ActionRecord work;
    {
      std::lock_guard lock(mutex_);
      work = actions_[id];
    }
    Status st = body(work);
    work.state = st.ok() ? api::ActionState::kDone : api::ActionState::kFailed;
    if (!st.ok()) work.error = st.error().to_string();
    work.finished_at = store::Clock::now();
    bool stored = false;
    if (recorded == Recorded::kYes) {
      Status saved = record_action(work);
      stored = saved.ok();
      if (!stored) {
        log("error", "action outcome not stored", "action=" + id + " error=\"" + saved.error().to_string() + "\"");
      }
    }
    log(st.ok() ? "info" : "error", "action finished",
        "action=" + id + " kind=" + std::string(api::to_string(work.kind)) + " session=" + work.session +
            " state=" + std::string(api::to_string(work.state)) + (st.ok() ? "" : " error=\"" + work.error + "\""));
    // Finished: the store answers for it from now on (memory stays bounded), unless the store
    // could not take it; an unrecorded action is forgotten.
    std::lock_guard lock(mutex_);
    if (stored || recorded == Recorded::kNo) {
      actions_.erase(id);
    } else {
      actions_[id] = std::move(work);
    }
  });
  return record;
}

Status Reconciler::record_action(const api::ActionRecord& record) const {
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error().context("record action " + record.id);
  return opened->put_action(api::to_stored(record));
}

Result<api::ActionRecord> Reconciler::action(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    auto it = actions_.find(id);
    if (it != actions_.end()) return it->second;
  }
  // Not started by this process: a previous atelierd's, as stored.
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error();
  auto stored = opened->get_action(id);
  if (!stored.ok()) return std::move(stored).error();
  return api::from_stored(*stored);
}

namespace {
// The lab must be recorded; kNotFound names what is missing.
Status check_lab(store::Store& store, const std::string& session, const std::string& candidate) {
  auto s = store.get_session(session);
  if (!s.ok()) return std::move(s).error();
  if (s->desired == store::DesiredState::kDestroyed) {
    return Error(ErrorCode::kFailedPrecondition, "session " + session + " is destroyed");
  }
  auto c = store.get_candidate_lab(session, candidate);
  if (!c.ok()) return std::move(c).error();
  return ok_status();
}
}  // namespace

Result<api::ActionRecord> Reconciler::reset(const std::string& session, const std::string& candidate,
                                            const std::string& host_name, const std::string& actor) {
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error();
  ATELIER_RETURN_IF_ERROR(check_lab(*opened, session, candidate));
  auto rt = runtime(session, candidate, false);
  {
    if (!rt) return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not placed yet");
    std::lock_guard g(rt->state);
    if (rt->busy) return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is being provisioned");
    if (!host_name.empty()) {
      if (!rt->model) return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not planned yet");
      bool known = false;
      for (const auto& h : rt->model->hosts) known = known || h.name == host_name;
      if (!known) return Error(ErrorCode::kNotFound, "no host \"" + host_name + "\" in the lab of " + candidate);
    }
  }
  (void)opened->append_audit({0, store::Clock::now(), actor, "lab.reset", "candidate " + session + "/" + candidate,
                              host_name.empty() ? "whole lab" : "host " + host_name});
  api::ActionRecord rec;
  rec.kind = api::ActionKind::kReset;
  rec.session = session;
  rec.candidates = {candidate};
  rec.host = host_name;
  return start_action(rec, [this, rt, host_name](api::ActionRecord&) -> Status {
    auto st = open_store();
    if (!st.ok()) return std::move(st).error();
    store::Store& store = *st;
    if (host_name.empty()) {
      // The whole lab: torn down and provisioned again (the hand-over time is kept).
      {
        std::lock_guard op(rt->op);
        std::lock_guard g(rt->state);
        rt->busy = true;
        rt->ready = false;
        rt->attempts = 0;
        rt->retry_at = {};
        if (rt->lab) (void)rt->lab->destroy();
        else if (Host* h = host(rt->host); h && h->provider) {
          // Never planned (it failed early): remove by owner.
          (void)h->provider->destroy_candidate(rt->session, rt->candidate);
        }
        rt->lab.reset();
        rt->model.reset();
        ATELIER_RETURN_IF_ERROR(update_lab(store, rt->session, rt->candidate, [](store::CandidateLabRecord& r) {
          r.status = LabStatus::kProvisioning;
          r.error.clear();
          for (auto& s : r.steps) s = StepState::kPending;
        }));
      }
      provision(rt);
      std::lock_guard g(rt->state);
      if (!rt->ready) {
        auto now = store.get_candidate_lab(rt->session, rt->candidate);
        return Error(ErrorCode::kUnavailable, now.ok() ? now->error : "provisioning failed");
      }
      return ok_status();
    }
    std::lock_guard op(rt->op);
    {
      std::lock_guard g(rt->state);
      if (!rt->lab || !rt->model) return Error(ErrorCode::kFailedPrecondition, "the lab is not planned");
      rt->ready = false;
    }
    ATELIER_RETURN_IF_ERROR(update_lab(store, rt->session, rt->candidate,
                                       [](store::CandidateLabRecord& r) { r.status = LabStatus::kProvisioning; }));
    const lab::Lab& full = *rt->model;
    lab::Lab only = full;
    only.hosts.clear();
    for (const auto& h : full.hosts) {
      if (h.name == host_name) only.hosts.push_back(h);
    }
    std::vector<provisioning::RecipeStep> incidents;
    for (auto& s : provisioning::incident_steps(full)) {
      if (s.on == host_name) incidents.push_back(s);
    }
    Status done = rt->lab->reset_host(host_name, options_.boot_deadline);
    if (done.ok()) done = provisioning::apply_roles(*rt->lab, only, nullptr);
    if (done.ok()) done = provisioning::apply_steps(*rt->lab, full, incidents, nullptr);
    (void)update_lab(store, rt->session, rt->candidate, [&](store::CandidateLabRecord& r) {
      r.status = done.ok() ? LabStatus::kReady : LabStatus::kFailed;
      r.error = done.ok() ? "" : done.error().to_string();
    });
    std::lock_guard g(rt->state);
    rt->ready = done.ok();
    return done;
  });
}

Result<api::ActionRecord> Reconciler::solve(const std::string& session, const std::string& candidate,
                                            const std::string& actor) {
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error();
  ATELIER_RETURN_IF_ERROR(check_lab(*opened, session, candidate));
  auto rt = runtime(session, candidate, false);
  if (!rt) return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not ready");
  {
    std::lock_guard g(rt->state);
    if (!rt->ready || !rt->lab) return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not ready");
  }
  (void)opened->append_audit({0, store::Clock::now(), actor, "lab.solve", "candidate " + session + "/" + candidate,
                              "reference solution applied"});
  api::ActionRecord rec;
  rec.kind = api::ActionKind::kSolve;
  rec.session = session;
  rec.candidates = {candidate};
  return start_action(rec, [rt](api::ActionRecord&) -> Status {
    std::lock_guard op(rt->op);
    if (!rt->lab || !rt->model) return Error(ErrorCode::kFailedPrecondition, "the lab is gone");
    Status st = provisioning::apply_steps(*rt->lab, *rt->model, provisioning::solution_steps(*rt->model), nullptr);
    if (!st.ok()) return std::move(st).error().context("solve the lab of " + rt->candidate);
    return st;
  });
}

Status Reconciler::run_checks_on(store::Store& store, LabRuntime& rt, const std::string& run_id,
                                 const std::string& actor, std::vector<api::TaskVerdict>& verdicts) {
  std::lock_guard op(rt.op);
  if (!rt.lab || !rt.model) return Error(ErrorCode::kFailedPrecondition, "the lab of " + rt.candidate + " is gone");
  const lab::Lab& model = *rt.model;
  auto started = store::Clock::now();
  // A run belongs to one candidate (grading keys runs by id across the session).
  const std::string candidate_run = run_id + "-" + rt.candidate;
  auto outcomes = provisioning::run_checks(*rt.lab, model, candidate_run, options_.check_timeout);
  if (!outcomes.ok()) return std::move(outcomes).error().context("checks of " + rt.candidate);
  auto finished = store::Clock::now();
  for (const auto& o : *outcomes) {
    const lab::Task* task = nullptr;
    for (const auto& t : model.tasks) {
      if (t.id == o.task) task = &t;
    }
    api::TaskVerdict v{rt.candidate, o.task, o.passed, static_cast<int>(o.results.size()), 0};
    for (std::size_t i = 0; i < o.results.size(); ++i) {
      const auto& r = o.results[i];
      store::ResultRecord rec;
      rec.result_id = candidate_run + "/" + o.task + "/" + std::to_string(i);
      rec.session = rt.session;
      rec.candidate = rt.candidate;
      rec.task = o.task;
      rec.check_index = static_cast<int>(i);
      rec.host = task && i < task->checks.size() ? task->checks[i].on : "";
      rec.description = r.description;
      switch (r.status) {
        case protocol::CheckStatus::kPass: rec.status = "pass"; break;
        case protocol::CheckStatus::kFail: rec.status = "fail"; break;
        default: rec.status = "error"; break;
      }
      if (rec.status != "pass") v.failed++;
      rec.expected = r.expected;
      rec.observed = r.observed;
      rec.run_id = candidate_run;
      rec.run_by = actor;
      rec.started_at = r.started_unix_ms > 0
                           ? store::TimePoint(std::chrono::milliseconds(r.started_unix_ms))
                           : started;
      rec.finished_at = r.started_unix_ms > 0 ? rec.started_at + r.duration : finished;
      rec.received_at = store::Clock::now();
      auto added = store.add_result(rec);
      if (!added.ok()) return std::move(added).error().context("store result " + rec.result_id);
    }
    verdicts.push_back(std::move(v));
  }
  return ok_status();
}

Result<api::ActionRecord> Reconciler::check_run(const std::string& session,
                                                const std::optional<std::string>& candidate,
                                                const std::string& actor) {
  auto opened = open_store();
  if (!opened.ok()) return std::move(opened).error();
  auto s = opened->get_session(session);
  if (!s.ok()) return std::move(s).error();
  if (s->desired == store::DesiredState::kDestroyed) {
    return Error(ErrorCode::kFailedPrecondition, "session " + session + " is destroyed");
  }
  std::vector<std::shared_ptr<LabRuntime>> targets;
  if (candidate) {
    ATELIER_RETURN_IF_ERROR(check_lab(*opened, session, *candidate));
    auto rt = runtime(session, *candidate, false);
    bool ready = false;
    if (rt) {
      std::lock_guard g(rt->state);
      ready = rt->ready && rt->lab;
    }
    if (!ready) return Error(ErrorCode::kFailedPrecondition, "the lab of " + *candidate + " is not ready");
    targets.push_back(rt);
  } else {
    auto labs = opened->list_candidate_labs(session);
    if (!labs.ok()) return std::move(labs).error();
    for (const auto& l : *labs) {
      auto rt = runtime(session, l.candidate, false);
      if (!rt) continue;
      std::lock_guard g(rt->state);
      if (rt->ready && rt->lab) targets.push_back(rt);
    }
    if (targets.empty()) return Error(ErrorCode::kFailedPrecondition, "no lab of session " + session + " is ready");
  }
  api::ActionRecord rec;
  rec.kind = api::ActionKind::kCheckRun;
  rec.session = session;
  for (auto& t : targets) rec.candidates.push_back(t->candidate);
  if (actor != grading::kScheduledRunActor) {
    (void)opened->append_audit({0, store::Clock::now(), actor, "checks.run", "session " + session,
                                candidate ? "candidate " + *candidate : "every ready lab"});
  }
  return start_action(rec, [this, targets, actor](api::ActionRecord& work) -> Status {
    work.run_id = "run-" + work.id;
    auto st = open_store();
    if (!st.ok()) return std::move(st).error();
    // Labs in parallel: each has its own agents.
    std::vector<std::thread> threads;
    std::vector<Status> statuses(targets.size());
    std::vector<std::vector<api::TaskVerdict>> verdicts(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      threads.emplace_back([&, i] {
        auto own = open_store();
        if (!own.ok()) {
          statuses[i] = std::move(own).error();
          return;
        }
        statuses[i] = run_checks_on(*own, *targets[i], work.run_id, actor, verdicts[i]);
      });
    }
    for (auto& t : threads) t.join();
    Status first;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      work.verdicts.insert(work.verdicts.end(), verdicts[i].begin(), verdicts[i].end());
      if (!statuses[i].ok() && first.ok()) first = statuses[i];
      std::lock_guard g(targets[i]->state);
      targets[i]->last_check = SteadyClock::now();
    }
    return first;
  }, actor == grading::kScheduledRunActor ? Recorded::kNo : Recorded::kYes);
}

Result<api::LabAccess> Reconciler::access(const std::string& session, const std::string& candidate) {
  auto rt = runtime(session, candidate, false);
  if (!rt) return Error(ErrorCode::kNotFound, "the lab of " + candidate + " is not placed yet");
  std::lock_guard g(rt->state);
  if (!rt->lab || !rt->model) return Error(ErrorCode::kNotFound, "the lab of " + candidate + " is not planned yet");
  api::LabAccess out;
  out.host = rt->host;
  std::string uri;
  if (Host* h = host(rt->host)) uri = h->target.uri;
  for (const auto& hp : rt->lab->plan().hosts) {
    api::HostAccess a;
    a.name = hp.name;
    a.domain = provider::libvirt_name(hp.domain.ref);
    a.uri = uri;
    a.console_log = hp.domain.console.log_path;
    a.console = hp.domain.console.kind == provider::SerialConsole::Kind::kPty
                    ? "virsh -c " + uri + " console " + a.domain
                    : "log: " + a.console_log;
    if (const lab::Host* lh = [&]() -> const lab::Host* {
          for (const auto& x : rt->model->hosts) {
            if (x.name == hp.name) return &x;
          }
          return nullptr;
        }()) {
      for (const auto& n : lh->nics) a.addresses.emplace_back(n.network, n.address.to_string());
    }
    a.ssh_user = "root";
    a.ssh_password = rt->root_password;
    out.hosts.push_back(std::move(a));
  }
  out.note = "lab networks are isolated from the hypervisor host: ssh root@ADDRESS from another host of the "
             "same lab (its console), or use the console";
  return out;
}

}  // namespace atelier::reconciler
