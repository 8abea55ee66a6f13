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
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kExitSurprise = 3;  // the lab's grader is wrong: a task did not behave

// Ctrl-C, a kill or a closed terminal during a prove must not leave the lab's VMs, networks and
// disks behind. Made before any other thread, this blocks SIGINT, SIGTERM and SIGHUP (every later
// thread inherits the mask) and waits for them on a thread of its own: on one, it runs the
// teardown (the session's objects found by their owner metadata) and exits 128 + the signal,
// whatever the main thread was blocked in. Destroyed at the normal end, it stops waiting.
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
        teardown_(sig);
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

 private:
  std::function<void(int)> teardown_;
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
};

// Progress lines with the time since the start: "[  42.1s] prove/server  agent  answered ...".
class Log {
 public:
  void line(const std::string& who, const std::string& step, const std::string& text) {
    std::lock_guard lock(mutex_);
    double s = std::chrono::duration<double>(Clock::now() - start_).count();
    std::cout << "[" << std::fixed << std::setprecision(1) << std::setw(6) << s << "s] "
              << std::left << std::setw(16) << who << std::setw(10) << step << std::right << text
              << std::endl;
  }

 private:
  std::mutex mutex_;
  Clock::time_point start_ = Clock::now();
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

struct Row {
  std::string task;
  std::string phase;  // incidents, near-miss N, solution
  bool expected_pass;
  bool passed;
  std::string evidence;  // the first failing check's observation, or ""
};

std::string first_failure(const provisioning::TaskOutcome& o) {
  for (const auto& r : o.results) {
    if (r.status != protocol::CheckStatus::kPass) {
      return r.kind + ": expected " + r.expected + "; observed " + r.observed;
    }
  }
  return "";
}

// The steps of a report that changed something: "changed: write smb.conf, start samba".
std::string changed_steps(const recipes::HostReport& report) {
  std::string out;
  for (const auto& step : report.steps) {
    if (step.status != recipes::StepStatus::kChanged) continue;
    out += (out.empty() ? "changed: " : ", ") + step.name;
  }
  return out;
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

// The proof on a created lab: boot, roles twice (the second must change nothing), incidents,
// each near-miss, the solution; a row per observation. An error is the environment failing.
Status prove_phases(provisioning::CandidateLab& run, const lab::Lab& lab, const ProveArgs& a,
                    const std::string& candidate, Log& log, std::vector<Row>& rows) {
  auto check = [&](const lab::Lab& which, const std::string& run_id) {
    return provisioning::run_checks(run, which, run_id, std::chrono::minutes(2));
  };
  if (auto st = run.create(); !st.ok()) return st;
  if (auto st = run.start(); !st.ok()) return st;
  if (auto st = run.wait_agents(std::chrono::minutes(a.boot_minutes)); !st.ok()) return st;
  log.line(candidate, "roles", "applying the hosts' roles");
  if (auto st = provisioning::apply_roles(run, lab, nullptr); !st.ok()) return st;
  // Idempotency: the same roles again must find nothing to change. A role that changes
  // something on every run would re-break or re-touch a candidate's work when the reconciler
  // repairs a lab.
  log.line(candidate, "roles", "applying the roles again: nothing may change");
  std::vector<provisioning::StepOutcome> again;
  if (auto st = provisioning::apply_roles(run, lab, &again); !st.ok()) return st;
  for (const auto& o : again) {
    rows.push_back({"role", "rerun " + o.recipe + "@" + o.on, false, o.report.summary.changed > 0,
                    changed_steps(o.report)});
  }
  log.line(candidate, "incidents",
           "injecting " + std::to_string(lab.incidents.size()) + " incident(s)");
  if (auto st = provisioning::apply_steps(run, lab, provisioning::incident_steps(lab), nullptr);
      !st.ok())
    return st;
  auto before = check(lab, "incidents");
  if (!before.ok()) return std::move(before).error();
  for (const auto& o : *before)
    rows.push_back({o.task, "incidents", false, o.passed, first_failure(o)});

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
      auto after = check(only_task, "near-miss-" + task.id + "-" + std::to_string(n));
      if (!after.ok()) return std::move(after).error();
      for (const auto& o : *after) {
        rows.push_back(
            {o.task, "near-miss " + std::to_string(n + 1), false, o.passed, first_failure(o)});
      }
    }
  }

  log.line(candidate, "solution", "applying the reference solution");
  if (auto st = provisioning::apply_steps(run, lab, provisioning::solution_steps(lab), nullptr);
      !st.ok())
    return st;
  auto solved = check(lab, "solution");
  if (!solved.ok()) return std::move(solved).error();
  for (const auto& o : *solved)
    rows.push_back({o.task, "solution", true, o.passed, first_failure(o)});
  return ok_status();
}

// The table of rows; kExitSurprise when a row did not behave, else kExitOk.
int print_rows(const std::vector<Row>& rows) {
  if (rows.empty()) return kExitOk;
  int exit_code = kExitOk;
  std::size_t phase_width = 14;
  for (const auto& r : rows) phase_width = std::max(phase_width, r.phase.size() + 2);
  std::cout << "\n"
            << std::left << std::setw(8) << "task" << std::setw(static_cast<int>(phase_width))
            << "after" << std::setw(11) << "expected" << std::setw(11) << "got"
            << "verdict\n";
  for (const auto& r : rows) {
    bool good = r.expected_pass == r.passed;
    // Role rows say whether a second run changed anything; task rows whether checks passed.
    const bool role = r.task == "role";
    auto word = [role](bool v) {
      return role ? (v ? "changed" : "unchanged") : (v ? "pass" : "fail");
    };
    std::cout << std::left << std::setw(8) << r.task << std::setw(static_cast<int>(phase_width))
              << r.phase << std::setw(11) << word(r.expected_pass) << std::setw(11)
              << word(r.passed) << (good ? "ok" : "SURPRISE") << "\n";
    if (good) continue;
    exit_code = kExitSurprise;
    if (role) {
      std::cout << "        the role is not idempotent; second run " << r.evidence << "\n";
    } else {
      std::cout << "        "
                << (r.passed ? "its checks pass while the task is not done: the "
                               "grader would give points for nothing"
                             : "its checks fail after the reference fix: " + r.evidence)
                << "\n";
    }
  }
  std::cout << std::right;
  return exit_code;
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
  if (int shown = print_rows(rows); exit_code == kExitOk) exit_code = shown;

  if (a.keep) {
    log.line(in.candidate, "keep",
             "lab left running: session " + in.session + ", files in " + in.run_dir);
  } else {
    auto st = run.destroy();
    std::error_code ec;
    fs::remove(session_dir, ec);  // empty once the candidate's folder is gone
    if (!st.ok()) {
      std::cerr << "atelier lab prove: teardown: " << st.error().to_string() << "\n";
      if (exit_code == kExitOk) exit_code = kExitFailure;
    }
  }
  std::cout << (exit_code == kExitOk ? "proven: " : "NOT proven: ") << lab.id << "\n";
  return exit_code;
}

}  // namespace atelier::cli
