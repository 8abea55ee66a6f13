// The last agent instance each host of a candidate lab answered with (migration 13, issue 20).
// In memory only, an agent restarted while atelierd was down would look like a first contact
// at atelierd's next start; kept here, the first check run after it compares with what the
// agent answered before.
#include "controller/store/store.h"

namespace atelier::store {

Result<std::optional<AgentInstanceRecord>> Store::get_agent_instance(std::string_view session,
                                                                     std::string_view candidate,
                                                                     std::string_view host) {
  auto st = db_.prepare(
      "SELECT nonce, started_unix_ms, boot_id FROM agent_instances"
      " WHERE session = ? AND candidate = ? AND host = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session).bind(2, candidate).bind(3, host);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<AgentInstanceRecord>();
  return std::optional<AgentInstanceRecord>(
      AgentInstanceRecord{st->column_text(0), st->column_int(1), st->column_text(2)});
}

Status Store::put_agent_instance(std::string_view session, std::string_view candidate,
                                 std::string_view host, const AgentInstanceRecord& instance) {
  auto st = db_.prepare(
      "INSERT INTO agent_instances (session, candidate, host, nonce, started_unix_ms, boot_id)"
      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session, candidate, host) DO UPDATE SET"
      " nonce = excluded.nonce, started_unix_ms = excluded.started_unix_ms,"
      " boot_id = excluded.boot_id");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session).bind(2, candidate).bind(3, host);
  st->bind(4, instance.nonce).bind(5, instance.started_unix_ms).bind(6, instance.boot_id);
  Status s = st->run();
  if (!s.ok())
    return std::move(s).error().context("record the agent instance of " + std::string(host));
  return ok_status();
}

}  // namespace atelier::store
