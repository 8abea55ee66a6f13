// Store: the controller's durable state in one SQLite file (WAL) under the state directory.
// It holds the desired state of sessions and candidate labs (written before any libvirt call),
// what the reconciler observed, the hosts, the libvirt objects it is about to create, check
// results, access tokens (hashed) and the audit log. Every write is one transaction.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/digest.h"
#include "common/result.h"
#include "controller/evidence/signing_key.h"
#include "controller/sessions/model.h"
#include "controller/store/sqlite.h"

namespace atelier::store {

// The session model moved to controller/sessions/model.h.
// alias kept while callers move
using sessions::Clock;
using sessions::DesiredState;
using sessions::kSteps;
using sessions::LabStatus;
using sessions::parse_desired_state;
using sessions::parse_lab_status;
using sessions::parse_role;
using sessions::parse_step_state;
using sessions::Role;
using sessions::Step;
using sessions::StepState;
using sessions::TimePoint;
using sessions::to_string;

// A session's copy of its lab: each file's path relative to the lab folder ("lab.yaml",
// "tickets/T1.fr.md") -> its contents.
using SessionLabFiles = std::map<std::string, std::string>;

struct SessionRecord {
  std::string id;        // [a-z0-9][a-z0-9_]{0,23}
  std::string lab_path;  // absolute path of the lab.yaml
  std::string lab_id;
  std::uint64_t seed = 0;
  TimePoint created_at{};
  DesiredState desired = DesiredState::kActive;
  LabStatus status = LabStatus::kPending;
  bool feedback = false;          // candidates may read their own results
  bool candidate_resets = false;  // candidates may reset their own machines from their page
  std::string created_by;         // token id of the trainer, or "cli"
  // How often the controller runs this session's checks, when the trainer set it: 0 means no
  // periodic checks; nullopt leaves it to the lab's check_interval, then atelierd's
  // --check-interval (controller/sessions/check_interval.h).
  std::optional<std::chrono::seconds> check_interval;
};

struct CandidateLabRecord {
  std::string session;
  std::string candidate;  // [a-z0-9][a-z0-9_]{0,23}
  LabStatus status = LabStatus::kPending;
  std::array<StepState, kSteps.size()> steps{};  // indexed by Step
  std::string error;                             // the last failure, empty when none
  std::optional<std::string> host;               // where it is placed, once placed
  TimePoint updated_at{};
  // When the lab became ready and was handed over to the candidate: its tickets open then.
  // Set once by the reconciler; a later reset or repair keeps it.
  std::optional<TimePoint> handed_over_at;
  std::string display_name;  // the name people read ("Alice Martin"), "" when none was given
};

struct HostRecord {
  std::string name;  // a short name for the hypervisor host
  std::string uri;   // libvirt URI
  std::uint64_t memory_bytes = 0;
  int vcpus = 0;
  bool enabled = true;
};

enum class ObjectKind { kNetwork, kVolume, kDomain };
std::string_view to_string(ObjectKind k);
std::optional<ObjectKind> parse_object_kind(std::string_view s);
// kIntended is written before the libvirt call that creates the object, so that a crash
// between the two leaves a record the reconciler can look for.
enum class ObjectState { kIntended, kCreated, kDeleted };
std::string_view to_string(ObjectState s);
std::optional<ObjectState> parse_object_state(std::string_view s);

struct ObjectRecord {
  std::int64_t id = 0;  // assigned by record_object
  std::string session;
  std::string candidate;
  ObjectKind kind = ObjectKind::kNetwork;
  std::string name;  // the libvirt name
  std::string host;  // HostRecord::name
  ObjectState state = ObjectState::kIntended;
  TimePoint recorded_at{};
};

// One check's outcome in one run, as the agent sent it. The fields match grading's
// CheckResult (controller/grading/model.h) so that grading reads them without translation.
struct ResultRecord {
  std::string result_id;  // unique, chosen by the sender: a resend is recognised, not counted
  std::string session;
  std::string candidate;
  std::string task;
  int check_index = 0;  // position of the check in the task
  std::string host;
  std::string description;
  std::string status;    // "pass", "fail" or "error", as the agent said (see integrity)
  std::string expected;  // evidence: what the check wanted
  std::string observed;  // evidence: what was seen
  std::string run_id;
  TimePoint started_at{};
  TimePoint finished_at{};
  TimePoint received_at{};
  // Who started the run: "atelierd" for the periodic runs, the token id of whoever asked for an
  // on-demand run, "" when not known (results stored before schema version 4).
  std::string run_by;
  // Set by add_result when the store has a signing key (result_signature.h): the Ed25519
  // signature of the record's canonical bytes, base64, and the key's fingerprint. Empty for
  // results stored unsigned (before schema version 7, or by a store without a key). add_result
  // ignores what the caller puts here.
  std::string signature;
  std::string signing_key;
  // "" when the host's answer was clean; else the evidence that the agent was tampered with
  // (decoys.h). Signed with the rest when not empty (result_signature.h).
  std::string integrity;
};

// ---- evaluator actions (evaluations.cpp): each one is written with its audit entry ----

// A note by an evaluator on a candidate (task and result_id empty), a task (result_id empty)
// or one check result. Notes never change grades.
struct AnnotationRecord {
  std::int64_t seq = 0;  // assigned by the store
  std::string session;
  std::string candidate;
  std::string task;       // "" : about the candidate
  std::string result_id;  // "" : about the task (or the candidate)
  std::string text;
  std::string who;  // the token id and label: "3fa2c1d9e0b4 (jury-martin)"
  TimePoint at{};
};

// A task's points replaced by an evaluator, with the written justification. The latest one of
// a (candidate, task) applies (controller/grading/grade.h).
struct OverrideRecord {
  std::int64_t seq = 0;  // assigned by the store
  std::string session;
  std::string candidate;
  std::string task;
  double points = 0;
  std::string justification;
  std::string who;
  TimePoint at{};
};

// The session's results were collected at `at`: from then on nothing the session's results
// hold changes (add_result stores nothing more, add_override refuses).
struct FreezeRecord {
  std::string session;
  TimePoint at{};
  std::string who;
};

// A trainer's action (reset, solve, check run) as the reconciler records it when it starts and
// again when it ends, so that its id and outcome outlive atelierd (api::ActionRecord is its API
// form; controller/api/actions_api.h converts between the two).
struct ActionRecord {
  std::string id;
  std::string kind;  // "reset", "solve", "check_run"
  std::string session;
  std::vector<std::string> candidates;
  std::string host;   // "" : the whole lab
  std::string state;  // "running", "done", "failed"
  std::string error;
  std::string run_id;
  std::string verdicts = "[]";  // a JSON array, as the API shows it
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;
};

// The error of an action that was running when atelierd stopped (fail_running_actions).
inline constexpr std::string_view kInterruptedActionError =
    "interrupted: atelierd stopped before it finished; run it again";

struct TokenRecord {
  std::string id;  // the first 12 hex digits of the hash: safe to log and audit
  Role role = Role::kTrainer;
  std::optional<std::string> session;    // set: the token is limited to this session
  std::optional<std::string> candidate;  // set for candidate tokens (with session)
  std::string label;
  TimePoint created_at{};
  std::optional<TimePoint>
      expires_at;  // nullopt: no fixed end (a candidate token ends with its session)
};

// How long a trainer or evaluator token lasts when its creator does not say (documented in
// docs/api.md); candidate tokens end with their session instead.
inline constexpr std::chrono::hours kDefaultTokenLifetime{24 * 90};

// A token lifetime as written by people: "90d", "12h", "30m", or "never" (nullopt). At most
// ten years; kInvalidArgument with the expected form otherwise.
Result<std::optional<std::chrono::seconds>> parse_token_lifetime(std::string_view text);

// Longest evaluator's note accepted (a few pages of text).
inline constexpr std::size_t kMaxAnnotationTextBytes = 16 * 1024;

// Longest token label accepted (a note saying who the token is for).
inline constexpr std::size_t kMaxTokenLabelBytes = 200;

// A candidate's access code as stored (access_codes.cpp): the code itself is derived from the
// generation under atelierd's key and never stored; `digest` is its keyed hash, for lookup.
struct AccessCodeRecord {
  std::string session;
  std::string candidate;
  std::int64_t generation = 1;
  std::string digest;
};

// A candidate's browser session, opened by a login with the code of `generation`.
struct WebSessionRecord {
  std::string session;
  std::string candidate;
  std::int64_t generation = 1;
  TimePoint expires_at{};
};

// A person's account (users.cpp): a trainer or evaluator who signs in to the pages by name and
// password. `session` set: limited to that session, like a session-limited token.
struct UserRecord {
  std::string name;  // [a-z0-9][a-z0-9._-]{0,31}
  Role role = Role::kTrainer;
  std::optional<std::string> session;
  bool disabled = false;
  TimePoint created_at{};
};

// What a login compares: the account and its stored scrypt string (password.h).
struct UserCredentials {
  UserRecord user;
  std::string password_hash;
};

// Whether `name` is a valid account name (see UserRecord::name).
bool valid_user_name(std::string_view name);

// The agent instance a host last answered with (protocol::AgentInstance, kept apart from the
// protocol's type): the nonce drawn at agent start, the guest's clock then, its boot id.
struct AgentInstanceRecord {
  std::string nonce;
  std::int64_t started_unix_ms = 0;
  std::string boot_id;
  bool operator==(const AgentInstanceRecord&) const = default;
};

// What was written to the store, cheaply (no table is read): two equal stamps of one Store mean
// nothing was committed in between, by this connection (`own`: its changed rows) or by any
// other (`others`: SQLite's data_version). The event feeds poll it before reading a snapshot.
struct ChangeStamp {
  std::int64_t others = 0;
  std::int64_t own = 0;
  bool operator==(const ChangeStamp&) const = default;
};

struct AuditEntry {
  std::int64_t seq = 0;  // assigned by the store
  TimePoint at{};
  std::string actor;   // token id, or "cli", or "atelierd"
  std::string action;  // "session.create", "session.destroy", "token.create", ...
  std::string target;  // "session s1", "candidate s1/c01", ...
  std::string detail;  // free text
};

class Store {
 public:
  // Opens STATE_DIR/atelier.db, creating the folder and the file if needed, and brings the
  // schema up to date (migrations are idempotent: reopening applies nothing).
  // Also loads STATE_DIR/signing.key (made on first use, 0600): every result stored through
  // it is signed. open_file* open an unsigned store until set_signing_key is called.
  static Result<Store> open(const std::filesystem::path& state_dir);
  static Result<Store> open_file(const std::filesystem::path& file);
  // Tests of upgrades: opens FILE bringing its schema only up to `version` (the file an older
  // atelier, whose last migration was `version`, would have written). Migrations are append
  // only, so this is that older atelier's schema exactly.
  static Result<Store> open_file_at_version(const std::filesystem::path& file, int version);
  static std::filesystem::path database_path(const std::filesystem::path& state_dir);

  // The schema version after open(); kSchemaVersion on a current file.
  Result<int> schema_version();
  static int latest_schema_version();
  // See ChangeStamp. Costs one PRAGMA, which reads no table.
  Result<ChangeStamp> change_stamp();

  // ---- sessions and candidate labs ----
  // Records a session, one candidate lab per candidate (pending, every step pending), the
  // session's copy of its lab (`lab_files`: path in the lab folder -> contents) and the audit
  // entry, in one transaction: on any error nothing of it is left. kAlreadyExists when the id
  // is taken. `display_names`: candidate id -> the name people read ("Alice Martin"), for the
  // candidates that have one; a name for a candidate not listed is ignored.
  Status create_session(const SessionRecord& session, const std::vector<std::string>& candidates,
                        const AuditEntry& audit, const SessionLabFiles& lab_files = {},
                        const std::map<std::string, std::string>& display_names = {});
  // The copy of its lab recorded with the session (session_labs.cpp): empty for a session made
  // before copies were kept, or an unknown id.
  Result<SessionLabFiles> get_session_lab_files(std::string_view session);
  // kNotFound for an unknown id.
  Result<SessionRecord> get_session(std::string_view id);
  Result<std::vector<SessionRecord>> list_sessions();  // oldest first
  // One page of list_sessions: at most `limit` sessions, oldest first, starting after the
  // session `after` (from the first without). kNotFound when `after` names no session.
  Result<std::vector<SessionRecord>> list_sessions_page(const std::optional<std::string>& after,
                                                        std::size_t limit);
  // Sets what should exist, with its audit entry. Idempotent; kNotFound for an unknown id.
  Status set_desired_state(std::string_view id, DesiredState desired, const AuditEntry& audit);
  Status set_session_status(std::string_view id, LabStatus status);

  Result<std::vector<CandidateLabRecord>> list_candidate_labs(std::string_view session);
  Result<CandidateLabRecord> get_candidate_lab(std::string_view session,
                                               std::string_view candidate);
  // Writes status, steps, error, host and updated_at. kNotFound when the lab is not recorded.
  Status update_candidate_lab(const CandidateLabRecord& lab);

  // ---- agent instances (agent_instances.cpp) ----
  // The last instance HOST of the candidate lab answered with; nullopt when none is recorded.
  Result<std::optional<AgentInstanceRecord>> get_agent_instance(std::string_view session,
                                                                std::string_view candidate,
                                                                std::string_view host);
  // Records it, replacing the one before.
  Status put_agent_instance(std::string_view session, std::string_view candidate,
                            std::string_view host, const AgentInstanceRecord& instance);

  // ---- hosts ----
  Status upsert_host(const HostRecord& host);
  Result<std::vector<HostRecord>> list_hosts();

  // ---- libvirt objects ----
  // Records an object (normally kIntended) and returns its id. Recording the same
  // (host, kind, name) again returns the existing id and updates its state.
  Result<std::int64_t> record_object(const ObjectRecord& object);
  Status set_object_state(std::int64_t id, ObjectState state);
  Result<std::vector<ObjectRecord>> list_objects(std::string_view session);

  // ---- results ----
  // true when stored, false when a result with this id was already stored (a resend), and
  // false too once the session's results are frozen (collected): a result that arrives after
  // the freeze is ignored, not refused, so that senders need no new error path.
  // kNotFound when the candidate lab is not recorded.
  Result<bool> add_result(const ResultRecord& result);
  // Every result of the session (or of one candidate), in order of reception.
  Result<std::vector<ResultRecord>> list_results(std::string_view session,
                                                 std::optional<std::string_view> candidate = {});

  // ---- evaluator actions (evaluations.cpp) ----
  // Each write is one transaction with its audit entry: actor `audit_actor` (a token id),
  // actions "results.annotate", "results.override", "results.collect", target
  // "candidate SESSION/CANDIDATE" (or "session SESSION"), the content in the detail.
  // kNotFound when the session or candidate lab is not recorded.

  // Records a note and returns its seq. kInvalidArgument for a blank text.
  Result<std::int64_t> add_annotation(const AnnotationRecord& annotation,
                                      std::string_view audit_actor);
  Result<std::vector<AnnotationRecord>> list_annotations(
      std::string_view session, std::optional<std::string_view> candidate = {});
  // Records an override and returns its seq. kInvalidArgument for a blank justification or
  // negative points (the task's maximum is grading's to check: the store does not know the
  // lab); kFailedPrecondition when the session is frozen.
  Result<std::int64_t> add_override(const OverrideRecord& override_record,
                                    std::string_view audit_actor);
  Result<std::vector<OverrideRecord>> list_overrides(
      std::string_view session, std::optional<std::string_view> candidate = {});
  // Freezes the session's results at `at`. Idempotent: a frozen session keeps its first freeze,
  // which is returned (and no second audit entry is written).
  Result<FreezeRecord> freeze_session(std::string_view session, TimePoint at, std::string_view who,
                                      std::string_view audit_actor);
  // nullopt while the session is not frozen. kNotFound for an unknown session.
  Result<std::optional<FreezeRecord>> get_freeze(std::string_view session);

  // ---- the trainer's actions ----
  // Inserts the action or replaces the record of the same id.
  Status put_action(const ActionRecord& action);
  // kNotFound for an unknown id.
  Result<ActionRecord> get_action(std::string_view id);
  // The session's actions still running, oldest first (running_actions.cpp); an unknown
  // session has none. The candidate's page shows a machine "resetting" from these.
  Result<std::vector<ActionRecord>> list_running_actions(std::string_view session);
  // At startup, before any new action: every action still `running` was cut short by a stop or
  // a crash of the previous atelierd; it becomes `failed` with kInterruptedActionError and
  // finished_at = now. Returns how many.
  Result<std::int64_t> fail_running_actions(TimePoint now);

  // ---- tokens (tokens.cpp) ----
  // Creates a token and returns its secret text ("atl_" + 64 hex digits); only its SHA-256 is
  // stored. A candidate token needs session and candidate of a recorded candidate lab; a
  // trainer or evaluator token may be limited to a recorded session. kInvalidArgument or
  // kNotFound otherwise; kInvalidArgument for a label over kMaxTokenLabelBytes or an expiry
  // not after `now`. `expires_at` nullopt: the token has no fixed end. Audited with `actor`.
  Result<std::string> create_token(Role role, const std::optional<std::string>& session,
                                   const std::optional<std::string>& candidate,
                                   std::string_view label, TimePoint now, std::string_view actor,
                                   std::optional<TimePoint> expires_at = std::nullopt);
  // The token's record, or kPermissionDenied for a token that is not known, revoked, expired at
  // `now`, or a candidate token whose session was destroyed (it ends with its session).
  Result<TokenRecord> authenticate(std::string_view secret, TimePoint now = Clock::now());
  // Revokes the token with this id; kNotFound for an unknown or already revoked one. With
  // `session`, only a token limited to that session (a session-limited trainer's reach).
  Status revoke_token(std::string_view id, const AuditEntry& audit,
                      const std::optional<std::string>& session = std::nullopt);
  // The tokens neither revoked nor expired at `now`, oldest first; with `session`, only those
  // limited to it.
  Result<std::vector<TokenRecord>> list_tokens(
      TimePoint now = Clock::now(), const std::optional<std::string>& session = std::nullopt);
  // Every token's label by its id, revoked and expired ones too (a session keeps the id of the
  // token that created it): for pages that name who did something, never the secret.
  Result<std::map<std::string, std::string>> token_labels();

  // ---- candidate access codes and web sessions (access_codes.cpp) ----
  // The codes issued in a session, by candidate. kNotFound for an unknown session.
  Result<std::vector<AccessCodeRecord>> list_access_codes(std::string_view session);
  // Records a candidate's code (insert, or replace its generation and digest), with the audit
  // entry. Replacing ends every web session of that candidate in the same transaction.
  // kNotFound when the candidate lab is not recorded; kAlreadyExists when the digest is taken.
  Status put_access_code(const AccessCodeRecord& code, const AuditEntry& audit);
  // The code with this digest, when it belongs to a session that is not destroyed.
  Result<std::optional<AccessCodeRecord>> find_access_code(std::string_view digest);
  // Records a web session under the SHA-256 digest of its cookie.
  Status create_web_session(std::string_view digest, const WebSessionRecord& web);
  // The web session with this digest while it is valid: not expired at `now`, opened with the
  // candidate's current code and in a session that is not destroyed; nullopt otherwise.
  Result<std::optional<WebSessionRecord>> find_web_session(std::string_view digest, TimePoint now);
  // Ends a web session (logout) and forgets expired ones. Idempotent.
  Status delete_web_session(std::string_view digest, TimePoint now);

  // ---- people's accounts and their browser sessions (users.cpp) ----
  // Each write is audited ("user.create", "user.passwd", "user.disable", target "user NAME").
  // kInvalidArgument for a bad name, a candidate role or a hash that is not ours;
  // kAlreadyExists for a taken name; kNotFound for an unknown session.
  Status create_user(const UserRecord& user, std::string_view password_hash,
                     const AuditEntry& audit);
  // Replaces the password hash; ends the user's browser sessions. kNotFound for an unknown name.
  Status set_user_password(std::string_view name, std::string_view password_hash,
                           const AuditEntry& audit);
  // Disables the account and ends its browser sessions at once. kNotFound for an unknown name.
  Status disable_user(std::string_view name, const AuditEntry& audit);
  Result<std::vector<UserRecord>> list_users();  // by name
  // The account and its hash, disabled or not (the caller refuses a disabled one); nullopt for
  // an unknown name.
  Result<std::optional<UserCredentials>> find_user(std::string_view name);
  // Records a browser session of `user` under the SHA-256 digest of its cookie.
  Status create_staff_session(std::string_view digest, std::string_view user, TimePoint expires_at);
  // The account of a staff browser session while it is valid: not expired at `now`, its user
  // not disabled. nullopt otherwise.
  Result<std::optional<UserRecord>> find_staff_session(std::string_view digest, TimePoint now);
  // Ends a staff browser session (logout) and forgets expired ones. Idempotent.
  Status delete_staff_session(std::string_view digest, TimePoint now);

  // ---- audit log ----
  Status append_audit(const AuditEntry& entry);
  Result<std::vector<AuditEntry>> list_audit(std::size_t limit = 1000);  // newest last

  // ---- counts for /metrics ----
  struct Counts {
    std::int64_t sessions_active = 0;
    std::int64_t sessions_destroyed = 0;
    std::array<std::int64_t, 6> candidate_labs_by_status{};  // indexed by LabStatus
    std::int64_t results = 0;
  };
  Result<Counts> counts();

  Database& database() { return db_; }

  // The key add_result signs with; null: results are stored unsigned.
  void set_signing_key(std::shared_ptr<const evidence::SigningKey> key) {
    signing_key_ = std::move(key);
  }
  const evidence::SigningKey* signing_key() const { return signing_key_.get(); }

 private:
  explicit Store(Database db) : db_(std::move(db)) {}
  Status migrate(int up_to);
  Status insert_audit(const AuditEntry& entry);  // inside the caller's transaction
  // Inside create_session's transaction.
  Status insert_session_lab_files(const std::string& session, const SessionLabFiles& files);
  Database db_;
  std::shared_ptr<const evidence::SigningKey> signing_key_;
};

// SHA-256 of `text` as 64 lowercase hex digits.
using crypto::sha256_hex;  // common/crypto/digest.h

}  // namespace atelier::store
