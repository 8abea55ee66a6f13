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

std::string recipe_path(const lab::Lab& lab, const std::string& recipe) {
  return (lab.recipes_root / (recipe + ".yaml")).string();
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
  auto loaded = recipes::load_recipe_file(recipe_path(lab, recipe));
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
  if (report.failed()) return Error(ErrorCode::kFailedPrecondition, first_failure(report)).context(what);
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

std::vector<RecipeStep> solution_steps(const lab::Lab& lab) {
  std::vector<RecipeStep> steps;
  for (const auto& s : lab.solution) steps.push_back({s.recipe, s.on, s.with});
  return steps;
}

Result<std::vector<TaskOutcome>> run_checks(CandidateLab& lab_run, const lab::Lab& lab,
                                            const std::string& run_id,
                                            std::chrono::milliseconds timeout) {
  // Where each check of each task goes: host -> bundle, and back.
  struct Slot {
    std::size_t task;
    std::size_t check;
  };
  std::map<std::string, protocol::RunChecks> bundles;
  std::map<std::string, std::vector<Slot>> slots;
  std::vector<TaskOutcome> outcomes(lab.tasks.size());
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    const lab::Task& task = lab.tasks[t];
    outcomes[t].task = task.id;
    outcomes[t].results.resize(task.checks.size());
    for (std::size_t c = 0; c < task.checks.size(); ++c) {
      const checks::Check& check = task.checks[c];
      if (lab.host(check.on) == nullptr) {
        return Error(ErrorCode::kInvalidArgument, "task " + task.id + " has a check on unknown host \"" +
                                                      check.on + "\"");
      }
      auto& bundle = bundles[check.on];
      bundle.bundle_id = run_id + "/" + check.on;
      bundle.checks.push_back(check);
      slots[check.on].push_back({t, c});
    }
  }

  std::map<std::string, std::future<Result<protocol::Results>>> replies;
  for (auto& [host, bundle] : bundles) {
    protocol::AgentClient* agent = lab_run.agent(host);
    replies[host] = std::async(std::launch::async, [agent, &bundle, timeout, host = host]() {
      if (agent == nullptr) {
        return Result<protocol::Results>(
            Error(ErrorCode::kUnavailable, "the agent of host " + host + " is not connected"));
      }
      auto r = agent->run_checks(bundle, timeout);
      if (r.ok()) (void)agent->ack(*r);  // results are kept by the caller; a lost ack only resends
      return r;
    });
  }

  for (auto& [host, reply] : replies) {
    auto results = reply.get();
    const auto& host_slots = slots[host];
    for (std::size_t i = 0; i < host_slots.size(); ++i) {
      const Slot& s = host_slots[i];
      protocol::CheckResult& out = outcomes[s.task].results[s.check];
      const checks::Check& check = lab.tasks[s.task].checks[s.check];
      if (results.ok() && i < results->results.size()) {
        out = results->results[i];
      } else {
        out.result_id = run_id + "/" + host + "/" + std::to_string(i);
        out.index = i;
        out.kind = checks::kind_name(check.kind);
        out.description = check.description;
        out.status = protocol::CheckStatus::kError;
        out.observed = results.ok() ? "the agent returned no result for this check"
                                    : results.error().to_string();
      }
    }
  }
  for (auto& o : outcomes) {
    o.passed = !o.results.empty();
    for (const auto& r : o.results) {
      if (r.status != protocol::CheckStatus::kPass) o.passed = false;
    }
  }
  return outcomes;
}

}  // namespace atelier::provisioning
