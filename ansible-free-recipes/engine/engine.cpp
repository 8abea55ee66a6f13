// Engine: facts, rendering of each step's texts per host, when:, ops, handlers, thread pool.
#include "ansible-free-recipes/engine/engine.h"

#include <atomic>
#include <sstream>
#include <thread>

#include "ansible-free-recipes/engine/mustache.h"

namespace atelier::recipes {

std::string Summary::to_string() const {
  return "ok=" + std::to_string(ok) + " changed=" + std::to_string(changed) +
         " failed=" + std::to_string(failed) + " skipped=" + std::to_string(skipped);
}

Summary& Summary::operator+=(const Summary& o) {
  ok += o.ok;
  changed += o.changed;
  failed += o.failed;
  skipped += o.skipped;
  return *this;
}

namespace {

std::string line_of(const std::string& text, size_t n) {
  std::istringstream in(text);
  std::string l;
  for (size_t i = 0; i <= n && std::getline(in, l); ++i) {
    if (i == n) return l;
  }
  return "";
}

const char* transport_name(transport::TransportKind k) {
  switch (k) {
    case transport::TransportKind::kLocal:
      return "local";
    case transport::TransportKind::kChroot:
      return "chroot";
    case transport::TransportKind::kSsh:
      return "ssh";
    case transport::TransportKind::kAgent:
      return "agent";
  }
  return "?";
}

// Renders every text of the op against the context; template files become the op's content.
Result<Op> render_op(const Step& step, const Value& context) {
  Op op = step.op;
  std::optional<Error> err;
  std::visit(
      [&](auto& o) {
        o.for_each_text([&](std::string& text) {
          if (err || text.find("{{") == std::string::npos) return;
          auto r = render_string(text, context);
          if (!r.ok())
            err = std::move(r).error();
          else
            text = std::move(r).value();
        });
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, FileOp> || std::is_same_v<T, NftOp>) {
          if (!err && o.template_text) {
            auto t = Template::parse(*o.template_text);
            auto r = t.ok() ? t->render(context) : Result<std::string>(t.error());
            if (!r.ok())
              err = std::move(r).error().context("template " + o.template_file.value_or("?"));
            else
              o.content = std::move(r).value();
          }
        }
      },
      op);
  if (err) return std::move(*err).context("render arguments");
  return op;
}

StepReport run_step(const Step& step, bool handler, transport::Transport& t, const ValueMap& facts,
                    Value& context, bool dry_run) {
  StepReport rep;
  rep.name = step.name;
  if (rep.name.find("{{") != std::string::npos) {
    if (auto n = render_string(rep.name, context); n.ok()) rep.name = std::move(n).value();
  }
  rep.op = op_name(step.op);
  rep.handler = handler;
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](StepStatus s, std::string msg, std::string diff = "") {
    rep.status = s;
    rep.message = std::move(msg);
    rep.diff = std::move(diff);
    rep.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return rep;
  };
  if (step.when) {
    auto w = step.when->evaluate(context);
    if (!w.ok()) return finish(StepStatus::kFailed, w.error().to_string());
    if (!*w) return finish(StepStatus::kSkipped, "when: " + step.when->text());
  }
  auto op = render_op(step, context);
  if (!op.ok()) return finish(StepStatus::kFailed, op.error().to_string());
  OpEnv env{t, dry_run, facts};
  OpResult r = apply_op(*op, env);
  if (step.register_as) {
    ValueMap reg;
    reg["changed"] = Value(r.status == StepStatus::kChanged);
    reg["failed"] = Value(r.status == StepStatus::kFailed);
    reg["status"] = Value(std::string(to_string(r.status)));
    reg["rc"] = Value(static_cast<int64_t>(r.output ? r.output->exit_code : 0));
    reg["stdout"] = Value(r.output ? r.output->stdout_text : std::string());
    reg["stderr"] = Value(r.output ? r.output->stderr_text : std::string());
    std::get<ValueMap>(context.v)[*step.register_as] = Value(std::move(reg));
  }
  return finish(r.status, r.message, r.diff);
}

void count(Summary& s, StepStatus st) {
  switch (st) {
    case StepStatus::kOk:
      ++s.ok;
      break;
    case StepStatus::kChanged:
      ++s.changed;
      break;
    case StepStatus::kFailed:
      ++s.failed;
      break;
    case StepStatus::kSkipped:
      ++s.skipped;
      break;
  }
}

}  // namespace

Result<ValueMap> gather_facts(transport::Transport& t) {
  auto r = t.exec(
      "uname -m 2>/dev/null || echo; id -u 2>/dev/null || echo; "
      "cat /etc/hostname 2>/dev/null | head -n 1 || echo; "
      "if [ -d /run/systemd/system ]; then echo systemd; else echo none; fi",
      std::chrono::seconds(60));
  if (!r.ok()) return std::move(r).error().context("gather facts");
  if (r->exit_code != 0) {
    return Error(ErrorCode::kFailedPrecondition, "cannot run /bin/sh on the target (exit " +
                                                     std::to_string(r->exit_code) +
                                                     "): " + r->stderr_text)
        .context("gather facts");
  }
  ValueMap f;
  f["arch"] = Value(line_of(r->stdout_text, 0));
  f["uid"] = Value(line_of(r->stdout_text, 1));
  f["hostname"] = Value(line_of(r->stdout_text, 2));
  f["init"] = Value(line_of(r->stdout_text, 3));
  f["transport"] = Value(std::string(transport_name(t.kind())));
  f["os"] = Value("");
  f["os_version"] = Value("");
  f["os_codename"] = Value("");
  auto osr = t.get_file("/etc/os-release");
  if (!osr.ok()) osr = t.get_file("/usr/lib/os-release");
  if (osr.ok()) {
    std::istringstream in(*osr);
    std::string l;
    while (std::getline(in, l)) {
      auto eq = l.find('=');
      if (eq == std::string::npos) continue;
      std::string k = l.substr(0, eq), v = l.substr(eq + 1);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
      if (k == "ID") f["os"] = Value(v);
      if (k == "VERSION_ID") f["os_version"] = Value(v);
      if (k == "VERSION_CODENAME") f["os_codename"] = Value(v);
    }
  }
  return f;
}

HostReport run_recipe(const Recipe& recipe, transport::Transport& t, const RunOptions& options) {
  HostReport rep;
  rep.target = t.describe();
  auto start = std::chrono::steady_clock::now();
  auto facts = gather_facts(t);
  if (!facts.ok()) {
    rep.error = std::move(facts).error();
    return rep;
  }
  rep.facts = *facts;
  ValueMap ctx_map = options.params;
  ctx_map["facts"] = Value(*facts);
  Value context(std::move(ctx_map));

  std::vector<bool> notified(recipe.handlers.size(), false);
  bool stop = false;
  for (const auto& step : recipe.steps) {
    auto s = run_step(step, false, t, *facts, context, options.dry_run);
    count(rep.summary, s.status);
    if (s.status == StepStatus::kChanged) {
      for (const auto& n : step.notify) {
        for (size_t i = 0; i < recipe.handlers.size(); ++i) {
          if (recipe.handlers[i].first == n) notified[i] = true;
        }
      }
    }
    stop = s.status == StepStatus::kFailed;
    rep.steps.push_back(std::move(s));
    if (stop) break;
  }
  if (!stop) {
    for (size_t i = 0; i < recipe.handlers.size(); ++i) {
      if (!notified[i]) continue;
      auto s = run_step(recipe.handlers[i].second, true, t, *facts, context, options.dry_run);
      count(rep.summary, s.status);
      rep.steps.push_back(std::move(s));
    }
  }
  rep.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return rep;
}

std::vector<HostReport> run_on_hosts(const Recipe& recipe, const std::vector<HostTarget>& hosts,
                                     const RunOptions& options, size_t parallel) {
  std::vector<HostReport> reports(hosts.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < hosts.size(); i = next++) {
      auto start = std::chrono::steady_clock::now();
      auto t = hosts[i].open();
      if (!t.ok()) {
        reports[i].target = hosts[i].name;
        reports[i].error = std::move(t).error();
      } else {
        reports[i] = run_recipe(recipe, **t, options);
      }
      reports[i].elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
    }
  };
  size_t n = std::max<size_t>(1, std::min(parallel, hosts.size()));
  std::vector<std::thread> pool;
  for (size_t i = 0; i < n; ++i) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  return reports;
}

}  // namespace atelier::recipes
