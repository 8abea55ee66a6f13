// The trainers' and candidates' actions (store.h): recorded when they start, updated when they
// end, failed at a restart if they were still running, and the running ones of a session (what
// the candidate's page reads to show a machine "resetting").
#include <algorithm>

#include "controller/store/millis.h"
#include "controller/store/store.h"

namespace atelier::store {

namespace {
// Candidate ids are [a-z0-9][a-z0-9_]*: a comma never occurs in one.
std::string join_candidates(const std::vector<std::string>& candidates) {
  std::string out;
  for (const auto& c : candidates) out += (out.empty() ? "" : ",") + c;
  return out;
}
std::vector<std::string> split_candidates(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t comma = std::min(text.find(',', at), text.size());
    out.push_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}
}  // namespace

Status Store::put_action(const ActionRecord& action) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO actions (id, kind, session, candidates, host, state, error, run_id, "
      "verdicts, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, action.id)
      .bind(2, action.kind)
      .bind(3, action.session)
      .bind(4, join_candidates(action.candidates))
      .bind(5, action.host)
      .bind(6, action.state)
      .bind(7, action.error)
      .bind(8, action.run_id)
      .bind(9, action.verdicts)
      .bind(10, to_millis(action.started_at));
  if (action.finished_at) {
    st->bind(11, to_millis(*action.finished_at));
  } else {
    st->bind(11, std::optional<std::string>{});
  }
  Status s = st->run();
  if (!s.ok()) return std::move(s).error().context("record action " + action.id);
  return tx->commit();
}

Result<ActionRecord> Store::get_action(std::string_view id) {
  auto st = db_.prepare(
      "SELECT id, kind, session, candidates, host, state, error, run_id, verdicts, started_at, "
      "finished_at FROM actions WHERE id = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return Error(ErrorCode::kNotFound, "no action \"" + std::string(id) + "\"");
  ActionRecord a;
  a.id = st->column_text(0);
  a.kind = st->column_text(1);
  a.session = st->column_text(2);
  a.candidates = split_candidates(st->column_text(3));
  a.host = st->column_text(4);
  a.state = st->column_text(5);
  a.error = st->column_text(6);
  a.run_id = st->column_text(7);
  a.verdicts = st->column_text(8);
  a.started_at = from_millis(st->column_int(9));
  if (!st->column_is_null(10)) a.finished_at = from_millis(st->column_int(10));
  return a;
}

Result<std::int64_t> Store::fail_running_actions(TimePoint now) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare(
      "UPDATE actions SET state = 'failed', error = ?, finished_at = ? WHERE state = 'running'");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, kInterruptedActionError).bind(2, to_millis(now));
  ATELIER_RETURN_IF_ERROR(st->run());
  std::int64_t changed = db_.changes();
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return changed;
}

Result<std::vector<ActionRecord>> Store::list_running_actions(std::string_view session) {
  auto st = db_.prepare(
      "SELECT id FROM actions WHERE session = ? AND state = 'running' ORDER BY started_at, id");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  std::vector<std::string> ids;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    ids.push_back(st->column_text(0));
  }
  std::vector<ActionRecord> out;
  for (const auto& id : ids) {
    auto a = get_action(id);
    if (!a.ok()) return std::move(a).error().context("read running action " + id);
    out.push_back(std::move(a).value());
  }
  return out;
}

}  // namespace atelier::store
