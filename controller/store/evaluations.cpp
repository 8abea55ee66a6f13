// Evaluator actions in the store: annotations, score overrides and the session freeze
// ("collect"), each written in one transaction with its audit entry (see store.h).
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "controller/store/millis.h"
#include "controller/store/store.h"

namespace atelier::store {
namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

std::string points_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p);
  return buf;
}

// kNotFound unless (session, candidate) is a recorded candidate lab.
Status require_candidate(Database& db, std::string_view session, std::string_view candidate) {
  auto st = db.prepare("SELECT 1 FROM candidate_labs WHERE session = ? AND candidate = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session).bind(2, candidate);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) {
    return Error(ErrorCode::kNotFound, "no candidate \"" + std::string(candidate) +
                                           "\" in session \"" + std::string(session) + "\"");
  }
  return ok_status();
}

Result<std::optional<FreezeRecord>> read_freeze(Database& db, std::string_view session) {
  auto st = db.prepare("SELECT session, at, who FROM freezes WHERE session = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<FreezeRecord>();
  return std::optional<FreezeRecord>(
      FreezeRecord{st->column_text(0), from_millis(st->column_int(1)), st->column_text(2)});
}

std::string candidate_target(std::string_view session, std::string_view candidate) {
  return "candidate " + std::string(session) + "/" + std::string(candidate);
}

}  // namespace

Result<std::int64_t> Store::add_annotation(const AnnotationRecord& a,
                                           std::string_view audit_actor) {
  if (is_blank(a.text)) return Error(ErrorCode::kInvalidArgument, "an annotation needs a text");
  if (a.text.size() > kMaxAnnotationTextBytes) {
    return Error(ErrorCode::kInvalidArgument, "the annotation is longer than " +
                                                  std::to_string(kMaxAnnotationTextBytes) +
                                                  " bytes; shorten the note");
  }
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  ATELIER_RETURN_IF_ERROR(require_candidate(db_, a.session, a.candidate));
  auto st = db_.prepare(
      "INSERT INTO annotations (session, candidate, task, result_id, text, who, at) VALUES (?, ?, "
      "?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, a.session)
      .bind(2, a.candidate)
      .bind(3, a.task)
      .bind(4, a.result_id)
      .bind(5, a.text)
      .bind(6, a.who)
      .bind(7, to_millis(a.at));
  ATELIER_RETURN_IF_ERROR(st->run());
  const std::int64_t seq = db_.last_insert_rowid();
  std::string about = a.task.empty() ? "the candidate" : "task " + a.task;
  if (!a.result_id.empty()) about += ", result " + a.result_id;
  ATELIER_RETURN_IF_ERROR(insert_audit({0, a.at, std::string(audit_actor), "results.annotate",
                                        candidate_target(a.session, a.candidate),
                                        "by " + a.who + " on " + about + ": " + a.text}));
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return seq;
}

Result<std::vector<AnnotationRecord>> Store::list_annotations(
    std::string_view session, std::optional<std::string_view> candidate) {
  std::string sql =
      "SELECT seq, session, candidate, task, result_id, text, who, at FROM annotations WHERE "
      "session = ?";
  if (candidate) sql += " AND candidate = ?";
  sql += " ORDER BY seq";
  auto st = db_.prepare(sql);
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  if (candidate) st->bind(2, *candidate);
  std::vector<AnnotationRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back({st->column_int(0), st->column_text(1), st->column_text(2), st->column_text(3),
                   st->column_text(4), st->column_text(5), st->column_text(6),
                   from_millis(st->column_int(7))});
  }
  return out;
}

Result<std::int64_t> Store::add_override(const OverrideRecord& o, std::string_view audit_actor) {
  if (is_blank(o.justification)) {
    return Error(ErrorCode::kInvalidArgument, "an override needs a written justification");
  }
  if (!(o.points >= 0)) {
    return Error(ErrorCode::kInvalidArgument,
                 "an override's points must be 0 or more, not " + points_text(o.points));
  }
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  ATELIER_RETURN_IF_ERROR(require_candidate(db_, o.session, o.candidate));
  auto frozen = read_freeze(db_, o.session);
  if (!frozen.ok()) return std::move(frozen).error();
  if (*frozen) {
    return Error(ErrorCode::kFailedPrecondition, "the results of session \"" + o.session +
                                                     "\" were collected by " + (*frozen)->who +
                                                     "; they no longer change");
  }
  auto st = db_.prepare(
      "INSERT INTO overrides (session, candidate, task, points, justification, who, at) VALUES (?, "
      "?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, o.session)
      .bind(2, o.candidate)
      .bind(3, o.task)
      .bind_double(4, o.points)
      .bind(5, o.justification)
      .bind(6, o.who)
      .bind(7, to_millis(o.at));
  ATELIER_RETURN_IF_ERROR(st->run());
  const std::int64_t seq = db_.last_insert_rowid();
  ATELIER_RETURN_IF_ERROR(
      insert_audit({0, o.at, std::string(audit_actor), "results.override",
                    candidate_target(o.session, o.candidate),
                    "by " + o.who + ": task " + o.task + " set to " + points_text(o.points) +
                        " points; justification: " + o.justification}));
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return seq;
}

Result<std::vector<OverrideRecord>> Store::list_overrides(
    std::string_view session, std::optional<std::string_view> candidate) {
  std::string sql =
      "SELECT seq, session, candidate, task, points, justification, who, at FROM overrides WHERE "
      "session = ?";
  if (candidate) sql += " AND candidate = ?";
  sql += " ORDER BY seq";
  auto st = db_.prepare(sql);
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  if (candidate) st->bind(2, *candidate);
  std::vector<OverrideRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back({st->column_int(0), st->column_text(1), st->column_text(2), st->column_text(3),
                   st->column_double(4), st->column_text(5), st->column_text(6),
                   from_millis(st->column_int(7))});
  }
  return out;
}

Result<FreezeRecord> Store::freeze_session(std::string_view session, TimePoint at,
                                           std::string_view who, std::string_view audit_actor) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto exists = db_.prepare("SELECT 1 FROM sessions WHERE id = ?");
  if (!exists.ok()) return std::move(exists).error();
  exists->bind(1, session);
  auto found = exists->step();
  if (!found.ok()) return std::move(found).error();
  if (!*found) return Error(ErrorCode::kNotFound, "no session \"" + std::string(session) + "\"");
  auto current = read_freeze(db_, session);
  if (!current.ok()) return std::move(current).error();
  if (*current) return **current;
  auto st = db_.prepare("INSERT INTO freezes (session, at, who) VALUES (?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session).bind(2, to_millis(at)).bind(3, who);
  ATELIER_RETURN_IF_ERROR(st->run());
  ATELIER_RETURN_IF_ERROR(insert_audit({0, at, std::string(audit_actor), "results.collect",
                                        "session " + std::string(session),
                                        "by " + std::string(who) + ": results frozen"}));
  ATELIER_RETURN_IF_ERROR(tx->commit());
  // Read back: the stored instant has millisecond precision.
  return FreezeRecord{std::string(session), from_millis(to_millis(at)), std::string(who)};
}

Result<std::optional<FreezeRecord>> Store::get_freeze(std::string_view session) {
  auto exists = db_.prepare("SELECT 1 FROM sessions WHERE id = ?");
  if (!exists.ok()) return std::move(exists).error();
  exists->bind(1, session);
  auto found = exists->step();
  if (!found.ok()) return std::move(found).error();
  if (!*found) return Error(ErrorCode::kNotFound, "no session \"" + std::string(session) + "\"");
  return read_freeze(db_, session);
}

}  // namespace atelier::store
