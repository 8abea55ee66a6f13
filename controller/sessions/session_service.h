// Sessions: validating a trainer's create request (ids, candidates, the lab through
// common/lab/loader.h) and recording the desired state in the store before anything else
// happens; reading a candidate's variant of the lab back (common/lab/variant.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/lab/lab.h"
#include "common/lab/loader.h"
#include "common/result.h"
#include "controller/store/store.h"

namespace atelier::sessions {

// Session and candidate ids: [a-z0-9][a-z0-9_]{0,23}. No '-': libvirt object names are
// atelier-<session>-<candidate>-<object> and must parse back (controller/provider/naming.h).
// `what` names the field in the error: "session name", "candidate".
Status validate_id(std::string_view what, std::string_view id);

inline constexpr std::size_t kMaxCandidates = 500;
// Largest lab.yaml a session is made from (a copy of it is kept in the store).
inline constexpr std::size_t kMaxLabYamlBytes = 4 << 20;

struct CreateSessionRequest {
  std::string lab;                      // a lab id (folder under the labs dir) or a path to a
                                        // lab folder or its lab.yaml, inside the labs dir
  std::vector<std::string> candidates;  // at least one, unique, valid ids
  std::optional<std::uint64_t> seed;    // drawn when absent
  std::optional<std::string> name;      // the session id; generated ("s" + 8 hex) when absent
  bool feedback = false;                // candidates may read their own results
  bool candidate_resets = false;        // candidates may reset their own machines from their page
  // This session's own check interval (check_interval.h): 0 turns periodic checks off; absent,
  // the lab's check_interval and then atelierd's --check-interval apply. 0..24h.
  std::optional<std::chrono::seconds> check_interval;
  // Candidate id -> the name people read ("Alice Martin"), for those that have one: at most
  // kMaxDisplayNameBytes, no control characters, each naming a listed candidate.
  std::map<std::string, std::string> display_names;
};

inline constexpr std::size_t kMaxDisplayNameBytes = 100;

class SessionService {
 public:
  struct Options {
    std::filesystem::path labs_dir;  // every lab a session uses lives below this folder
    lab::LoadOptions load;           // recipes root etc.
    std::function<store::TimePoint()> clock = [] { return store::Clock::now(); };
    std::function<std::uint64_t()> random;  // for ids and seeds; std::random_device when empty
    // Structured log (level, message, "key=value ..." fields); empty: nothing logged.
    std::function<void(std::string_view, std::string_view, const std::string&)> log;
  };

  SessionService(store::Store& store, Options options);

  // Validates the request and loads the lab; on success records the session and its candidate
  // labs (desired: active, status: pending) with an audit entry by `actor`, and returns the
  // record. Errors: kInvalidArgument (bad ids, candidates, or a lab with errors: then
  // `diagnostics` holds every one), kNotFound (no such lab), kPermissionDenied (a path outside
  // the labs dir), kAlreadyExists (the name is taken).
  Result<store::SessionRecord> create(const CreateSessionRequest& request, std::string_view actor,
                                      std::vector<lab::Diagnostic>* diagnostics);

  // Marks the session's desired state destroyed (the reconciler tears it down). Idempotent;
  // kNotFound for an unknown id.
  Status destroy(std::string_view session, std::string_view actor);

  // The lab of a session as the given candidate sees it, resolved with the session's seed:
  // from the copy of the lab taken when the session was made (in the store), so that editing,
  // breaking or deleting the lab folder afterwards changes only new sessions. A session made
  // before copies were kept reads its lab_path (logged once per session). kNotFound for an
  // unknown session or candidate.
  Result<lab::Lab> candidate_lab(std::string_view session, std::string_view candidate);

  // Where `lab` (an id or a path) points: the lab.yaml's absolute, normalised path.
  Result<std::filesystem::path> resolve_lab_path(std::string_view lab) const;

  store::Store& store() { return store_; }
  const Options& options() const {
    return options_;
  }  // the labs dir and load options (the pages list labs)
  store::TimePoint now() const { return options_.clock(); }

 private:
  std::uint64_t random();
  // The session's lab, unresolved: from its copy, else (older sessions) from lab_path.
  Result<lab::Lab> session_lab(const store::SessionRecord& record);
  store::Store& store_;
  Options options_;
  std::mutex legacy_mutex_;  // candidate_lab runs on io threads and the reconciler's
  std::set<std::string, std::less<>> legacy_logged_;  // sessions without a copy, logged once
};

}  // namespace atelier::sessions
