// The engine: runs a recipe on one host (facts first, steps in order, notified handlers once at
// the end) or on many hosts in parallel with a bound. Reports per step and a summary.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ansible-free-recipes/engine/ops/ops.h"
#include "ansible-free-recipes/engine/recipe.h"
#include "ansible-free-recipes/transport/transport.h"

namespace atelier::recipes {

struct RunOptions {
  bool dry_run = false;
  ValueMap params;  // from bind_params()
};

struct StepReport {
  std::string name;
  std::string op;  // "file"
  bool handler = false;
  StepStatus status = StepStatus::kOk;
  std::string message;
  std::string diff;
  std::chrono::milliseconds elapsed{0};
};

struct Summary {
  int ok = 0, changed = 0, failed = 0, skipped = 0;
  // "ok=N changed=N failed=N skipped=N"
  std::string to_string() const;
  Summary& operator+=(const Summary& o);
};

struct HostReport {
  std::string target;
  std::optional<Error> error;  // the host could not be reached or its facts not gathered
  ValueMap facts;
  std::vector<StepReport> steps;
  Summary summary;
  std::chrono::milliseconds elapsed{0};
  bool failed() const { return error.has_value() || summary.failed > 0; }
};

// Gathers the facts ops and when: read: os, os_version, os_codename (from /etc/os-release),
// hostname, arch, uid, init ("systemd" when /run/systemd/system exists, else "none"),
// transport ("local", "chroot", "ssh"). Missing tools leave a fact empty; only a target that
// cannot run /bin/sh at all is an error.
Result<ValueMap> gather_facts(transport::Transport& t);

// Runs the recipe on one host through an open transport. Stops at the first failed step (later
// steps and handlers do not run: the host is left as the failure found it). Handlers notified by
// changed steps run once each, in the order they are declared, after the last step.
HostReport run_recipe(const Recipe& recipe, transport::Transport& t, const RunOptions& options);

// Opens a host's transport (connect). Called on a worker thread; one call per host.
using TransportFactory = std::function<Result<std::unique_ptr<transport::Transport>>()>;
struct HostTarget {
  std::string name;  // for the report when the connection fails
  TransportFactory open;
};

// Runs the recipe on every host, at most `parallel` at once (>= 1). A host that fails (or cannot
// be reached) does not stop the others. Reports come back in the order of `hosts`.
std::vector<HostReport> run_on_hosts(const Recipe& recipe, const std::vector<HostTarget>& hosts,
                                     const RunOptions& options, size_t parallel);

}  // namespace atelier::recipes
