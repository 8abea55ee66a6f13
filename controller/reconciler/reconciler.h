// The reconciler: closes the gap between the store's desired state and libvirt. It provisions
// every active session's candidate labs to `ready` (step by step, each step's state written to
// the store before and after it), tears destroyed sessions down, adopts labs after a restart,
// removes libvirt objects that belong to no lab, and runs the trainer's actions (LabOperations;
// each one is stored when it starts and when it ends, so that it outlives a restart).
// Threads: one loop thread plans (reconcile_plan.h); the jobs (provisioning, teardown, the
// trainer's actions in trainer_actions.h) run on one bounded JobRunner, each with its own Store
// connection to the same SQLite file (WAL); the Store is not shared.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
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
#include "controller/reconciler/job_runner.h"
#include "controller/reconciler/lab_runtime.h"
#include "controller/reconciler/placement.h"
#include "controller/reconciler/reconcile_plan.h"
#include "controller/reconciler/trainer_actions.h"
#include "controller/sessions/lab_operations.h"
#include "controller/store/store.h"

namespace atelier::reconciler {

struct HypervisorTarget {
  std::string name;  // HostRecord::name
  std::string uri;   // libvirt URI
};

struct ReconcilerOptions {
  std::filesystem::path state_dir;  // the store (atelier.db)
  std::filesystem::path run_dir;    // per lab: RUN_DIR/<session>/<candidate> (seeds, sockets, logs)
  std::filesystem::path labs_dir;   // as SessionService's
  lab::LoadOptions load;
  std::vector<HypervisorTarget> hosts;
  std::string overlay_dir = "/var/lib/atelier/overlays";
  std::string overlay_pool = "atelier-overlays";
  std::filesystem::path image_definitions;                 // NAME.yaml definitions
  std::string image_state_dir = images::kDefaultStateDir;  // built images: DIR/images/...
  bool build_images =
      false;  // build a missing image; otherwise the lab fails saying how to build it
  std::optional<std::string> agent_binary;  // put on every seed disk
  // The installation's secret key (atelierd's STATE_DIR/access.key): candidates' root passwords
  // derive from it (provisioning/secrets.h). Empty: a random key for this process (tests).
  std::string secret_key;
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
  // Jobs (provisioning, teardown, action parts) running at once; more wait in a queue.
  unsigned max_jobs = 16;
  // Structured log: level, message, "key=value ..." fields.
  std::function<void(std::string_view, std::string_view, const std::string&)> log;
  // A lab's guests are about to be destroyed by its session's teardown, whoever asked for it (the
  // API, a trainer's page, a CLI): the edges let go of what they hold on them (atelierd closes
  // the lab's consoles). Called on a job thread; must not block.
  std::function<void(const std::string& session, const std::string& candidate)> on_lab_teardown;
  // The steady clock of retry delays, check intervals and orphan collection (tests inject
  // theirs); empty: std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class Reconciler final : public sessions::LabOperations, private LabRegistry {
 public:
  // Connects to every hypervisor host (a host that cannot be reached is retried by the loop).
  static Result<std::unique_ptr<Reconciler>> create(ReconcilerOptions options);
  ~Reconciler() override;

  // Starts the loop thread. The first pass removes orphans and adopts labs left by a previous run.
  void start();
  // Stops the loop and waits up to `grace` for running jobs to finish their current step (queued
  // jobs are dropped). Running VMs are left alone: the next start adopts them. false when jobs
  // were still running (the caller exits the process; every step is resumable).
  bool stop(std::chrono::milliseconds grace);
  // Wakes the loop now (after a create or destroy).
  void kick();

  // One pass of the loop, on the caller's thread (tests).
  Status reconcile_once();
  // Jobs still running or queued.
  std::size_t running_jobs();
  // Blocks until no job is running or queued, so that a test sees every effect of a pass or
  // an action without polling. Returns at once after stop().
  void wait_idle();

  // sessions::LabOperations: the trainer's actions (trainer_actions.h).
  Result<sessions::ActionRecord> reset(const std::string& session, const std::string& candidate,
                                       const std::string& host, const std::string& actor) override;
  Result<sessions::ActionRecord> move(const std::string& session, const std::string& candidate,
                                      const std::string& actor) override;
  Result<sessions::ActionRecord> solve(const std::string& session, const std::string& candidate,
                                       const std::string& actor) override;
  Result<sessions::ActionRecord> check_run(const std::string& session,
                                           const std::optional<std::string>& candidate,
                                           const std::string& actor) override;
  Result<sessions::ActionRecord> action(const std::string& id) override;
  Result<sessions::LabAccess> access(const std::string& session,
                                     const std::string& candidate) override;

 private:
  struct Host {
    HypervisorTarget target;
    std::unique_ptr<provider::Provider> provider;
    HostCapacity capacity;
    bool answering = true;  // its last probe (host_health.cpp); no new lab goes to it otherwise
  };
  using Capacity = std::map<std::string, HostCapacity>;

  explicit Reconciler(ReconcilerOptions options);
  void loop();
  Status connect_hosts();
  // Asks each host's libvirtd to answer; a change is logged and said on its labs (host_health.cpp).
  void probe_hosts(store::Store& store);
  Status collect_orphans(store::Store& store);
  // What the store and this process say about a session that owns objects on a host.
  OwnerView observe_owner(store::Store& store, const std::string& session);
  bool submit(std::string what, std::function<void()> job);
  std::unique_ptr<JobRunner> make_runner();

  // LabRegistry
  Result<store::Store> open_store() const override;
  std::shared_ptr<LabRuntime> find_lab(const std::string& session,
                                       const std::string& candidate) override;
  provider::Provider* provider_of(const std::string& host) override;
  std::string uri_of(const std::string& host) const override;
  bool answering(const std::string& host) override;
  Result<std::string> host_for_move(const std::string& from, std::uint64_t demand) override;
  // Provisions (or adopts) one lab up to ready; every step's state goes to the store.
  void provision(std::shared_ptr<LabRuntime> rt) override;
  void log(std::string_view level, std::string_view msg,
           const std::string& fields = "") const override;
  SteadyClock::time_point now() const override;

  // The loop's pass, per session and per lab (reconcile_plan.h decides, these act).
  Capacity capacity_now();
  Status drive_session(store::Store& store, const store::SessionRecord& s, Capacity& capacity);
  void drive_lab(store::Store& store, const store::SessionRecord& s,
                 const store::CandidateLabRecord& l, Capacity& capacity);
  // Chooses a host for an unplaced lab; nullopt when it waits (no room) or failed (stored).
  std::optional<std::string> place(store::Store& store, const store::SessionRecord& s,
                                   const store::CandidateLabRecord& l, LabRuntime& rt,
                                   Capacity& capacity);
  std::shared_ptr<LabRuntime> runtime(const std::string& session, const std::string& candidate);
  Host* host(const std::string& name);
  // provisioning (reconciler_provision.cpp)
  Status provision_steps(store::Store& store, LabRuntime& rt);
  Status plan_lab(store::Store& store, LabRuntime& rt, Host& host);
  void provision_failed(store::Store& store, LabRuntime& rt, const Status& st,
                        const std::string& who);
  void teardown_session(const std::string& session);
  Status destroy_on_every_host(const std::string& session);
  Result<images::BuiltImage> image(const std::string& name);

  ReconcilerOptions options_;
  std::vector<Host> hosts_;

  std::mutex jobs_mutex_;  // guards jobs_ (replaced when started again after a stop)
  std::unique_ptr<JobRunner> jobs_;
  bool jobs_stopped_ = false;
  std::unique_ptr<TrainerActions> actions_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kicked_ = false;
  std::map<std::string, std::shared_ptr<LabRuntime>> labs_;  // "session/candidate"
  std::map<std::string, bool> tearing_down_;                 // sessions being torn down
  SteadyClock::time_point last_gc_{};
  bool gc_done_ = false;
  std::thread loop_thread_;

  std::mutex image_mutex_;  // one image build at a time; the cache below
  std::map<std::string, images::BuiltImage> images_;
};

}  // namespace atelier::reconciler
