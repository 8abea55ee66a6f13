// Store: schema, migrations and the typed reads and writes over SQLite (see store.h).
#include "controller/store/store.h"
#include "controller/store/millis.h"

#include "controller/store/migrations.h"
#include "controller/store/result_signature.h"
#include "controller/store/state_permissions.h"

#include <algorithm>
#include <limits>
#include <system_error>
#include <utility>

namespace atelier::store {
namespace {

constexpr const char* kStepColumns =
    "step_networks, step_disks, step_domains, step_booted, step_agent, step_roles, "
    "step_incidents, step_ready";

SessionRecord read_session(const Statement& st) {
  SessionRecord s;
  s.id = st.column_text(0);
  s.lab_path = st.column_text(1);
  s.lab_id = st.column_text(2);
  s.seed = static_cast<std::uint64_t>(st.column_int(3));
  s.created_at = from_millis(st.column_int(4));
  s.desired = parse_desired_state(st.column_text(5)).value_or(DesiredState::kActive);
  s.status = parse_lab_status(st.column_text(6)).value_or(LabStatus::kPending);
  s.feedback = st.column_int(7) != 0;
  s.created_by = st.column_text(8);
  if (!st.column_is_null(9)) s.check_interval = std::chrono::seconds(st.column_int(9));
  s.candidate_resets = st.column_int(10) != 0;
  return s;
}
constexpr const char* kSessionColumns =
    "id, lab_path, lab_id, seed, created_at, desired, status, feedback, created_by, "
    "check_interval_s, "
    "candidate_resets";

Result<CandidateLabRecord> read_candidate_lab(const Statement& st) {
  CandidateLabRecord c;
  c.session = st.column_text(0);
  c.candidate = st.column_text(1);
  auto status = parse_lab_status(st.column_text(2));
  if (!status) return corrupt("candidate lab status " + st.column_text(2));
  c.status = *status;
  for (std::size_t i = 0; i < kSteps.size(); ++i) {
    auto state = parse_step_state(st.column_text(3 + static_cast<int>(i)));
    if (!state) return corrupt("step state " + st.column_text(3 + static_cast<int>(i)));
    c.steps[i] = *state;
  }
  c.error = st.column_text(11);
  c.host = st.column_optional_text(12);
  c.updated_at = from_millis(st.column_int(13));
  if (!st.column_is_null(14)) c.handed_over_at = from_millis(st.column_int(14));
  c.display_name = st.column_text(15);
  return c;
}

ResultRecord read_result(const Statement& st) {
  ResultRecord r;
  r.result_id = st.column_text(0);
  r.session = st.column_text(1);
  r.candidate = st.column_text(2);
  r.task = st.column_text(3);
  r.check_index = static_cast<int>(st.column_int(4));
  r.host = st.column_text(5);
  r.description = st.column_text(6);
  r.status = st.column_text(7);
  r.expected = st.column_text(8);
  r.observed = st.column_text(9);
  r.run_id = st.column_text(10);
  r.started_at = from_millis(st.column_int(11));
  r.finished_at = from_millis(st.column_int(12));
  r.received_at = from_millis(st.column_int(13));
  r.run_by = st.column_text(14);
  r.signature = st.column_text(15);
  r.signing_key = st.column_text(16);
  r.integrity = st.column_text(17);
  return r;
}

}  // namespace

std::filesystem::path Store::database_path(const std::filesystem::path& state_dir) {
  return state_dir / "atelier.db";
}

Result<Store> Store::open(const std::filesystem::path& state_dir) {
  // A new state folder is private (0700); an existing one keeps its mode here (atelierd sets it
  // at start with secure_state_dir, traversal only when QEMU must pass through it).
  ATELIER_RETURN_IF_ERROR(create_private_dir(state_dir));
  auto store = open_file(database_path(state_dir));
  if (!store.ok()) return store;
  // The results of a store in a state folder are signed with that folder's key, made on first use.
  auto key = evidence::SigningKey::load_or_create(state_dir / evidence::kSigningKeyFile);
  if (!key.ok()) return std::move(key).error().context("open the signing key");
  store->set_signing_key(std::make_shared<const evidence::SigningKey>(std::move(key).value()));
  return store;
}

Result<Store> Store::open_file(const std::filesystem::path& file) {
  return open_file_at_version(file, latest_schema_version());
}

Result<Store> Store::open_file_at_version(const std::filesystem::path& file, int version) {
  if (version < 0 || version > latest_schema_version()) {
    return Error(ErrorCode::kInvalidArgument, "no schema version " + std::to_string(version));
  }
  auto db = Database::open(file);
  if (!db.ok()) return std::move(db).error().context("open the store");
  Store store(std::move(db).value());
  Status migrated = store.migrate(version);
  if (!migrated.ok()) return std::move(migrated).error().context("migrate " + file.string());
  return store;
}

int Store::latest_schema_version() {
  return static_cast<int>(migrations().size());
}

Result<int> Store::schema_version() {
  auto st = db_.prepare("PRAGMA user_version");
  if (!st.ok()) return std::move(st).error();
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  return static_cast<int>(st->column_int(0));
}

Result<ChangeStamp> Store::change_stamp() {
  auto others = db_.data_version();
  if (!others.ok()) return std::move(others).error();
  return ChangeStamp{*others, db_.total_changes()};
}

Status Store::migrate(int up_to) {
  auto tx = Transaction::begin(db_);  // serialises concurrent openers of a new file
  if (!tx.ok()) return std::move(tx).error();
  auto version = schema_version();
  if (!version.ok()) return std::move(version).error();
  if (*version > latest_schema_version()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the store's schema version " + std::to_string(*version) +
                     " is newer than this atelier knows (" +
                     std::to_string(latest_schema_version()) + "); upgrade atelier");
  }
  for (int v = *version; v < up_to; ++v) {
    Status s = db_.exec(migrations()[static_cast<std::size_t>(v)]);
    if (!s.ok()) return std::move(s).error().context("apply migration " + std::to_string(v + 1));
    ATELIER_RETURN_IF_ERROR(db_.exec("PRAGMA user_version = " + std::to_string(v + 1)));
  }
  return tx->commit();
}

Status Store::insert_audit(const AuditEntry& entry) {
  auto st =
      db_.prepare("INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, to_millis(entry.at))
      .bind(2, entry.actor)
      .bind(3, entry.action)
      .bind(4, entry.target)
      .bind(5, entry.detail);
  return st->run();
}

Status Store::append_audit(const AuditEntry& entry) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  ATELIER_RETURN_IF_ERROR(insert_audit(entry));
  return tx->commit();
}

Result<std::vector<AuditEntry>> Store::list_audit(std::size_t limit) {
  auto st = db_.prepare(
      "SELECT seq, at, actor, action, target, detail FROM "
      "(SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, static_cast<std::int64_t>(limit));
  std::vector<AuditEntry> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back({st->column_int(0), from_millis(st->column_int(1)), st->column_text(2),
                   st->column_text(3), st->column_text(4), st->column_text(5)});
  }
  return out;
}

Status Store::create_session(const SessionRecord& session,
                             const std::vector<std::string>& candidates, const AuditEntry& audit,
                             const SessionLabFiles& lab_files,
                             const std::map<std::string, std::string>& display_names) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare(std::string("INSERT INTO sessions (") + kSessionColumns +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session.id)
      .bind(2, session.lab_path)
      .bind(3, session.lab_id)
      .bind(4, static_cast<std::int64_t>(session.seed))
      .bind(5, to_millis(session.created_at))
      .bind(6, to_string(session.desired))
      .bind(7, to_string(session.status))
      .bind(8, std::int64_t{session.feedback ? 1 : 0})
      .bind(9, session.created_by);
  if (session.check_interval) {
    st->bind(10, static_cast<std::int64_t>(session.check_interval->count()));
  } else {
    st->bind(10, std::optional<std::string>{});
  }
  st->bind(11, std::int64_t{session.candidate_resets ? 1 : 0});
  Status s = st->run();
  if (!s.ok()) {
    if (s.error().code() == ErrorCode::kAlreadyExists) {
      return Error(ErrorCode::kAlreadyExists,
                   "a session named \"" + session.id + "\" already exists");
    }
    return std::move(s).error().context("record session " + session.id);
  }
  ATELIER_RETURN_IF_ERROR(insert_session_lab_files(session.id, lab_files));
  // display_name (migration 14) is named only when some candidate has one: a session without
  // writes the row earlier schemas knew (tests build stores at older versions this way).
  const bool named = !display_names.empty();
  auto lab = db_.prepare(
      named ? "INSERT INTO candidate_labs (session, candidate, status, updated_at, display_name) "
              "VALUES (?, ?, ?, ?, ?)"
            : "INSERT INTO candidate_labs (session, candidate, status, updated_at) VALUES (?, ?, "
              "?, ?)");
  if (!lab.ok()) return std::move(lab).error();
  for (const auto& c : candidates) {
    ATELIER_RETURN_IF_ERROR(lab->reset());
    lab->bind(1, session.id)
        .bind(2, c)
        .bind(3, to_string(LabStatus::kPending))
        .bind(4, to_millis(session.created_at));
    if (named) {
      auto shown = display_names.find(c);
      lab->bind(5, shown == display_names.end() ? std::string() : shown->second);
    }
    Status r = lab->run();
    if (!r.ok()) {
      if (r.error().code() == ErrorCode::kAlreadyExists) {
        return Error(ErrorCode::kInvalidArgument, "candidate \"" + c + "\" is listed twice");
      }
      return std::move(r).error().context("record candidate " + c);
    }
  }
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Result<SessionRecord> Store::get_session(std::string_view id) {
  auto st = db_.prepare(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return Error(ErrorCode::kNotFound, "no session \"" + std::string(id) + "\"");
  return read_session(*st);
}

Result<std::vector<SessionRecord>> Store::list_sessions() {
  auto st = db_.prepare(std::string("SELECT ") + kSessionColumns +
                        " FROM sessions ORDER BY created_at, id");
  if (!st.ok()) return std::move(st).error();
  std::vector<SessionRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back(read_session(*st));
  }
  return out;
}

Result<std::vector<SessionRecord>> Store::list_sessions_page(
    const std::optional<std::string>& after, std::size_t limit) {
  std::int64_t from_at = std::numeric_limits<std::int64_t>::min();
  std::string from_id;
  if (after) {
    auto last = get_session(*after);
    if (!last.ok()) return std::move(last).error();
    from_at = to_millis(last->created_at);
    from_id = last->id;
  }
  // Keyset order (created_at, id): a page is found by the index, whatever its depth.
  auto st =
      db_.prepare(std::string("SELECT ") + kSessionColumns +
                  " FROM sessions WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, from_at).bind(2, from_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<SessionRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back(read_session(*st));
  }
  return out;
}

Status Store::set_desired_state(std::string_view id, DesiredState desired,
                                const AuditEntry& audit) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare("UPDATE sessions SET desired = ? WHERE id = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, to_string(desired)).bind(2, id);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0)
    return Error(ErrorCode::kNotFound, "no session \"" + std::string(id) + "\"");
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Status Store::set_session_status(std::string_view id, LabStatus status) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare("UPDATE sessions SET status = ? WHERE id = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, to_string(status)).bind(2, id);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0)
    return Error(ErrorCode::kNotFound, "no session \"" + std::string(id) + "\"");
  return tx->commit();
}

Result<std::vector<CandidateLabRecord>> Store::list_candidate_labs(std::string_view session) {
  auto st = db_.prepare(std::string("SELECT session, candidate, status, ") + kStepColumns +
                        ", error, host, updated_at, handed_over_at, display_name FROM "
                        "candidate_labs WHERE session = ? "
                        "ORDER BY rowid");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  std::vector<CandidateLabRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    auto lab = read_candidate_lab(*st);
    if (!lab.ok()) return std::move(lab).error();
    out.push_back(std::move(lab).value());
  }
  return out;
}

Result<CandidateLabRecord> Store::get_candidate_lab(std::string_view session,
                                                    std::string_view candidate) {
  auto st = db_.prepare(
      std::string("SELECT session, candidate, status, ") + kStepColumns +
      ", error, host, updated_at, handed_over_at, display_name FROM candidate_labs WHERE "
      "session = ? AND candidate = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session).bind(2, candidate);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) {
    return Error(ErrorCode::kNotFound, "no candidate \"" + std::string(candidate) +
                                           "\" in session \"" + std::string(session) + "\"");
  }
  return read_candidate_lab(*st);
}

Status Store::update_candidate_lab(const CandidateLabRecord& lab) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare(
      "UPDATE candidate_labs SET status = ?, step_networks = ?, step_disks = ?, step_domains = ?, "
      "step_booted = ?, step_agent = ?, step_roles = ?, step_incidents = ?, step_ready = ?, "
      "error = ?, host = ?, updated_at = ?, handed_over_at = ? WHERE session = ? AND candidate = "
      "?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, to_string(lab.status));
  for (std::size_t i = 0; i < kSteps.size(); ++i)
    st->bind(2 + static_cast<int>(i), to_string(lab.steps[i]));
  st->bind(10, lab.error).bind(11, lab.host).bind(12, to_millis(lab.updated_at));
  if (lab.handed_over_at) {
    st->bind(13, to_millis(*lab.handed_over_at));
  } else {
    st->bind(13, std::optional<std::string>{});
  }
  st->bind(14, lab.session).bind(15, lab.candidate);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0) {
    return Error(ErrorCode::kNotFound,
                 "no candidate \"" + lab.candidate + "\" in session \"" + lab.session + "\"");
  }
  return tx->commit();
}

Result<bool> Store::add_result(const ResultRecord& result) {
  if (result.status != "pass" && result.status != "fail" && result.status != "error") {
    return Error(ErrorCode::kInvalidArgument,
                 "result status \"" + result.status + "\" is not pass, fail or error");
  }
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto exists = db_.prepare("SELECT 1 FROM candidate_labs WHERE session = ? AND candidate = ?");
  if (!exists.ok()) return std::move(exists).error();
  exists->bind(1, result.session).bind(2, result.candidate);
  auto found = exists->step();
  if (!found.ok()) return std::move(found).error();
  if (!*found) {
    return Error(ErrorCode::kNotFound,
                 "no candidate \"" + result.candidate + "\" in session \"" + result.session + "\"");
  }
  // After the freeze the session's results no longer change: ignored, like a resend.
  auto frozen = db_.prepare("SELECT 1 FROM freezes WHERE session = ?");
  if (!frozen.ok()) return std::move(frozen).error();
  frozen->bind(1, result.session);
  auto is_frozen = frozen->step();
  if (!is_frozen.ok()) return std::move(is_frozen).error();
  if (*is_frozen) return false;
  auto st = db_.prepare(
      "INSERT INTO results (result_id, session, candidate, task, check_index, host, description, "
      "status, expected, observed, run_id, started_at, finished_at, received_at, run_by, "
      "signature, "
      "signing_key, integrity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (result_id) DO NOTHING");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, result.result_id)
      .bind(2, result.session)
      .bind(3, result.candidate)
      .bind(4, result.task)
      .bind(5, std::int64_t{result.check_index})
      .bind(6, result.host)
      .bind(7, result.description)
      .bind(8, result.status)
      .bind(9, result.expected)
      .bind(10, result.observed)
      .bind(11, result.run_id)
      .bind(12, to_millis(result.started_at))
      .bind(13, to_millis(result.finished_at))
      .bind(14, to_millis(result.received_at))
      .bind(15, result.run_by);
  // Signed as stored: the canonical bytes use the store's millisecond times.
  const SignedFields signed_fields = sign_result(signing_key_.get(), result);
  st->bind(16, signed_fields.signature)
      .bind(17, signed_fields.key_fingerprint)
      .bind(18, result.integrity);
  ATELIER_RETURN_IF_ERROR(st->run());
  bool inserted = db_.changes() > 0;
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return inserted;
}

Result<std::vector<ResultRecord>> Store::list_results(std::string_view session,
                                                      std::optional<std::string_view> candidate) {
  std::string sql =
      "SELECT result_id, session, candidate, task, check_index, host, description, status, "
      "expected, observed, run_id, started_at, finished_at, received_at, run_by, signature, "
      "signing_key, "
      "integrity FROM results WHERE session = ?";
  if (candidate) sql += " AND candidate = ?";
  sql += " ORDER BY rowid";
  auto st = db_.prepare(sql);
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  if (candidate) st->bind(2, *candidate);
  std::vector<ResultRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back(read_result(*st));
  }
  return out;
}

Result<Store::Counts> Store::counts() {
  Counts c;
  auto st = db_.prepare("SELECT desired, COUNT(*) FROM sessions GROUP BY desired");
  if (!st.ok()) return std::move(st).error();
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    if (parse_desired_state(st->column_text(0)) == DesiredState::kActive)
      c.sessions_active = st->column_int(1);
    else
      c.sessions_destroyed = st->column_int(1);
  }
  auto labs = db_.prepare("SELECT status, COUNT(*) FROM candidate_labs GROUP BY status");
  if (!labs.ok()) return std::move(labs).error();
  for (;;) {
    auto row = labs->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    if (auto s = parse_lab_status(labs->column_text(0))) {
      c.candidate_labs_by_status[static_cast<std::size_t>(*s)] = labs->column_int(1);
    }
  }
  auto results = db_.prepare("SELECT COUNT(*) FROM results");
  if (!results.ok()) return std::move(results).error();
  auto row = results->step();
  if (!row.ok()) return std::move(row).error();
  c.results = results->column_int(0);
  return c;
}

}  // namespace atelier::store
