// TrainerActions: the trainer's actions on candidate labs (reset, solve, check run, an action's
// record, access details) as a service of its own. Each action is stored when it starts and when
// it ends, so that it outlives a restart; its work runs on the reconciler's bounded job runner.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/reconciler/lab_runtime.h"
#include "controller/sessions/lab_operations.h"

namespace atelier::reconciler {

class TrainerActions {
 public:
  // Queues a job on the reconciler's runner; false when it is stopping (the job never runs).
  using Submit = std::function<bool(std::string name, std::function<void()> job)>;
  struct Options {
    std::chrono::milliseconds boot_deadline{std::chrono::minutes(5)};
    std::chrono::milliseconds check_timeout{std::chrono::minutes(2)};
  };

  TrainerActions(LabRegistry& labs, Submit submit, Options options);

  // sessions::LabOperations' calls, with its contract. check_run with actor kScheduledRunActor is
  // atelierd's own periodic run: not audited, not stored as an action (its results are).
  Result<sessions::ActionRecord> reset(const std::string& session, const std::string& candidate,
                                       const std::string& host, const std::string& actor);
  Result<sessions::ActionRecord> move(const std::string& session, const std::string& candidate,
                                      const std::string& actor);
  Result<sessions::ActionRecord> solve(const std::string& session, const std::string& candidate,
                                       const std::string& actor);
  Result<sessions::ActionRecord> check_run(const std::string& session,
                                           const std::optional<std::string>& candidate,
                                           const std::string& actor);
  Result<sessions::ActionRecord> action(const std::string& id);
  Result<sessions::LabAccess> access(const std::string& session, const std::string& candidate);

  // Refuses new actions from now on (kUnavailable: atelierd is stopping); start() accepts them
  // again (the reconciler started after a stop).
  void stop();
  void start();

 private:
  // An action's work: its parts run as jobs in parallel; after the last one, conclude() sees
  // their statuses (in order) and completes the record; the first error fails the action.
  struct Work {
    std::vector<std::function<Status()>> parts;
    std::function<void(sessions::ActionRecord&)> conclude;
  };
  struct Progress;
  enum class Recorded { kYes, kNo };
  // Gives the record its id, builds its work, stores it (kYes) and queues the parts. An
  // unrecorded action (atelierd's periodic check runs) lives in memory only while it runs.
  Result<sessions::ActionRecord> start_action(
      sessions::ActionRecord record, const std::function<Work(sessions::ActionRecord&)>& make,
      Recorded recorded = Recorded::kYes);
  void run_part(const std::shared_ptr<Progress>& progress, std::size_t i);
  void finish(const std::string& id, const Work& work, const std::vector<Status>& statuses,
              Recorded recorded);
  Status record_action(const sessions::ActionRecord& record) const;

  // The whole lab torn down and provisioned again, or one host reset to fresh.
  Status reset_lab(const std::shared_ptr<LabRuntime>& rt);
  Status reset_host(LabRuntime& rt, const std::string& host);
  bool restore_lab(LabRuntime& rt, store::Store& store);
  // The lab's record back to its first step (provisioning, no error, every step pending), placed
  // on `host` when given; then its provisioning on this thread, an error unless it got ready.
  Status restart_record(store::Store& store, const LabRuntime& rt,
                        const std::optional<std::string>& host);
  Status provision_until_ready(store::Store& store, const std::shared_ptr<LabRuntime>& rt);
  // The whole lab provisioned again on another host (trainer_actions_move.cpp).
  Status move_lab(const std::shared_ptr<LabRuntime>& rt, const std::string& from);
  Status back_to_handover(provisioning::CandidateLab& lab, const lab::Lab& only,
                          const std::string& host, const std::string& who);
  // Runs one lab's checks and stores every result with run_by = actor.
  Status run_checks_on(store::Store& store, LabRuntime& rt, const std::string& run_id,
                       const std::string& actor, std::vector<sessions::TaskVerdict>& verdicts);
  // The ready labs a check run acts on.
  Result<std::vector<std::shared_ptr<LabRuntime>>> check_targets(
      store::Store& store, const std::string& session, const std::optional<std::string>& candidate);

  LabRegistry& labs_;
  Submit submit_;
  Options options_;

  std::mutex mutex_;  // guards everything below
  bool stopping_ = false;
  std::map<std::string, sessions::ActionRecord>
      actions_;  // started by this process; all are stored too
  std::uint64_t counter_ = 0;
};

}  // namespace atelier::reconciler
