// The actions of a session still running (store.h): what the candidate's page reads to show a
// machine "resetting" while a trainer's or the candidate's own reset of it runs.
#include "controller/store/store.h"

namespace atelier::store {

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
