// The reconciler: closes the gap between the store's desired state and libvirt. It provisions
// every active session's candidate labs to `ready` (step by step, each step's state written to
// the store before and after it), tears destroyed sessions down, adopts labs after a restart,
// removes libvirt objects that belong to no lab, and runs the trainer's actions (LabOperations;
// each one is stored when it starts and when it ends, so that it outlives a restart).
// Threads: one loop thread plans; each job (provisioning, teardown, action) runs on its own
// thread with its own Store connection to the same SQLite file (WAL); the Store is not shared.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/lab/lab.h"
#include "common/lab/loader.h"
#include "common/result.h"
#include "controller/images/builder.h"
#include "controller/provider/provider.h"
#include "controller/provisioning/candidate_lab.h"
#include "controller/reconciler/placement.h"
#include "controller/sessions/lab_operations.h"
#include "controller/sessions/legacy_names.h"  // api::, grading:: names reconciler.cpp still uses
#include "controller/store/store.h"

namespace atelier::reconciler {

struct HypervisorTarget {
  std::string name;  // HostRecord::name
  std::string uri;   // libvirt URI
};

struct ReconcilerOptions {
  std::filesystem::path state_dir;        // the store (atelier.db)
  std::filesystem::path run_dir;          // per lab: RUN_DIR/<session>/<candidate> (seeds, sockets, logs)
  std::filesystem::path labs_dir;         // as SessionService's
  lab::LoadOptions load;
  std::vector<HypervisorTarget> hosts;
  std::string overlay_dir = "/var/lib/atelier/overlays";
  std::string overlay_pool = "atelier-overlays";
  std::filesystem::path image_definitions;  // labs/images: NAME.yaml
  std::string image_state_dir = images::kDefaultStateDir;  // built images: DIR/images/...
  bool build_images = false;  // build a missing image; otherwise the lab fails saying how to build it
  std::optional<std::string> agent_binary;  // put on every seed disk
  provider::SerialConsole::Kind console = provider::SerialConsole::Kind::kLogFile;
  provider::DiskCache cache = provider::DiskCache::kDefault;
  std::chrono::milliseconds boot_deadline{std::chrono::minutes(5)};
  std::chrono::milliseconds loop_interval{std::chrono::seconds(2)};
  std::chrono::milliseconds gc_interval{std::chrono::seconds(60)};
  // Periodic check runs of ready labs when neither the session nor the lab sets a check
  // interval; 0: none (precedence: sessions::effective_check_interval).
  std::chrono::milliseconds check_interval{0};
  std::chrono::milliseconds check_timeout{std::chrono::minutes(2)};
  // Objects of sessions the store does not know belong to someone else by default (a trainer's
  // `atelier lab prove`, another controller, a test) and are left alone. Set, they are removed
  // when their session id starts with this prefix ("" = every session: the daemon is the only
  // user of its hypervisor hosts). Destroyed sessions and unknown candidates of known sessions
  // are always cleaned.
  std::optional<std::string> orphan_session_prefix;
  // A provisioning that fails (a guest too slow to answer, libvirt unreachable) is resumed after
  // retry_delay, up to max_attempts in all; then the lab is failed until a reset.
  unsigned max_attempts = 3;
  std::chrono::milliseconds retry_delay{std::chrono::seconds(20)};
  // At most this many labs provisioning at once on one host (0: the host's CPU count).
  unsigned max_parallel_per_host = 0;
  // Structured log: level, message, "key=value ..." fields.
  std::function<void(std::string_view, std::string_view, const std::string&)> log;
};

class Reconciler final : public sessions::LabOperations {
 public:
  // Connects to every hypervisor host (a host that cannot be reached is retried by the loop).
  static Result<std::unique_ptr<Reconciler>> create(ReconcilerOptions options);
  ~Reconciler() override;

  // Starts the loop thread. The first pass removes orphans and adopts labs left by a previous run.
  void start();
  // Stops the loop and waits up to `grace` for jobs to finish their current step. Running VMs
  // are left alone: the next start adopts them. false when jobs were still running (the caller
  // exits the process; every step is resumable).
  bool stop(std::chrono::milliseconds grace);
  // Wakes the loop now (after a create or destroy).
  void kick();

  // One pass of the loop, on the caller's thread (tests).
  Status reconcile_once();
  // Jobs still running.
  std::size_t running_jobs();

  // sessions::LabOperations
  Result<sessions::ActionRecord> reset(const std::string& session, const std::string& candidate,
                                  const std::string& host, const std::string& actor) override;
  Result<sessions::ActionRecord> solve(const std::string& session, const std::string& candidate,
                                  const std::string& actor) override;
  Result<sessions::ActionRecord> check_run(const std::string& session,
                                      const std::optional<std::string>& candidate,
                                      const std::string& actor) override;
  Result<sessions::ActionRecord> action(const std::string& id) override;
  Result<sessions::LabAccess> access(const std::string& session, const std::string& candidate) override;

 private:
  // One candidate lab as this process holds it: its model, its CandidateLab once planned.
  struct LabRuntime {
    std::string session, candidate, host;
    std::mutex op;                      // one operation at a time on this lab
    std::mutex state;                   // guards the fields below
    std::optional<lab::Lab> model;
    std::unique_ptr<provisioning::CandidateLab> lab;
    std::string root_password;
    bool busy = false;                  // a job is provisioning it
    bool ready = false;
    std::atomic<bool> cancelled{false};
    std::uint64_t memory_bytes = 0;
    std::chrono::steady_clock::time_point last_check{};
    unsigned attempts = 0;              // failed provisioning attempts in a row
    std::chrono::steady_clock::time_point retry_at{};
  };
  struct Host {
    HypervisorTarget target;
    std::unique_ptr<provider::Provider> provider;
    HostCapacity capacity;
  };

  explicit Reconciler(ReconcilerOptions options);
  void loop();
  void log(std::string_view level, std::string_view msg, const std::string& fields = "") const;
  Result<store::Store> open_store() const;
  Status connect_hosts();
  Status collect_orphans(store::Store& store);
  void spawn(std::string what, std::function<void()> job);
  void reap_jobs();

  std::shared_ptr<LabRuntime> runtime(const std::string& session, const std::string& candidate,
                                      bool create);
  Host* host(const std::string& name);
  // Provisions (or adopts) one lab up to ready; every step's state goes to the store.
  void provision(std::shared_ptr<LabRuntime> rt);
  Status provision_steps(store::Store& store, LabRuntime& rt);
  Status plan_lab(store::Store& store, LabRuntime& rt, Host& host);
  void teardown_session(const std::string& session);
  Result<images::BuiltImage> image(const std::string& name);

  // Writes the action's record to the store (put_action).
  Status record_action(const sessions::ActionRecord& record) const;
  // Runs body as an action. A recorded action is stored when it starts and when it ends, and is
  // then answered from the store; an unrecorded one (atelierd's own periodic check runs, which
  // nobody follows and whose results are stored anyway) lives in memory only while it runs.
  enum class Recorded { kYes, kNo };
  Result<sessions::ActionRecord> start_action(sessions::ActionRecord record,
                                              std::function<Status(sessions::ActionRecord&)> body,
                                              Recorded recorded = Recorded::kYes);
  // Stores every result with run_by = actor ("atelierd" for periodic runs).
  Status run_checks_on(store::Store& store, LabRuntime& rt, const std::string& run_id,
                       const std::string& actor, std::vector<sessions::TaskVerdict>& verdicts);

  ReconcilerOptions options_;
  std::vector<Host> hosts_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kicked_ = false;
  std::map<std::string, std::shared_ptr<LabRuntime>> labs_;  // "session/candidate"
  std::map<std::string, bool> tearing_down_;                 // sessions being torn down
  struct Job {
    std::string what;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Job> jobs_;
  std::map<std::string, sessions::ActionRecord> actions_;  // started by this process; all are stored too
  std::uint64_t action_counter_ = 0;
  std::chrono::steady_clock::time_point last_gc_{};
  std::thread loop_thread_;

  std::mutex image_mutex_;  // one image build at a time; the cache below
  std::map<std::string, images::BuiltImage> images_;
};

}  // namespace atelier::reconciler
