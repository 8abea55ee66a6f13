// The hosts atelierd places labs on and the libvirt objects it made for them (store.h): what a
// restart adopts and what teardown and the orphan collector remove.
#include <array>
#include <utility>

#include "common/text/enum_names.h"
#include "controller/store/millis.h"
#include "controller/store/store.h"

namespace atelier::store {
namespace {

constexpr text::NameTable<ObjectKind, 3> kObjectKindNames = {{{ObjectKind::kNetwork, "network"},
                                                              {ObjectKind::kVolume, "volume"},
                                                              {ObjectKind::kDomain, "domain"}}};
constexpr text::NameTable<ObjectState, 3> kObjectStateNames = {
    {{ObjectState::kIntended, "intended"},
     {ObjectState::kCreated, "created"},
     {ObjectState::kDeleted, "deleted"}}};

}  // namespace

std::string_view to_string(ObjectKind k) {
  return text::name_of(k, kObjectKindNames);
}
std::optional<ObjectKind> parse_object_kind(std::string_view s) {
  return text::parse_name(s, kObjectKindNames);
}
std::string_view to_string(ObjectState s) {
  return text::name_of(s, kObjectStateNames);
}
std::optional<ObjectState> parse_object_state(std::string_view s) {
  return text::parse_name(s, kObjectStateNames);
}

Status Store::upsert_host(const HostRecord& host) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare(
      "INSERT INTO hosts (name, uri, memory_bytes, vcpus, enabled) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (name) DO UPDATE SET uri = excluded.uri, memory_bytes = excluded.memory_bytes, "
      "vcpus = excluded.vcpus, enabled = excluded.enabled");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, host.name)
      .bind(2, host.uri)
      .bind(3, static_cast<std::int64_t>(host.memory_bytes))
      .bind(4, std::int64_t{host.vcpus})
      .bind(5, std::int64_t{host.enabled ? 1 : 0});
  ATELIER_RETURN_IF_ERROR(st->run());
  return tx->commit();
}

Result<std::vector<HostRecord>> Store::list_hosts() {
  auto st = db_.prepare("SELECT name, uri, memory_bytes, vcpus, enabled FROM hosts ORDER BY name");
  if (!st.ok()) return std::move(st).error();
  std::vector<HostRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    out.push_back({st->column_text(0), st->column_text(1),
                   static_cast<std::uint64_t>(st->column_int(2)),
                   static_cast<int>(st->column_int(3)), st->column_int(4) != 0});
  }
  return out;
}

Result<std::int64_t> Store::record_object(const ObjectRecord& object) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare(
      "INSERT INTO objects (session, candidate, kind, name, host, state, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host, kind, name) DO UPDATE SET "
      "state = excluded.state, recorded_at = excluded.recorded_at RETURNING id");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, object.session)
      .bind(2, object.candidate)
      .bind(3, to_string(object.kind))
      .bind(4, object.name)
      .bind(5, object.host)
      .bind(6, to_string(object.state))
      .bind(7, to_millis(object.recorded_at));
  auto row = st->step();
  if (!row.ok())
    return std::move(row).error().context("record " + std::string(to_string(object.kind)) + " " +
                                          object.name);
  if (!*row) return Error(ErrorCode::kInternal, "INSERT ... RETURNING gave no row");
  std::int64_t id = st->column_int(0);
  ATELIER_RETURN_IF_ERROR(st->run());  // finish the statement before COMMIT
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return id;
}

Status Store::set_object_state(std::int64_t id, ObjectState state) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare("UPDATE objects SET state = ? WHERE id = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, to_string(state)).bind(2, id);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0) return Error(ErrorCode::kNotFound, "no object " + std::to_string(id));
  return tx->commit();
}

Result<std::vector<ObjectRecord>> Store::list_objects(std::string_view session) {
  auto st = db_.prepare(
      "SELECT id, session, candidate, kind, name, host, state, recorded_at FROM objects "
      "WHERE session = ? ORDER BY id");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  std::vector<ObjectRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    ObjectRecord o;
    o.id = st->column_int(0);
    o.session = st->column_text(1);
    o.candidate = st->column_text(2);
    auto kind = parse_object_kind(st->column_text(3));
    auto state = parse_object_state(st->column_text(6));
    if (!kind || !state) return corrupt("object kind/state of " + st->column_text(4));
    o.kind = *kind;
    o.name = st->column_text(4);
    o.host = st->column_text(5);
    o.state = *state;
    o.recorded_at = from_millis(st->column_int(7));
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace atelier::store
