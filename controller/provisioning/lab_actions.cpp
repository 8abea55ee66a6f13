// Roles, incidents, solutions and checks run inside a candidate lab through its agents.
#include "controller/provisioning/lab_actions.h"

#include <yaml-cpp/yaml.h>

#include <future>
#include <map>

#include "ansible-free-recipes/engine/loader.h"
#include "ansible-free-recipes/transport/agent_transport.h"

namespace atelier::provisioning {

namespace {

void emit(YAML::Emitter& out, const lab::Value& v) {
  switch (v.type) {
    case lab::Value::Type::kNull:
      out << YAML::Null;
      break;
    case lab::Value::Type::kScalar:
      out << v.scalar;
      break;
    case lab::Value::Type::kList:
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& item : v.items) emit(out, item);
      out << YAML::EndSeq;
      break;
    case lab::Value::Type::kMap:
      out << YAML::Flow << YAML::BeginMap;
      for (const auto& f : v.fields) {
        out << YAML::Key << f.name << YAML::Value;
        emit(out, f.value);
      }
      out << YAML::EndMap;
      break;
  }
}

// Describes the first failure of a host report: the step and its message.
std::string first_failure(const recipes::HostReport& report) {
  if (report.error) return report.error->to_string();
  for (const auto& s : report.steps) {
    if (s.status == recipes::StepStatus::kFailed) {
      return "step \"" + s.name + "\" (" + s.op + ") failed: " + s.message;
    }
  }
  return "failed";
}

// Loads `recipe`, binds the params it declares from `args` (others are ignored when `lenient`,
// errors otherwise), and runs it on `host` through its agent.
Result<recipes::HostReport> run_one(CandidateLab& lab_run, const lab::Lab& lab,
                                    const std::string& recipe, const std::string& host,
                                    const lab::Params& args, bool lenient) {
  const std::string what = "run recipe " + recipe + " on " + host;
  // Beneath the recipes folder: a symlink out of it is refused, never run on a candidate's VM.
  auto loaded = recipes::load_recipe_beneath(lab.recipes_root, recipe + ".yaml");
  if (!loaded.ok()) return std::move(loaded).error().context(what);
  std::map<std::string, std::string> vars;
  for (const auto& p : args) {
    if (lenient && loaded->params.count(p.name) == 0) continue;
    vars[p.name] = value_text(p.value);
  }
  auto params = recipes::bind_params(*loaded, vars);
  if (!params.ok()) return std::move(params).error().context(what);
  protocol::AgentClient* agent = lab_run.agent(host);
  if (agent == nullptr) {
    return Error(ErrorCode::kUnavailable, "the agent of host " + host + " is not connected")
        .context(what);
  }
  transport::AgentTransport t(*agent, "agent://" + lab_run.plan().candidate + "/" + host);
  recipes::RunOptions options;
  options.params = std::move(*params);
  recipes::HostReport report = recipes::run_recipe(*loaded, t, options);
  // A host that could not be reached (no facts, a channel that failed) may answer on a retry:
  // kUnavailable. A step that failed is the recipe's verdict on the host: kFailedPrecondition.
  if (report.error) return Error(ErrorCode::kUnavailable, report.error->to_string()).context(what);
  if (report.failed())
    return Error(ErrorCode::kFailedPrecondition, first_failure(report)).context(what);
  return report;
}

}  // namespace

std::string value_text(const lab::Value& value) {
  if (value.type == lab::Value::Type::kScalar) return value.scalar;
  YAML::Emitter out;
  emit(out, value);
  return out.c_str();
}

Status apply_roles(CandidateLab& lab_run, const lab::Lab& lab, std::vector<StepOutcome>* outcomes) {
  std::vector<std::future<Result<std::vector<StepOutcome>>>> runs;
  for (const auto& host : lab.hosts) {
    runs.push_back(std::async(std::launch::async, [&lab_run, &lab, &host]() {
      std::vector<StepOutcome> done;
      for (const auto& role : host.roles) {
        auto r = run_one(lab_run, lab, "roles/" + role, host.name, host.vars, /*lenient=*/true);
        if (!r.ok()) return Result<std::vector<StepOutcome>>(std::move(r).error());
        done.push_back({"roles/" + role, host.name, std::move(*r)});
      }
      return Result<std::vector<StepOutcome>>(std::move(done));
    }));
  }
  Status first;
  for (auto& run : runs) {
    auto r = run.get();
    if (!r.ok()) {
      if (first.ok()) first = std::move(r).error();
      continue;
    }
    if (outcomes) outcomes->insert(outcomes->end(), r->begin(), r->end());
  }
  return first;
}

Status apply_steps(CandidateLab& lab_run, const lab::Lab& lab, const std::vector<RecipeStep>& steps,
                   std::vector<StepOutcome>* outcomes) {
  for (const auto& step : steps) {
    auto r = run_one(lab_run, lab, step.recipe, step.on, step.with, /*lenient=*/false);
    if (!r.ok()) return std::move(r).error();
    if (outcomes) outcomes->push_back({step.recipe, step.on, std::move(*r)});
  }
  return ok_status();
}

std::vector<RecipeStep> incident_steps(const lab::Lab& lab) {
  std::vector<RecipeStep> steps;
  for (const auto& i : lab.incidents) steps.push_back({i.recipe, i.on, i.with});
  return steps;
}

std::vector<RecipeStep> incident_steps(const lab::Lab& lab, std::string_view host) {
  std::vector<RecipeStep> steps;
  for (const auto& i : lab.incidents) {
    if (i.on == host) steps.push_back({i.recipe, i.on, i.with});
  }
  return steps;
}

lab::Lab only_host(const lab::Lab& lab, std::string_view host) {
  lab::Lab only = lab;
  only.hosts.clear();
  for (const auto& h : lab.hosts) {
    if (h.name == host) only.hosts.push_back(h);
  }
  return only;
}

std::vector<RecipeStep> solution_steps(const lab::Lab& lab) {
  std::vector<RecipeStep> steps;
  for (const auto& s : lab.solution) steps.push_back({s.recipe, s.on, s.with});
  return steps;
}

namespace {

// Where each check of each task goes: host -> bundle, and back.
struct Slot {
  std::size_t task;
  std::size_t check;
};
struct HostChecks {
  protocol::RunChecks bundle;
  std::vector<Slot> slots;  // slots[i]: the task's check that is the bundle's i-th real check
};

Result<std::map<std::string, HostChecks>> bundle_by_host(const lab::Lab& lab,
                                                         const std::string& run_id) {
  std::map<std::string, HostChecks> hosts;
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    const lab::Task& task = lab.tasks[t];
    for (std::size_t c = 0; c < task.checks.size(); ++c) {
      const checks::Check& check = task.checks[c];
      if (lab.host(check.on) == nullptr && check.on != lab::kGraderHost) {
        return Error(ErrorCode::kInvalidArgument,
                     "task " + task.id + " has a check on unknown host \"" + check.on + "\"");
      }
      auto& h = hosts[check.on];
      h.bundle.bundle_id = run_id + "/" + check.on;
      h.bundle.checks.push_back(check);
      h.slots.push_back({t, c});
    }
  }
  return hosts;
}

// One host's exchange for a run: its hello (its instance), then its bundle, timed, with the
// malformed frames the channel saw meanwhile. Judged by verify_exchange.
HostExchange exchange_with(protocol::AgentClient* agent, const std::string& host,
                           const protocol::RunChecks& bundle, std::chrono::milliseconds timeout,
                           std::optional<protocol::AgentInstance> known) {
  HostExchange ex;
  ex.known = std::move(known);
  if (agent == nullptr) {
    ex.hello = Error(ErrorCode::kUnavailable, "the agent of host " + host + " is not connected");
    return ex;
  }
  const auto before = agent->malformed();
  const auto start = std::chrono::steady_clock::now();
  auto hello = agent->request(protocol::HelloRequest{}, timeout);
  if (!hello.ok()) {
    ex.hello = std::move(hello).error().context("ask the agent of host " + host + " for its hello");
  } else if (auto* h = std::get_if<protocol::Hello>(&*hello)) {
    ex.hello = std::move(*h);
  } else {
    ex.hello = Error(ErrorCode::kInvalidArgument, std::string("the agent answered hello_request "
                                                              "with a \"") +
                                                      protocol::type_name(*hello) + "\" message");
  }
  if (ex.hello.ok()) {
    ex.reply = agent->request(bundle, timeout);
    if (ex.reply.ok()) {
      // Results are kept by the caller; a lost ack only makes the agent resend them.
      if (auto* r = std::get_if<protocol::Results>(&*ex.reply)) (void)agent->ack(*r);
    } else {
      ex.reply = std::move(ex.reply).error().context("run the check bundle on host " + host);
    }
  }
  ex.waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const auto after = agent->malformed();
  ex.malformed_frames = after.count - before.count;
  ex.last_malformed = after.last;
  return ex;
}

// The grader's results in their tasks' slots; when it could not run, each of its checks is an
// `error` result saying why (the task then fails, like one whose agent is silent).
void place_grader_results(Result<protocol::Results> answer, const std::vector<Slot>& slots,
                          const lab::Lab& lab, const std::string& run_id,
                          std::vector<TaskOutcome>& outcomes) {
  for (std::size_t i = 0; i < slots.size(); ++i) {
    protocol::CheckResult r;
    if (answer.ok()) {
      r = std::move(answer->results[i]);
    } else {
      const checks::Check& check = lab.tasks[slots[i].task].checks[slots[i].check];
      r.result_id = run_id + "/" + lab::kGraderHost + "/" + std::to_string(i);
      r.index = i;
      r.kind = checks::kind_name(check.kind);
      r.description = check.description;
      r.status = protocol::CheckStatus::kError;
      r.observed = answer.error().to_string();
    }
    outcomes[slots[i].task].results[slots[i].check] = std::move(r);
  }
}

}  // namespace

Result<std::vector<TaskOutcome>> run_checks(CandidateLab& lab_run, const lab::Lab& lab,
                                            const std::string& run_id,
                                            std::chrono::milliseconds timeout) {
  KnownInstances known;
  for (const auto& host : lab.hosts) known[host.name] = lab_run.known_instance(host.name);
  const auto& plan = lab_run.plan();
  GraderRun grader = [&](const protocol::RunChecks& bundle, std::chrono::milliseconds t) {
    return lab_run.run_grader(grader_spec(lab, plan.session, plan.candidate), bundle, t);
  };
  auto outcomes = run_checks([&lab_run](const std::string& host) { return lab_run.agent(host); },
                             lab, run_id, timeout, random_source(), known, grader);
  for (const auto& [host, instance] : known) lab_run.remember_instance(host, instance);
  return outcomes;
}

Result<std::vector<TaskOutcome>> run_checks(const AgentLookup& agents, const lab::Lab& lab,
                                            const std::string& run_id,
                                            std::chrono::milliseconds timeout,
                                            const RandomSource& random, KnownInstances& known,
                                            const GraderRun& grader) {
  auto by_host = bundle_by_host(lab, run_id);
  if (!by_host.ok()) return std::move(by_host).error();
  std::vector<TaskOutcome> outcomes(lab.tasks.size());
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    outcomes[t].task = lab.tasks[t].id;
    outcomes[t].results.resize(lab.tasks[t].checks.size());
    outcomes[t].integrity.resize(lab.tasks[t].checks.size());
  }
  // The grader's bundle runs beside the agents', without decoys (atelierd runs the grader).
  std::future<Result<protocol::Results>> from_grader;
  std::vector<Slot> grader_slots;
  if (auto it = by_host->find(lab::kGraderHost); it != by_host->end()) {
    grader_slots = it->second.slots;
    from_grader = std::async(std::launch::async, [&grader, bundle = it->second.bundle, timeout]() {
      return grader ? grader(bundle, timeout)
                    : Result<protocol::Results>(Error(ErrorCode::kFailedPrecondition,
                                                      "no grader endpoint where this lab runs"));
    });
    by_host->erase(it);
  }
  std::map<std::string, DecoyedBundle> sent;
  for (auto& [host, h] : *by_host) sent[host] = add_decoys(h.bundle, random);

  std::map<std::string, std::future<HostExchange>> replies;
  for (auto& [host, decoyed] : sent) {
    protocol::AgentClient* agent = agents(host);
    auto it = known.find(host);
    std::optional<protocol::AgentInstance> last = it == known.end() ? std::nullopt : it->second;
    // A pointer, not the binding: clang 14 (clang-tidy's parser) cannot capture a structured
    // binding, and `sent` outlives every reply.
    const auto* bundle = &decoyed.bundle;
    replies[host] = std::async(std::launch::async, [agent, bundle, timeout, host = host, last]() {
      return exchange_with(agent, host, *bundle, timeout, last);
    });
  }

  for (auto& [host, reply] : replies) {
    const auto& slots = (*by_host)[host].slots;
    const HostExchange exchange = reply.get();
    // Remembered as it answered: a restart is evidence in the run that first sees it. An agent
    // that reports no instance does not erase the last one (it stays evidence every run).
    if (exchange.hello.ok() && exchange.hello->instance) known[host] = exchange.hello->instance;
    VerifiedResults verified = verify_exchange(sent[host], exchange);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      outcomes[slots[i].task].results[slots[i].check] = std::move(verified.results[i]);
      outcomes[slots[i].task].integrity[slots[i].check] = verified.integrity;
    }
  }
  if (from_grader.valid())
    place_grader_results(from_grader.get(), grader_slots, lab, run_id, outcomes);
  for (auto& o : outcomes) {
    o.passed = !o.results.empty();
    for (std::size_t i = 0; i < o.results.size(); ++i) {
      if (o.results[i].status != protocol::CheckStatus::kPass || !o.integrity[i].empty())
        o.passed = false;
    }
  }
  return outcomes;
}

}  // namespace atelier::provisioning
