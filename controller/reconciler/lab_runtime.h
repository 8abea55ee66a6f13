// What the reconciler and the trainer's actions share: each candidate lab as this process holds
// it (LabRuntime), the interface through which the actions reach the reconciler's labs and
// hosts (LabRegistry), and the one way a lab's stored record is changed (update_lab).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/lab/lab.h"
#include "common/result.h"
#include "controller/provider/provider.h"
#include "controller/provisioning/candidate_lab.h"
#include "controller/store/store.h"

namespace atelier::reconciler {

using SteadyClock = std::chrono::steady_clock;

// One candidate lab as this process holds it: its model, its CandidateLab once planned.
struct LabRuntime {
  std::string session, candidate, host;
  std::mutex op;     // one operation at a time on this lab
  std::mutex state;  // guards the fields below
  std::optional<lab::Lab> model;
  std::unique_ptr<provisioning::CandidateLab> lab;
  std::string root_password;
  bool busy = false;  // a job is provisioning it
  bool ready = false;
  std::atomic<bool> cancelled{false};
  std::uint64_t memory_bytes = 0;
  SteadyClock::time_point last_check{};
  unsigned attempts = 0;  // failed provisioning attempts in a row
  SteadyClock::time_point retry_at{};
};

// What the trainer's actions need of the reconciler that holds the labs. Thread-safe.
class LabRegistry {
 public:
  virtual ~LabRegistry() = default;
  // A new connection to the store (one per thread: a Store is not shared).
  virtual Result<store::Store> open_store() const = 0;
  // The lab as this process holds it; nullptr when it has not seen the lab yet.
  virtual std::shared_ptr<LabRuntime> find_lab(const std::string& session,
                                               const std::string& candidate) = 0;
  // The provider of a connected hypervisor host; nullptr when unknown or not connected.
  virtual provider::Provider* provider_of(const std::string& host) = 0;
  // The libvirt URI of a hypervisor host; empty when unknown.
  virtual std::string uri_of(const std::string& host) const = 0;
  // Whether the host's libvirtd answered its last probe (host_health.cpp).
  virtual bool answering(const std::string& host) = 0;
  // A host other than `from` that answers and has room for `demand` bytes now; kFailedPrecondition
  // saying why when none has.
  virtual Result<std::string> host_for_move(const std::string& from, std::uint64_t demand) = 0;
  // Provisions (or adopts) the lab up to ready on the caller's thread; the outcome is in
  // rt->ready and in the store. The caller has set rt->busy.
  virtual void provision(std::shared_ptr<LabRuntime> rt) = 0;
  // Structured log: level, message, "key=value ..." fields.
  virtual void log(std::string_view level, std::string_view msg,
                   const std::string& fields) const = 0;
  // The steady clock (injectable: ReconcilerOptions::now).
  virtual SteadyClock::time_point now() const = 0;
};

// Writes one lab's record with a change applied; the record is read fresh so that a concurrent
// writer of other fields (another lab's job never touches this row) is not overwritten.
Status update_lab(store::Store& store, const std::string& session, const std::string& candidate,
                  const std::function<void(store::CandidateLabRecord&)>& change);

// Logs `st` as a warning when it failed: for writes whose failure the caller cannot act on
// (the next pass or action writes again) but an operator must be able to see.
void log_failure(const LabRegistry& registry, const Status& st, std::string_view what,
                 const std::string& fields = "");

}  // namespace atelier::reconciler
