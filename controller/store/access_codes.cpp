// Candidate access codes (generation and keyed digest only) and the web sessions a login opens
// (the SHA-256 of the cookie only). See store.h for the contracts; nothing here sees a code.
#include "controller/store/millis.h"
#include "controller/store/store.h"

namespace atelier::store {
Result<std::vector<AccessCodeRecord>> Store::list_access_codes(std::string_view session) {
  auto exists = get_session(session);
  if (!exists.ok()) return std::move(exists).error();
  auto st = db_.prepare(
      "SELECT session, candidate, generation, digest FROM access_codes WHERE session = ? ORDER BY "
      "candidate");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  std::vector<AccessCodeRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back({st->column_text(0), st->column_text(1), st->column_int(2), st->column_text(3)});
  }
  return out;
}

Status Store::put_access_code(const AccessCodeRecord& code, const AuditEntry& audit) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto check = db_.prepare("SELECT 1 FROM candidate_labs WHERE session = ? AND candidate = ?");
  if (!check.ok()) return std::move(check).error();
  check->bind(1, code.session).bind(2, code.candidate);
  auto found = check->step();
  if (!found.ok()) return std::move(found).error();
  if (!*found) {
    return Error(ErrorCode::kNotFound,
                 "no candidate \"" + code.candidate + "\" in session \"" + code.session + "\"");
  }
  auto st = db_.prepare(
      "INSERT INTO access_codes (session, candidate, generation, digest) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (session, candidate) DO UPDATE SET generation = excluded.generation, "
      "digest = excluded.digest");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, code.session).bind(2, code.candidate).bind(3, code.generation).bind(4, code.digest);
  ATELIER_RETURN_IF_ERROR(st->run());
  // A new code ends the old code's browser sessions at once, not at their expiry.
  auto end = db_.prepare(
      "DELETE FROM web_sessions WHERE session = ? AND candidate = ? AND generation <> ?");
  if (!end.ok()) return std::move(end).error();
  end->bind(1, code.session).bind(2, code.candidate).bind(3, code.generation);
  ATELIER_RETURN_IF_ERROR(end->run());
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Result<std::optional<AccessCodeRecord>> Store::find_access_code(std::string_view digest) {
  auto st = db_.prepare(
      "SELECT a.session, a.candidate, a.generation, a.digest FROM access_codes a "
      "JOIN sessions s ON s.id = a.session WHERE a.digest = ? AND s.desired <> 'destroyed'");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<AccessCodeRecord>();
  return std::optional<AccessCodeRecord>(AccessCodeRecord{st->column_text(0), st->column_text(1),
                                                          st->column_int(2), st->column_text(3)});
}

Status Store::create_web_session(std::string_view digest, const WebSessionRecord& web) {
  auto st = db_.prepare(
      "INSERT INTO web_sessions (digest, session, candidate, generation, expires_at) VALUES (?, ?, "
      "?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest)
      .bind(2, web.session)
      .bind(3, web.candidate)
      .bind(4, web.generation)
      .bind(5, to_millis(web.expires_at));
  return st->run();
}

Result<std::optional<WebSessionRecord>> Store::find_web_session(std::string_view digest,
                                                                TimePoint now) {
  // Valid only with the candidate's current code, in a live session, before expiry: each of
  // the three ends it without anyone having to delete the row first.
  auto st = db_.prepare(
      "SELECT w.session, w.candidate, w.generation, w.expires_at FROM web_sessions w "
      "JOIN access_codes a ON a.session = w.session AND a.candidate = w.candidate "
      "JOIN sessions s ON s.id = w.session "
      "WHERE w.digest = ? AND w.expires_at > ? AND a.generation = w.generation "
      "AND s.desired <> 'destroyed'");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest).bind(2, to_millis(now));
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<WebSessionRecord>();
  return std::optional<WebSessionRecord>(WebSessionRecord{
      st->column_text(0), st->column_text(1), st->column_int(2), from_millis(st->column_int(3))});
}

Status Store::delete_web_session(std::string_view digest, TimePoint now) {
  auto st = db_.prepare("DELETE FROM web_sessions WHERE digest = ? OR expires_at <= ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest).bind(2, to_millis(now));
  return st->run();
}

}  // namespace atelier::store
