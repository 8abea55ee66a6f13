// A recording core for the web edge's integration tests (web_actions_test.cpp,
// staff_login_test.cpp): what the edge asked of sessions::LabOperations, with the actions
// stored as the reconciler stores them, so that the pages read them back.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/sessions/action_store.h"
#include "controller/sessions/lab_operations.h"
#include "controller/store/store.h"

namespace atelier::api::test_support {

// What the edge asked of the core, and the answers to give: stores each started action as the
// reconciler does (LabOperations: "Actions are stored"), so the pages read them back.
class RecordingOperations : public sessions::LabOperations {
 public:
  struct Call {
    std::string kind, session, candidate, host, actor;
  };
  explicit RecordingOperations(store::Store& store) : store_(store) {}

  Result<sessions::ActionRecord> reset(const std::string& session, const std::string& candidate,
                                       const std::string& host, const std::string& actor) override {
    return started(sessions::ActionKind::kReset, {"reset", session, candidate, host, actor});
  }
  Result<sessions::ActionRecord> move(const std::string& session, const std::string& candidate,
                                      const std::string& actor) override {
    return started(sessions::ActionKind::kReset, {"move", session, candidate, "", actor});
  }
  Result<sessions::ActionRecord> solve(const std::string& session, const std::string& candidate,
                                       const std::string& actor) override {
    return started(sessions::ActionKind::kSolve, {"solve", session, candidate, "", actor});
  }
  Result<sessions::ActionRecord> check_run(const std::string& session,
                                           const std::optional<std::string>& candidate,
                                           const std::string& actor) override {
    return started(sessions::ActionKind::kCheckRun,
                   {"check_run", session, candidate.value_or("*"), "", actor});
  }
  Result<sessions::ActionRecord> action(const std::string& id) override {
    auto stored = store_.get_action(id);
    if (!stored.ok()) return std::move(stored).error();
    return sessions::from_stored(*stored);
  }
  Result<sessions::LabAccess> access(const std::string&, const std::string&) override {
    if (lab_access) return *lab_access;
    return Error(ErrorCode::kNotFound, "not placed");
  }

  std::vector<Call> calls() {
    std::lock_guard g(mutex_);
    return calls_;
  }
  std::optional<Error> refuse;  // when set, every action is refused with it (nothing recorded)
  std::optional<sessions::LabAccess> lab_access;  // access()'s answer; unset: not placed

 private:
  Result<sessions::ActionRecord> started(sessions::ActionKind kind, Call call) {
    if (refuse) return *refuse;
    std::lock_guard g(mutex_);
    calls_.push_back(call);
    sessions::ActionRecord a;
    a.id = "a1_" + std::to_string(calls_.size());
    a.kind = kind;
    a.session = call.session;
    a.candidates = {call.candidate};
    a.host = call.host;
    a.started_at = store::Clock::now();
    Status put = store_.put_action(sessions::to_stored(a));
    if (!put.ok()) return std::move(put).error();
    return a;
  }

  store::Store& store_;
  std::mutex mutex_;
  std::vector<Call> calls_;
};

}  // namespace atelier::api::test_support
