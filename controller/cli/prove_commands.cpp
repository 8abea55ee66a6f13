// `atelier lab prove PATH`: provisions one candidate of the lab on the local libvirt, shows that
// every task fails with the incidents injected, that every near-miss still fails, and that the
// reference solution makes every task pass. Prints progress and a table; exits 3 on a surprise.
#include "controller/cli/prove_commands.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "common/lab/loader.h"
#include "common/lab/variant.h"
#include "controller/cli/commands.h"
#include "controller/cli/prove_mirrors.h"
#include "controller/cli/prove_report.h"
#include "controller/cli/shipped_paths.h"
#include "controller/images/builder.h"
#include "controller/images/image_definition.h"
#include "controller/provider/provider.h"
#include "controller/provisioning/candidate_lab.h"
#include "controller/provisioning/lab_actions.h"
#include "controller/provisioning/plan.h"

namespace atelier::cli {
namespace {

namespace po = boost::program_options;
using prove::Clock;
using prove::Log;
using prove::Row;
namespace fs = std::filesystem;

// How long one run of the lab's checks may take (TCG guests: tens of seconds).
constexpr std::chrono::minutes kCheckDeadline{2};

// Ctrl-C, a kill or a closed terminal during a prove must not leave the lab's VMs, networks and
// disks behind. Made before any other thread, this blocks SIGINT, SIGTERM and SIGHUP (every later
// thread inherits the mask) and waits for them on a thread of its own: on one, it runs the
// teardown (the session's objects found by their owner metadata) and exits 128 + the signal,
// whatever the main thread was blocked in. Destroyed at the normal end, it stops waiting. The two
// teardowns never run at once: a signal during the proof makes the main thread's calls fail
// (its guests are going), and it would otherwise reach its own teardown of the same objects.
class TeardownOnSignal {
 public:
  explicit TeardownOnSignal(std::function<void(int)> teardown) : teardown_(std::move(teardown)) {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    waiter_ = std::thread([this] {
      int sig = 0;
      while (sigwait(&set_, &sig) == 0) {
        if (sig == SIGUSR1) return;  // the normal end
        std::lock_guard lock(mutex_);
        if (!torn_down_) teardown_(sig);
        std::_Exit(128 + sig);
      }
    });
  }
  ~TeardownOnSignal() {
    pthread_kill(waiter_.native_handle(), SIGUSR1);
    waiter_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  TeardownOnSignal(const TeardownOnSignal&) = delete;
  TeardownOnSignal& operator=(const TeardownOnSignal&) = delete;

  // The normal end's teardown; while a signal's runs, this waits for it to end the process.
  Status tear_down(const std::function<Status()>& teardown) {
    std::lock_guard lock(mutex_);
    torn_down_ = true;
    return teardown();
  }

 private:
  std::function<void(int)> teardown_;
  std::mutex mutex_;
  bool torn_down_ = false;
  sigset_t set_{};
  sigset_t previous_{};
  std::thread waiter_;
};

struct ProveArgs {
  std::string lab_path;
  std::string candidate = "prove";
  std::uint64_t seed = 1;
  std::string uri = "qemu:///system";
  std::string state_dir = images::kDefaultStateDir;
  std::string images_dir;
  std::string recipes_dir;  // empty: shipped_paths.h's default
  std::string agent_binary = default_agent_binary().string();
  int boot_minutes = 5;
  bool keep = false;
  bool compare_grader = false;  // --compare-grader: prove_mirrors.h
  std::string reset_host;       // --reset: back to hand-over from the snapshot, after the solution
  std::string rebuild_host;     // --rebuild: the same by a rebuild (fresh disk, boot, roles)
};

std::optional<int> parse(const std::vector<std::string>& args, ProveArgs& out) {
  po::options_description opts(
      "usage: atelier lab prove PATH [options]\n\n"
      "Provisions one candidate of the lab on libvirt and proves its grader: with the incidents\n"
      "injected every task fails, after each near-miss its task still fails, after the reference\n"
      "solution every task passes. Exit 0: proven; 3: a task did not behave; 2: invalid lab;\n"
      "1: the environment failed (libvirt, image, guest).\n\noptions");
  opts.add_options()("help,h", "show this help")(
      "candidate", po::value(&out.candidate)->default_value(out.candidate),
      "candidate name the variables are drawn for")(
      "seed", po::value(&out.seed)->default_value(out.seed), "session seed for the variables")(
      "uri", po::value(&out.uri)->default_value(out.uri), "libvirt URI")(
      "state-dir", po::value(&out.state_dir)->default_value(out.state_dir),
      "state directory (images, overlays, run files)")(
      "images-dir", po::value(&out.images_dir),
      "folder of image definitions (default: the shipped ones, share/atelier/images)")(
      "recipes", po::value(&out.recipes_dir),
      "recipes root (default: the installed or built atelier's)")(
      "agent", po::value(&out.agent_binary)->default_value(out.agent_binary),
      "the atelier-agent binary put on every guest's seed disk")(
      "boot-minutes", po::value(&out.boot_minutes)->default_value(out.boot_minutes),
      "how long guests may take to boot and answer")(
      "reset", po::value(&out.reset_host),
      "after the solution, bring HOST back to its hand-over snapshot and inject its incidents "
      "again: every task solved on HOST must fail again; timed")(
      "rebuild", po::value(&out.rebuild_host),
      "after the solution (and --reset), the same by a rebuild of HOST (fresh disk, boot, roles, "
      "incidents), timed: the reset before snapshots, to compare")(
      "compare-grader", po::bool_switch(&out.compare_grader),
      "after every phase, compare each check `on: grader` with its twin on a host of the lab "
      "(same kind and arguments, same task): a row each, a disagreement is a surprise")(
      "keep", po::bool_switch(&out.keep),
      "leave the lab running afterwards (tear it down with "
      "`atelier provider clean SESSION`)");
  po::options_description hidden;
  hidden.add_options()("lab", po::value(&out.lab_path));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("lab", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier lab prove: " << e.what() << "; see `atelier lab prove --help`\n";
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (out.lab_path.empty()) {
    std::cerr << "atelier lab prove: name the lab, e.g. `atelier lab prove labs/demo`\n";
    return kExitInvalid;
  }
  if (out.images_dir.empty()) out.images_dir = default_images_dir().string();
  if (!out.rebuild_host.empty() && !out.reset_host.empty() && out.rebuild_host != out.reset_host) {
    std::cerr << "atelier lab prove: --reset and --rebuild name two hosts; name the same one to "
                 "compare them\n";
    return kExitInvalid;
  }
  if (out.agent_binary.empty()) {
    std::cerr << "atelier lab prove: no atelier-agent beside this atelier (installed: "
                 "PREFIX/lib/atelier/atelier-agent); give one with --agent PATH\n";
    return kExitInvalid;
  }
  return std::nullopt;
}

// The ids the provider accepts: [a-z0-9_], no '-'.
std::string provider_id(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '_';
  }
  return text;
}

// The lab loaded, validated and drawn for the candidate; nullopt with the message printed and
// the exit code in `exit_code` when it cannot be.
std::optional<lab::Lab> load_for_prove(const ProveArgs& a, int& exit_code) {
  lab::LoadOptions lo;
  lo.recipes_root = recipes_root_or_default(a.recipes_dir);
  auto loaded = lab::load_lab(a.lab_path, lo);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message() << "\n";
    exit_code = loaded.error().code() == ErrorCode::kIo ? kExitFailure : kExitInvalid;
    return std::nullopt;
  }
  auto resolved = lab::resolve(*loaded, a.candidate, a.seed);
  if (!resolved.ok()) {
    std::cerr << "atelier lab prove: " << resolved.error().to_string() << "\n";
    exit_code = kExitInvalid;
    return std::nullopt;
  }
  for (const auto& named : {std::pair{"--reset", a.reset_host}, {"--rebuild", a.rebuild_host}}) {
    const std::string& host = named.second;
    const auto& hosts = resolved->hosts;
    if (host.empty() ||
        std::any_of(hosts.begin(), hosts.end(), [&](const auto& h) { return h.name == host; }))
      continue;
    std::string names;
    for (const auto& h : hosts) names += (names.empty() ? "" : ", ") + h.name;
    std::cerr << "atelier lab prove: " << named.first << " " << host
              << ": the lab has no such host (its hosts: " << names << ")\n";
    exit_code = kExitInvalid;
    return std::nullopt;
  }
  return std::move(*resolved);
}

// Every image the lab's hosts use, built if not cached, into in.images; the exit code on failure.
std::optional<int> prepare_images(const lab::Lab& lab, const ProveArgs& a, Log& log,
                                  provisioning::PlanInputs& in) {
  for (const auto& h : lab.hosts) {
    if (in.images.count(h.image)) continue;
    auto def = images::load_image_definition(a.images_dir, h.image);
    if (!def.ok()) {
      std::cerr << "atelier lab prove: " << def.error().to_string() << "\n";
      return kExitInvalid;
    }
    images::BuildOptions bo;
    bo.state_dir = a.state_dir;
    bo.progress = [&log, &h](const std::string& s) { log.line(h.image, "image", s); };
    auto img = images::build_image(*def, bo);
    if (!img.ok()) {
      std::cerr << "atelier lab prove: " << img.error().to_string() << "\n";
      return kExitFailure;
    }
    log.line(h.image, "image", img->from_cache ? "cached at " + img->dir : "built at " + img->dir);
    in.images[h.image] = *img;
  }
  return std::nullopt;
}

// Each near-miss applied in turn, its own task checked after it: a row each, expected to fail.
Status prove_near_misses(provisioning::CandidateLab& run, const lab::Lab& lab,
                         const std::string& candidate, bool mirrors, Log& log,
                         std::vector<Row>& rows) {
  for (const auto& task : lab.tasks) {
    // A near-miss concerns its own task: only that task's checks run after it (the other tasks'
    // verdicts are not rows, and on TCG guests each whole run costs tens of seconds).
    lab::Lab only_task = lab;
    only_task.tasks = {task};
    for (std::size_t n = 0; n < task.near_misses.size(); ++n) {
      const lab::NearMiss& m = task.near_misses[n];
      log.line(candidate, "near-miss",
               task.id + ": " + (m.description.empty() ? m.recipe : m.description));
      if (auto st = provisioning::apply_steps(run, lab, {{m.recipe, m.on, m.with}}, nullptr);
          !st.ok())
        return st;
      auto after = provisioning::run_checks(
          run, only_task, "near-miss-" + task.id + "-" + std::to_string(n), kCheckDeadline);
      if (!after.ok()) return std::move(after).error();
      for (const auto& o : *after) {
        rows.push_back({o.task, "near-miss " + std::to_string(n + 1), false, o.passed,
                        prove::first_failure(o)});
      }
      if (mirrors) prove::add_mirror_rows(lab, *after, "near-miss " + std::to_string(n + 1), rows);
    }
  }
  return ok_status();
}

// The lab with only the tasks whose reference solution changes `host`: once `host` is back to
// hand-over they must all fail again (the others may depend on other hosts' state too).
lab::Lab tasks_solved_on(const lab::Lab& lab, const std::string& host) {
  lab::Lab only = lab;
  only.tasks.clear();
  for (const auto& task : lab.tasks) {
    bool on_host = std::any_of(lab.solution.begin(), lab.solution.end(), [&](const auto& step) {
      return step.task == task.id && step.on == host;
    });
    if (on_host) only.tasks.push_back(task);
  }
  return only;
}

// `host` back to hand-over after the solution, from its snapshot or (`rebuild`) as before
// snapshots (a fresh disk, boot, its roles), its incidents injected again; then the tasks solved
// on it are checked: a row each, expected to fail. Logs and returns the reset's seconds.
Result<double> prove_reset(provisioning::CandidateLab& run, const lab::Lab& lab, const ProveArgs& a,
                           const std::string& host, bool rebuild, const std::string& candidate,
                           Log& log, std::vector<Row>& rows) {
  const std::string how = rebuild ? "by a rebuild" : "from its snapshot";
  log.line(candidate, "reset", host + " back to hand-over " + how);
  const auto boot = std::chrono::minutes(a.boot_minutes);
  const auto start = Clock::now();
  if (rebuild) {
    if (auto st = run.reset_host(host, boot); !st.ok()) return std::move(st).error();
    if (auto st = provisioning::apply_roles(run, provisioning::only_host(lab, host), nullptr);
        !st.ok())
      return std::move(st).error();
  } else {
    auto restored = run.restore_host(host, boot);
    if (!restored.ok()) return std::move(restored).error();
    if (!*restored) {
      return Error(ErrorCode::kFailedPrecondition, "host " + host + " has no hand-over snapshot");
    }
  }
  const auto incidents = provisioning::incident_steps(lab, host);
  if (auto st = provisioning::apply_steps(run, lab, incidents, nullptr); !st.ok())
    return st.error();
  const double seconds = prove::seconds_since(start);
  log.line(candidate, "reset",
           host + " back to hand-over " + how + " in " + prove::seconds_text(seconds) + " (" +
               std::to_string(incidents.size()) + " incident(s) injected again)");
  const lab::Lab solved_on = tasks_solved_on(lab, host);
  if (solved_on.tasks.empty()) {
    log.line(candidate, "reset", "no task's solution changes " + host + ": nothing to check");
    return seconds;
  }
  const std::string phase = rebuild ? "reset (rebuild)" : "reset (snapshot)";
  auto after =
      provisioning::run_checks(run, solved_on, rebuild ? "rebuild" : "reset", kCheckDeadline);
  if (!after.ok()) return std::move(after).error();
  for (const auto& o : *after)
    rows.push_back({o.task, phase, false, o.passed, prove::first_failure(o)});
  return seconds;
}

// --reset and --rebuild, in that order; with both, the ratio of their times.
Status prove_resets(provisioning::CandidateLab& run, const lab::Lab& lab, const ProveArgs& a,
                    const std::string& candidate, Log& log, std::vector<Row>& rows) {
  std::optional<double> snapshot, rebuild;
  if (!a.reset_host.empty()) {
    auto s = prove_reset(run, lab, a, a.reset_host, false, candidate, log, rows);
    if (!s.ok()) return std::move(s).error();
    snapshot = *s;
  }
  if (!a.rebuild_host.empty()) {
    auto s = prove_reset(run, lab, a, a.rebuild_host, true, candidate, log, rows);
    if (!s.ok()) return std::move(s).error();
    rebuild = *s;
  }
  if (snapshot && rebuild && *snapshot > 0) {
    std::ostringstream ratio;
    ratio << std::fixed << std::setprecision(1) << *rebuild / *snapshot;
    log.line(candidate, "reset",
             "rebuild / snapshot: " + ratio.str() + "x (" + prove::seconds_text(*rebuild) +
                 " against " + prove::seconds_text(*snapshot) + ")");
  }
  return ok_status();
}

// The proof on a created lab: boot, roles twice (the second must change nothing), incidents,
// each near-miss, the solution; a row per observation. An error is the environment failing.
Status prove_phases(provisioning::CandidateLab& run, const lab::Lab& lab, const ProveArgs& a,
                    const std::string& candidate, Log& log, std::vector<Row>& rows) {
  auto check = [&](const lab::Lab& which, const std::string& run_id) {
    return provisioning::run_checks(run, which, run_id, kCheckDeadline);
  };
  if (auto st = run.create(); !st.ok()) return st;
  if (auto st = run.start(); !st.ok()) return st;
  if (auto st = run.wait_agents(std::chrono::minutes(a.boot_minutes)); !st.ok()) return st;
  log.line(candidate, "roles", "applying the hosts' roles");
  std::vector<provisioning::StepOutcome> first;
  if (auto st = provisioning::apply_roles(run, lab, &first); !st.ok()) return st;
  for (const auto& o : first) {
    log.line(candidate + "/" + o.on, "roles", o.recipe + " in " + prove::role_timing(o.report));
  }
  // Idempotency: the same roles again must find nothing to change. A role that changes
  // something on every run would re-break or re-touch a candidate's work when the reconciler
  // repairs a lab.
  log.line(candidate, "roles", "applying the roles again: nothing may change");
  std::vector<provisioning::StepOutcome> again;
  if (auto st = provisioning::apply_roles(run, lab, &again); !st.ok()) return st;
  for (const auto& o : again) {
    rows.push_back({"role", "rerun " + o.recipe + "@" + o.on, false, o.report.summary.changed > 0,
                    prove::changed_steps(o.report)});
  }
  if (!a.reset_host.empty()) {
    // The state a reset brings back, as atelierd saves it: roles applied, no incident yet.
    const auto start = Clock::now();
    if (auto st = run.save_handover(); !st.ok()) return st;
    log.line(candidate, "snapshots",
             "hand-over snapshots saved in " + prove::seconds_text(prove::seconds_since(start)));
  }
  log.line(candidate, "incidents",
           "injecting " + std::to_string(lab.incidents.size()) + " incident(s)");
  if (auto st = provisioning::apply_steps(run, lab, provisioning::incident_steps(lab), nullptr);
      !st.ok())
    return st;
  auto before = check(lab, "incidents");
  if (!before.ok()) return std::move(before).error();
  for (const auto& o : *before)
    rows.push_back({o.task, "incidents", false, o.passed, prove::first_failure(o)});
  if (a.compare_grader) prove::add_mirror_rows(lab, *before, "incidents", rows);

  if (auto st = prove_near_misses(run, lab, candidate, a.compare_grader, log, rows); !st.ok())
    return st;

  log.line(candidate, "solution", "applying the reference solution");
  if (auto st = provisioning::apply_steps(run, lab, provisioning::solution_steps(lab), nullptr);
      !st.ok())
    return st;
  auto solved = check(lab, "solution");
  if (!solved.ok()) return std::move(solved).error();
  for (const auto& o : *solved)
    rows.push_back({o.task, "solution", true, o.passed, prove::first_failure(o)});
  if (a.compare_grader) prove::add_mirror_rows(lab, *solved, "solution", rows);
  return prove_resets(run, lab, a, candidate, log, rows);
}

// What a signal during the prove does: removes the session's objects (found by their owner
// metadata, on a connection of its own) and its files, unless --keep.
std::function<void(int)> signal_teardown(const ProveArgs& a, const provider::LibvirtOptions& po,
                                         const std::string& session, const fs::path& session_dir) {
  return [keep = a.keep, po, session, session_dir](int sig) {
    std::cerr << "\natelier lab prove: " << strsignal(sig) << ": removing session " << session
              << "\n";
    if (keep) {
      std::cerr << "lab left running (--keep): atelier provider clean --session " << session
                << " removes it\n";
      return;
    }
    auto own = provider::make_libvirt_provider(po);
    Status st = own.ok() ? (*own)->destroy_session(session) : Status(std::move(own).error());
    std::error_code ec;
    fs::remove_all(session_dir, ec);
    std::cerr << (st.ok() ? "nothing left"
                          : "teardown: " + st.error().to_string() +
                                "\n(atelier provider clean --session " + session + " retries)")
              << "\n";
  };
}

}  // namespace

int lab_prove(const std::vector<std::string>& args) {
  ProveArgs a;
  if (auto stop = parse(args, a)) return *stop;
  Log log;

  int exit_code = kExitOk;
  auto loaded = load_for_prove(a, exit_code);
  if (!loaded) return exit_code;
  const lab::Lab& lab = *loaded;
  log.line(lab.id, "lab",
           "loaded: " + std::to_string(lab.hosts.size()) + " host(s), " +
               std::to_string(lab.tasks.size()) + " task(s), candidate " + a.candidate + ", seed " +
               std::to_string(a.seed));
  provisioning::PlanInputs in;
  if (auto stop = prepare_images(lab, a, log, in)) return *stop;

  provider::LibvirtOptions po;
  po.uri = a.uri;
  po.overlay_dir = (fs::path(a.state_dir) / "overlays").string();
  po.call_timeout = std::chrono::seconds(120);
  const std::string session = provider_id("prove" + std::to_string(::getpid()));
  const fs::path session_dir = fs::path(a.state_dir) / "labs" / session;
  // Before the provider's threads: they must not take the signals. A connection of its own, as
  // the main thread may hold the provider's in a long call.
  TeardownOnSignal interrupted(signal_teardown(a, po, session, session_dir));
  auto provider = provider::make_libvirt_provider(po);
  if (!provider.ok()) {
    std::cerr << "atelier lab prove: " << provider.error().to_string()
              << "\n(is libvirtd running? scripts/start-services starts it)\n";
    return kExitFailure;
  }

  in.session = session;
  in.candidate = provider_id(a.candidate);
  in.run_dir = (session_dir / in.candidate).string();
  in.root_password = "atelier";
  auto plan =
      provisioning::plan_candidate_lab(lab, in, [&](const provider::ObjectRef& ref, unsigned nic) {
        return (*provider)->choose_mac(ref, nic);
      });
  if (!plan.ok()) {
    std::cerr << "atelier lab prove: " << plan.error().to_string() << "\n";
    return kExitFailure;
  }

  provisioning::CandidateLabOptions co;
  co.agent_binary = a.agent_binary;
  co.progress = [&log](const provisioning::Progress& p) {
    log.line(p.candidate + (p.host.empty() ? "" : "/" + p.host), p.step, p.message);
  };
  provisioning::CandidateLab run(**provider, std::move(*plan), co);

  std::vector<Row> rows;
  if (auto st = prove_phases(run, lab, a, in.candidate, log, rows); !st.ok()) {
    std::cerr << "atelier lab prove: " << st.error().to_string() << "\n";
    exit_code = kExitFailure;
  }
  if (int shown = prove::print_rows(rows); exit_code == kExitOk) exit_code = shown;

  if (a.keep) {
    log.line(in.candidate, "keep",
             "lab left running: session " + in.session + ", files in " + in.run_dir);
  } else {
    Status st = interrupted.tear_down([&] {
      Status destroyed = run.destroy();
      std::error_code ec;
      fs::remove(session_dir, ec);  // empty once the candidate's folder is gone
      return destroyed;
    });
    if (!st.ok()) {
      std::cerr << "atelier lab prove: teardown: " << st.error().to_string() << "\n";
      if (exit_code == kExitOk) exit_code = kExitFailure;
    }
  }
  std::cout << (exit_code == kExitOk ? "proven: " : "NOT proven: ") << lab.id << "\n";
  return exit_code;
}

}  // namespace atelier::cli
