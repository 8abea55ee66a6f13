// The trainer's actions on candidate labs (see trainer_actions.h).
#include "controller/reconciler/trainer_actions.h"

#include <atomic>
#include <sstream>

#include "controller/provider/naming.h"
#include "controller/provisioning/lab_actions.h"
#include "controller/provisioning/plan.h"
#include "controller/reconciler/agent_instances.h"
#include "controller/sessions/action_store.h"
#include "controller/sessions/model.h"

namespace atelier::reconciler {

using store::LabStatus;
using store::StepState;

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

bool scheduled(const std::string& actor) {
  return actor == sessions::kScheduledRunActor;
}

}  // namespace

// The parts of one running action and their statuses; the last part to end finishes it.
struct TrainerActions::Progress {
  std::string id;
  Work work;
  Recorded recorded;
  std::vector<Status> statuses;
  std::atomic<std::size_t> left{0};
};

TrainerActions::TrainerActions(LabRegistry& labs, Submit submit, Options options)
    : labs_(labs), submit_(std::move(submit)), options_(options) {}

void TrainerActions::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
}

void TrainerActions::start() {
  std::lock_guard lock(mutex_);
  stopping_ = false;
}

// ---------------------------------------------------------------------------------------------
// running an action

Result<sessions::ActionRecord> TrainerActions::start_action(
    sessions::ActionRecord record, const std::function<Work(sessions::ActionRecord&)>& make,
    Recorded recorded) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Error(ErrorCode::kUnavailable, "atelierd is stopping");
    std::ostringstream id;
    id << "a"
       << std::chrono::duration_cast<std::chrono::milliseconds>(
              store::Clock::now().time_since_epoch())
              .count()
       << "_" << ++counter_;
    record.id = id.str();
    record.state = sessions::ActionState::kRunning;
    record.started_at = store::Clock::now();
  }
  auto progress = std::make_shared<Progress>();
  progress->id = record.id;
  progress->work = make(record);
  progress->recorded = recorded;
  progress->statuses.resize(progress->work.parts.size());
  progress->left = progress->work.parts.size();
  // Stored before it is acknowledged, and again when it ends: the id outlives a restart.
  if (recorded == Recorded::kYes) ATELIER_RETURN_IF_ERROR(record_action(record));
  {
    std::lock_guard lock(mutex_);
    actions_[record.id] = record;
  }
  const std::string name = std::string(sessions::to_string(record.kind)) + " " + record.session;
  for (std::size_t i = 0; i < progress->work.parts.size(); ++i) {
    if (!submit_(name, [this, progress, i] { run_part(progress, i); })) {
      // Stopping: this part never runs; the action fails saying so (or is interrupted at the
      // next start, when the process exits first).
      progress->statuses[i] = Error(ErrorCode::kUnavailable, "atelierd is stopping");
      if (--progress->left == 0) finish(progress->id, progress->work, progress->statuses, recorded);
    }
  }
  return record;
}

void TrainerActions::run_part(const std::shared_ptr<Progress>& progress, std::size_t i) {
  Status st;
  try {
    st = progress->work.parts[i]();
  } catch (const std::exception& e) {
    st = Error(ErrorCode::kInternal, std::string("exception: ") + e.what());
  }
  progress->statuses[i] = std::move(st);
  // Each part writes only its own slot; the decrement orders those writes before finish().
  if (--progress->left == 0)
    finish(progress->id, progress->work, progress->statuses, progress->recorded);
}

void TrainerActions::finish(const std::string& id, const Work& work,
                            const std::vector<Status>& statuses, Recorded recorded) {
  sessions::ActionRecord done;
  {
    std::lock_guard lock(mutex_);
    done = actions_[id];
  }
  Status first;
  for (const auto& st : statuses) {
    if (!st.ok() && first.ok()) first = st;
  }
  if (work.conclude) work.conclude(done);
  done.state = first.ok() ? sessions::ActionState::kDone : sessions::ActionState::kFailed;
  if (!first.ok()) done.error = first.error().to_string();
  done.finished_at = store::Clock::now();
  bool stored = false;
  if (recorded == Recorded::kYes) {
    Status saved = record_action(done);
    stored = saved.ok();
    log_failure(labs_, saved, "action outcome not stored", "action=" + id);
  }
  labs_.log(first.ok() ? "info" : "error", "action finished",
            "action=" + id + " kind=" + std::string(sessions::to_string(done.kind)) + " session=" +
                done.session + " state=" + std::string(sessions::to_string(done.state)) +
                (first.ok() ? "" : " error=\"" + done.error + "\""));
  // Finished: the store answers for it from now on (memory stays bounded), unless the store
  // could not take it; an unrecorded action is forgotten.
  std::lock_guard lock(mutex_);
  if (stored || recorded == Recorded::kNo) {
    actions_.erase(id);
  } else {
    actions_[id] = std::move(done);
  }
}

Status TrainerActions::record_action(const sessions::ActionRecord& record) const {
  auto opened = labs_.open_store();
  if (!opened.ok()) return std::move(opened).error().context("record action " + record.id);
  return opened->put_action(sessions::to_stored(record));
}

Result<sessions::ActionRecord> TrainerActions::action(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    auto it = actions_.find(id);
    if (it != actions_.end()) return it->second;
  }
  // Not started by this process: a previous atelierd's, as stored.
  auto opened = labs_.open_store();
  if (!opened.ok()) return std::move(opened).error();
  auto stored = opened->get_action(id);
  if (!stored.ok()) return std::move(stored).error();
  return sessions::from_stored(*stored);
}

// ---------------------------------------------------------------------------------------------
// reset

Result<sessions::ActionRecord> TrainerActions::reset(const std::string& session,
                                                     const std::string& candidate,
                                                     const std::string& host_name,
                                                     const std::string& actor) {
  auto opened = labs_.open_store();
  if (!opened.ok()) return std::move(opened).error();
  ATELIER_RETURN_IF_ERROR(check_lab(*opened, session, candidate));
  auto rt = labs_.find_lab(session, candidate);
  if (!rt)
    return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not placed yet");
  {
    std::lock_guard g(rt->state);
    if (rt->busy)
      return Error(ErrorCode::kFailedPrecondition,
                   "the lab of " + candidate + " is being provisioned");
    if (!host_name.empty()) {
      if (!rt->model)
        return Error(ErrorCode::kFailedPrecondition,
                     "the lab of " + candidate + " is not planned yet");
      bool known = false;
      for (const auto& h : rt->model->hosts) known = known || h.name == host_name;
      if (!known)
        return Error(ErrorCode::kNotFound,
                     "no host \"" + host_name + "\" in the lab of " + candidate);
    }
  }
  log_failure(labs_,
              opened->append_audit({0, store::Clock::now(), actor, "lab.reset",
                                    "candidate " + session + "/" + candidate,
                                    host_name.empty() ? "whole lab" : "host " + host_name}),
              "audit entry not stored", "action=lab.reset");
  sessions::ActionRecord rec;
  rec.kind = sessions::ActionKind::kReset;
  rec.session = session;
  rec.candidates = {candidate};
  rec.host = host_name;
  return start_action(rec, [this, rt, host_name](sessions::ActionRecord&) {
    return Work{{[this, rt, host_name]() -> Status {
                  return host_name.empty() ? reset_lab(rt) : reset_host(*rt, host_name);
                }},
                nullptr};
  });
}

Result<sessions::ActionRecord> TrainerActions::move(const std::string& session,
                                                    const std::string& candidate,
                                                    const std::string& actor) {
  auto opened = labs_.open_store();
  if (!opened.ok()) return std::move(opened).error();
  ATELIER_RETURN_IF_ERROR(check_lab(*opened, session, candidate));
  auto rt = labs_.find_lab(session, candidate);
  if (!rt)
    return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not placed yet");
  // This process's placement, else the store's (a lab that failed before a restart).
  auto stored = opened->get_candidate_lab(session, candidate);
  if (!stored.ok()) return std::move(stored).error();
  std::string from = stored->host.value_or("");
  {
    std::lock_guard g(rt->state);
    if (!rt->host.empty()) from = rt->host;
    if (rt->busy)
      return Error(ErrorCode::kFailedPrecondition,
                   "the lab of " + candidate + " is being provisioned");
  }
  if (from.empty())
    return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not placed yet");
  log_failure(labs_,
              opened->append_audit({0, store::Clock::now(), actor, "lab.move",
                                    "candidate " + session + "/" + candidate, "from host " + from}),
              "audit entry not stored", "action=lab.move");
  sessions::ActionRecord rec;
  rec.kind = sessions::ActionKind::kReset;
  rec.session = session;
  rec.candidates = {candidate};
  return start_action(rec, [this, rt, from](sessions::ActionRecord&) {
    return Work{{[this, rt, from]() -> Status { return move_lab(rt, from); }}, nullptr};
  });
}

Status TrainerActions::reset_lab(const std::shared_ptr<LabRuntime>& rt) {
  auto st = labs_.open_store();
  if (!st.ok()) return std::move(st).error();
  store::Store& store = *st;
  // From the hosts' hand-over snapshots when they all have one; else torn down and built again.
  if (restore_lab(*rt, store)) return ok_status();
  const std::string who = "session=" + rt->session + " candidate=" + rt->candidate;
  {
    // Torn down and provisioned again (the hand-over time is kept).
    std::lock_guard op(rt->op);
    std::lock_guard g(rt->state);
    rt->busy = true;
    rt->ready = false;
    rt->attempts = 0;
    rt->retry_at = {};
    if (rt->lab) {
      log_failure(labs_, rt->lab->destroy(), "reset: the lab's objects not all removed", who);
    } else if (provider::Provider* p = labs_.provider_of(rt->host)) {
      // Never planned (it failed early): remove by owner.
      log_failure(labs_, p->destroy_candidate(rt->session, rt->candidate),
                  "reset: the lab's objects not all removed", who);
    }
    rt->lab.reset();
    rt->model.reset();
    Status restarted = restart_record(store, *rt, std::nullopt);
    if (!restarted.ok()) {
      rt->busy = false;  // the loop takes it up again
      return restarted;
    }
  }
  return provision_until_ready(store, rt);
}

Status TrainerActions::restart_record(store::Store& store, const LabRuntime& rt,
                                      const std::optional<std::string>& host) {
  return update_lab(store, rt.session, rt.candidate, [&host](store::CandidateLabRecord& r) {
    if (host) r.host = *host;
    r.status = LabStatus::kProvisioning;
    r.error.clear();
    for (auto& s : r.steps) s = StepState::kPending;
  });
}

Status TrainerActions::provision_until_ready(store::Store& store,
                                             const std::shared_ptr<LabRuntime>& rt) {
  labs_.provision(rt);
  std::lock_guard g(rt->state);
  if (!rt->ready) {
    auto now = store.get_candidate_lab(rt->session, rt->candidate);
    return Error(ErrorCode::kUnavailable, now.ok() ? now->error : "provisioning failed");
  }
  return ok_status();
}

Status TrainerActions::reset_host(LabRuntime& rt, const std::string& host_name) {
  auto st = labs_.open_store();
  if (!st.ok()) return std::move(st).error();
  store::Store& store = *st;
  std::lock_guard op(rt.op);
  {
    std::lock_guard g(rt.state);
    if (!rt.lab || !rt.model)
      return Error(ErrorCode::kFailedPrecondition, "the lab is not planned");
    rt.ready = false;
  }
  ATELIER_RETURN_IF_ERROR(
      update_lab(store, rt.session, rt.candidate,
                 [](store::CandidateLabRecord& r) { r.status = LabStatus::kProvisioning; }));
  const lab::Lab& full = *rt.model;
  const lab::Lab only = provisioning::only_host(full, host_name);
  const auto incidents = provisioning::incident_steps(full, host_name);
  const std::string who = "session=" + rt.session + " candidate=" + rt.candidate;
  Status done = back_to_handover(*rt.lab, only, host_name, who);
  if (done.ok()) {  // the agent that answered is the accepted one (agent_instances.h)
    log_failure(
        labs_,
        save_agent_instances(store, rt.session, rt.candidate, known_instances(*rt.lab, only)),
        "agent instances not stored after a host reset", who);
  }
  if (done.ok()) done = provisioning::apply_steps(*rt.lab, full, incidents, nullptr);
  log_failure(labs_,
              update_lab(store, rt.session, rt.candidate,
                         [&](store::CandidateLabRecord& r) {
                           r.status = done.ok() ? LabStatus::kReady : LabStatus::kFailed;
                           r.error = done.ok() ? "" : done.error().to_string();
                         }),
              "lab status not stored after a host reset",
              "session=" + rt.session + " candidate=" + rt.candidate);
  std::lock_guard g(rt.state);
  rt.ready = done.ok();
  return done;
}

// ---------------------------------------------------------------------------------------------
// solve, access

Result<sessions::ActionRecord> TrainerActions::solve(const std::string& session,
                                                     const std::string& candidate,
                                                     const std::string& actor) {
  auto opened = labs_.open_store();
  if (!opened.ok()) return std::move(opened).error();
  ATELIER_RETURN_IF_ERROR(check_lab(*opened, session, candidate));
  auto rt = labs_.find_lab(session, candidate);
  if (!rt)
    return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not ready");
  {
    std::lock_guard g(rt->state);
    if (!rt->ready || !rt->lab)
      return Error(ErrorCode::kFailedPrecondition, "the lab of " + candidate + " is not ready");
  }
  log_failure(labs_,
              opened->append_audit({0, store::Clock::now(), actor, "lab.solve",
                                    "candidate " + session + "/" + candidate,
                                    "reference solution applied"}),
              "audit entry not stored", "action=lab.solve");
  sessions::ActionRecord rec;
  rec.kind = sessions::ActionKind::kSolve;
  rec.session = session;
  rec.candidates = {candidate};
  return start_action(rec, [rt](sessions::ActionRecord&) {
    return Work{{[rt]() -> Status {
                  std::lock_guard op(rt->op);
                  if (!rt->lab || !rt->model)
                    return Error(ErrorCode::kFailedPrecondition, "the lab is gone");
                  Status st = provisioning::apply_steps(
                      *rt->lab, *rt->model, provisioning::solution_steps(*rt->model), nullptr);
                  if (!st.ok())
                    return std::move(st).error().context("solve the lab of " + rt->candidate);
                  return st;
                }},
                nullptr};
  });
}

Result<sessions::LabAccess> TrainerActions::access(const std::string& session,
                                                   const std::string& candidate) {
  auto rt = labs_.find_lab(session, candidate);
  if (!rt) return Error(ErrorCode::kNotFound, "the lab of " + candidate + " is not placed yet");
  std::lock_guard g(rt->state);
  if (!rt->lab || !rt->model)
    return Error(ErrorCode::kNotFound, "the lab of " + candidate + " is not planned yet");
  sessions::LabAccess out;
  out.host = rt->host;
  const std::string uri = labs_.uri_of(rt->host);
  for (const auto& hp : rt->lab->plan().hosts) {
    sessions::HostAccess a;
    a.name = hp.name;
    a.domain = provider::libvirt_name(hp.domain.ref);
    a.uri = uri;
    a.console_log = hp.domain.console.log_path;
    a.console = hp.domain.console.kind == provider::SerialConsole::Kind::kPty
                    ? "virsh -c " + uri + " console " + a.domain
                    : "log: " + a.console_log;
    for (const auto& x : rt->model->hosts) {
      if (x.name != hp.name) continue;
      for (const auto& n : x.nics) a.addresses.emplace_back(n.network, n.address.to_string());
    }
    a.ssh_user = "root";
    a.ssh_password = rt->root_password;
    out.hosts.push_back(std::move(a));
  }
  out.note =
      "lab networks are isolated from the hypervisor host: ssh root@ADDRESS from another host of "
      "the "
      "same lab (its console), or use the console";
  return out;
}

// ---------------------------------------------------------------------------------------------
// check runs

Result<std::vector<std::shared_ptr<LabRuntime>>> TrainerActions::check_targets(
    store::Store& store, const std::string& session, const std::optional<std::string>& candidate) {
  auto s = store.get_session(session);
  if (!s.ok()) return std::move(s).error();
  if (s->desired == store::DesiredState::kDestroyed) {
    return Error(ErrorCode::kFailedPrecondition, "session " + session + " is destroyed");
  }
  std::vector<std::shared_ptr<LabRuntime>> targets;
  if (candidate) {
    ATELIER_RETURN_IF_ERROR(check_lab(store, session, *candidate));
    auto rt = labs_.find_lab(session, *candidate);
    bool ready = false;
    if (rt) {
      std::lock_guard g(rt->state);
      ready = rt->ready && rt->lab;
    }
    if (!ready)
      return Error(ErrorCode::kFailedPrecondition, "the lab of " + *candidate + " is not ready");
    targets.push_back(rt);
    return targets;
  }
  auto labs = store.list_candidate_labs(session);
  if (!labs.ok()) return std::move(labs).error();
  for (const auto& l : *labs) {
    auto rt = labs_.find_lab(session, l.candidate);
    if (!rt) continue;
    std::lock_guard g(rt->state);
    if (rt->ready && rt->lab) targets.push_back(rt);
  }
  if (targets.empty())
    return Error(ErrorCode::kFailedPrecondition, "no lab of session " + session + " is ready");
  return targets;
}

Result<sessions::ActionRecord> TrainerActions::check_run(
    const std::string& session, const std::optional<std::string>& candidate,
    const std::string& actor) {
  auto opened = labs_.open_store();
  if (!opened.ok()) return std::move(opened).error();
  auto found = check_targets(*opened, session, candidate);
  if (!found.ok()) return std::move(found).error();
  auto targets = std::move(*found);
  sessions::ActionRecord rec;
  rec.kind = sessions::ActionKind::kCheckRun;
  rec.session = session;
  for (auto& t : targets) rec.candidates.push_back(t->candidate);
  if (!scheduled(actor)) {
    log_failure(
        labs_,
        opened->append_audit({0, store::Clock::now(), actor, "checks.run", "session " + session,
                              candidate ? "candidate " + *candidate : "every ready lab"}),
        "audit entry not stored", "action=checks.run");
  }
  // Labs in parallel, one job each: each lab has its own agents.
  auto make = [this, targets, actor](sessions::ActionRecord& record) {
    record.run_id = "run-" + record.id;
    auto verdicts =
        std::make_shared<std::vector<std::vector<sessions::TaskVerdict>>>(targets.size());
    Work work;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      work.parts.push_back(
          [this, rt = targets[i], run_id = record.run_id, actor, verdicts, i]() -> Status {
            auto own = labs_.open_store();
            if (!own.ok()) return std::move(own).error();
            return run_checks_on(*own, *rt, run_id, actor, (*verdicts)[i]);
          });
    }
    work.conclude = [this, targets, verdicts](sessions::ActionRecord& done) {
      for (std::size_t i = 0; i < targets.size(); ++i) {
        done.verdicts.insert(done.verdicts.end(), (*verdicts)[i].begin(), (*verdicts)[i].end());
        std::lock_guard g(targets[i]->state);
        targets[i]->last_check = labs_.now();
      }
    };
    return work;
  };
  return start_action(rec, make, scheduled(actor) ? Recorded::kNo : Recorded::kYes);
}

Status TrainerActions::run_checks_on(store::Store& store, LabRuntime& rt, const std::string& run_id,
                                     const std::string& actor,
                                     std::vector<sessions::TaskVerdict>& verdicts) {
  std::lock_guard op(rt.op);
  if (!rt.lab || !rt.model)
    return Error(ErrorCode::kFailedPrecondition, "the lab of " + rt.candidate + " is gone");
  const lab::Lab& model = *rt.model;
  auto started = store::Clock::now();
  // A run belongs to one candidate (grading keys runs by id across the session).
  const std::string candidate_run = run_id + "-" + rt.candidate;
  auto outcomes = provisioning::run_checks(*rt.lab, model, candidate_run, options_.check_timeout);
  if (!outcomes.ok()) return std::move(outcomes).error().context("checks of " + rt.candidate);
  // The instances as they answered: a restart is evidence once, in this run (agent_instances.h).
  // Not kept is logged, not a reason to lose the run's results.
  log_failure(
      labs_, save_agent_instances(store, rt.session, rt.candidate, known_instances(*rt.lab, model)),
      "agent instances not stored after a check run",
      "session=" + rt.session + " candidate=" + rt.candidate);
  auto finished = store::Clock::now();
  for (const auto& o : *outcomes) {
    const lab::Task* task = nullptr;
    for (const auto& t : model.tasks) {
      if (t.id == o.task) task = &t;
    }
    sessions::TaskVerdict v{rt.candidate, o.task, o.passed, static_cast<int>(o.results.size()), 0};
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
        case protocol::CheckStatus::kPass:
          rec.status = "pass";
          break;
        case protocol::CheckStatus::kFail:
          rec.status = "fail";
          break;
        default:
          rec.status = "error";
          break;
      }
      // Stored as the agent said, with the evidence beside it: a tampered pass is no pass.
      rec.integrity = i < o.integrity.size() ? o.integrity[i] : "";
      if (rec.status != "pass" || !rec.integrity.empty()) v.failed++;
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

}  // namespace atelier::reconciler
