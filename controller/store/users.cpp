// People's accounts (trainers, evaluators) and their browser sessions (see store.h). Passwords
// arrive already hashed (password.h): the store never sees one.
#include <chrono>

#include "controller/store/millis.h"
#include "controller/store/password.h"
#include "controller/store/store.h"

namespace atelier::store {
namespace {

constexpr const char* kUserColumns = "u.name, u.role, u.session, u.disabled, u.created_at";

std::optional<UserRecord> read_user(const Statement& st) {
  auto role = parse_role(st.column_text(1));
  if (!role || *role == Role::kCandidate) return std::nullopt;
  UserRecord u;
  u.name = st.column_text(0);
  u.role = *role;
  u.session = st.column_optional_text(2);
  u.disabled = st.column_int(3) != 0;
  u.created_at = from_millis(st.column_int(4));
  return u;
}

Error unknown_user(std::string_view name) {
  return Error(ErrorCode::kNotFound,
               "no user \"" + std::string(name) + "\"; see `atelier user list`");
}

}  // namespace

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '.' || c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

Status Store::create_user(const UserRecord& user, std::string_view password_hash,
                          const AuditEntry& audit) {
  if (!valid_user_name(user.name)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the user name \"" + user.name +
                     "\" is not valid: lowercase letters, digits, '.', '_' or '-', "
                     "at most 32, starting with a letter or digit");
  }
  if (user.role == Role::kCandidate) {
    return Error(ErrorCode::kInvalidArgument,
                 "accounts are for trainers and evaluators; candidates sign in with a code");
  }
  if (!parse_password_hash(password_hash))
    return Error(ErrorCode::kInvalidArgument, "not a password hash");
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  if (user.session) {
    auto check = db_.prepare("SELECT 1 FROM sessions WHERE id = ?");
    if (!check.ok()) return std::move(check).error();
    check->bind(1, *user.session);
    auto found = check->step();
    if (!found.ok()) return std::move(found).error();
    if (!*found) return Error(ErrorCode::kNotFound, "no session \"" + *user.session + "\"");
  }
  auto taken = db_.prepare("SELECT 1 FROM users WHERE name = ?");
  if (!taken.ok()) return std::move(taken).error();
  taken->bind(1, user.name);
  auto row = taken->step();
  if (!row.ok()) return std::move(row).error();
  if (*row) return Error(ErrorCode::kAlreadyExists, "a user \"" + user.name + "\" exists already");
  auto st = db_.prepare(
      "INSERT INTO users (name, role, session, password, disabled, created_at) VALUES (?, ?, ?, ?, "
      "0, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, user.name)
      .bind(2, to_string(user.role))
      .bind(3, user.session)
      .bind(4, password_hash)
      .bind(5, to_millis(user.created_at));
  ATELIER_RETURN_IF_ERROR(st->run());
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Status Store::set_user_password(std::string_view name, std::string_view password_hash,
                                const AuditEntry& audit) {
  if (!parse_password_hash(password_hash))
    return Error(ErrorCode::kInvalidArgument, "not a password hash");
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare("UPDATE users SET password = ? WHERE name = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, password_hash).bind(2, name);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0) return unknown_user(name);
  // A new password ends the sessions opened with the old one (it may have leaked).
  auto end = db_.prepare("DELETE FROM staff_sessions WHERE user = ?");
  if (!end.ok()) return std::move(end).error();
  end->bind(1, name);
  ATELIER_RETURN_IF_ERROR(end->run());
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Status Store::disable_user(std::string_view name, const AuditEntry& audit) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare("UPDATE users SET disabled = 1 WHERE name = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, name);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0) return unknown_user(name);
  auto end = db_.prepare("DELETE FROM staff_sessions WHERE user = ?");
  if (!end.ok()) return std::move(end).error();
  end->bind(1, name);
  ATELIER_RETURN_IF_ERROR(end->run());
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Result<std::vector<UserRecord>> Store::list_users() {
  auto st = db_.prepare(std::string("SELECT ") + kUserColumns + " FROM users u ORDER BY u.name");
  if (!st.ok()) return std::move(st).error();
  std::vector<UserRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    if (auto u = read_user(*st)) out.push_back(std::move(*u));
  }
  return out;
}

Result<std::optional<UserCredentials>> Store::find_user(std::string_view name) {
  auto st = db_.prepare(std::string("SELECT ") + kUserColumns +
                        ", u.password FROM users u WHERE u.name = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, name);
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<UserCredentials>();
  auto u = read_user(*st);
  if (!u) return std::optional<UserCredentials>();
  return std::optional(UserCredentials{std::move(*u), st->column_text(5)});
}

Status Store::create_staff_session(std::string_view digest, std::string_view user,
                                   TimePoint expires_at) {
  auto st = db_.prepare("INSERT INTO staff_sessions (digest, user, expires_at) VALUES (?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest).bind(2, user).bind(3, to_millis(expires_at));
  return st->run();
}

Result<std::optional<UserRecord>> Store::find_staff_session(std::string_view digest,
                                                            TimePoint now) {
  auto st = db_.prepare(std::string("SELECT ") + kUserColumns +
                        " FROM staff_sessions w JOIN users u ON u.name = w.user "
                        "WHERE w.digest = ? AND w.expires_at > ? AND u.disabled = 0");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest).bind(2, to_millis(now));
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::optional<UserRecord>();
  return read_user(*st);
}

Status Store::delete_staff_session(std::string_view digest, TimePoint now) {
  auto st = db_.prepare("DELETE FROM staff_sessions WHERE digest = ? OR expires_at <= ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, digest).bind(2, to_millis(now));
  return st->run();
}

}  // namespace atelier::store
