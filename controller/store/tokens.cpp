// Access tokens: random secrets handed to users once; the store keeps only their SHA-256.

#include <optional>

#include "common/crypto/digest.h"
#include "controller/store/millis.h"
#include "controller/store/rows.h"
#include "controller/store/store.h"

namespace atelier::store {
namespace {

constexpr const char* kTokenColumns =
    "t.id, t.role, t.session, t.candidate, t.label, t.created_at, t.expires_at";

// A row of kTokenColumns; nullopt for a role this atelier does not know.
std::optional<TokenRecord> read_token(const Statement& st) {
  auto role = parse_role(st.column_text(1));
  if (!role) return std::nullopt;
  TokenRecord t;
  t.id = st.column_text(0);
  t.role = *role;
  t.session = st.column_optional_text(2);
  t.candidate = st.column_optional_text(3);
  t.label = st.column_text(4);
  t.created_at = from_millis(st.column_int(5));
  if (!st.column_is_null(6)) t.expires_at = from_millis(st.column_int(6));
  return t;
}

// Valid at `now`: not revoked, not expired, and a candidate token's session not destroyed.
constexpr const char* kValidTokens =
    "t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > ?) AND "
    "(t.role != 'candidate' OR EXISTS (SELECT 1 FROM sessions s WHERE s.id = t.session AND "
    "s.desired = 'active'))";

}  // namespace

Result<std::optional<std::chrono::seconds>> parse_token_lifetime(std::string_view text) {
  auto bad = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 "the token lifetime \"" + std::string(text) +
                     "\" is not understood; expected a number followed by d, h or m "
                     "(e.g. 90d, 12h), at most 3650d, or never");
  };
  if (text == "never") return std::optional<std::chrono::seconds>();
  if (text.size() < 2 || text.size() > 8) return bad();
  std::int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return bad();
    n = n * 10 + (c - '0');
  }
  std::int64_t unit = 0;
  switch (text.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    default:
      return bad();
  }
  if (n <= 0 || n * unit > 3650LL * 86400) return bad();
  return std::optional(std::chrono::seconds(n * unit));
}

Result<std::string> Store::create_token(Role role, const std::optional<std::string>& session,
                                        const std::optional<std::string>& candidate,
                                        std::string_view label, TimePoint now,
                                        std::string_view actor,
                                        std::optional<TimePoint> expires_at) {
  if (label.size() > kMaxTokenLabelBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "the label is longer than " + std::to_string(kMaxTokenLabelBytes) +
                     " bytes; say who the token is for in fewer words");
  }
  if (expires_at && *expires_at <= now) {
    return Error(ErrorCode::kInvalidArgument,
                 "the token would expire before it is created; give a positive duration");
  }
  if (role == Role::kCandidate && (!session || !candidate)) {
    return Error(ErrorCode::kInvalidArgument, "a candidate token needs a session and a candidate");
  }
  if (role != Role::kCandidate && candidate) {
    return Error(
        ErrorCode::kInvalidArgument,
        "only candidate tokens name a candidate; drop the candidate or use role candidate");
  }
  auto random = crypto::random_hex(32);
  if (!random.ok()) return std::move(random).error();
  std::string secret = "atl_" + random.value();
  std::string hash = sha256_hex(secret);
  std::string id = hash.substr(0, 12);

  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  if (session) {
    auto check =
        candidate ? db_.prepare("SELECT 1 FROM candidate_labs WHERE session = ? AND candidate = ?")
                  : db_.prepare("SELECT 1 FROM sessions WHERE id = ?");
    if (!check.ok()) return std::move(check).error();
    check->bind(1, *session);
    if (candidate) check->bind(2, *candidate);
    auto found = check->step();
    if (!found.ok()) return std::move(found).error();
    if (!*found) {
      return Error(ErrorCode::kNotFound,
                   candidate ? "no candidate \"" + *candidate + "\" in session \"" + *session + "\""
                             : "no session \"" + *session + "\"");
    }
  }
  auto st = db_.prepare(
      "INSERT INTO tokens (hash, id, role, session, candidate, label, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, hash)
      .bind(2, id)
      .bind(3, to_string(role))
      .bind(4, session)
      .bind(5, candidate)
      .bind(6, label)
      .bind(7, to_millis(now));
  if (expires_at) {
    st->bind(8, to_millis(*expires_at));
  } else {
    st->bind(8, std::optional<std::string>());
  }
  ATELIER_RETURN_IF_ERROR(st->run());
  std::string target =
      session ? "session " + *session + (candidate ? "/" + *candidate : "") : "all sessions";
  ATELIER_RETURN_IF_ERROR(insert_audit({0, now, std::string(actor), "token.create", "token " + id,
                                        std::string(to_string(role)) + " for " + target}));
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return secret;
}

Result<TokenRecord> Store::authenticate(std::string_view secret, TimePoint now) {
  auto denied = [] { return Error(ErrorCode::kPermissionDenied, "the token is not valid"); };
  if (secret.size() != 68 || secret.substr(0, 4) != "atl_") return denied();
  auto st = db_.prepare(std::string("SELECT ") + kTokenColumns +
                        " FROM tokens t WHERE t.hash = ? AND " + kValidTokens);
  if (!st.ok()) return std::move(st).error();
  st->bind(1, sha256_hex(secret)).bind(2, to_millis(now));
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return denied();
  auto t = read_token(*st);
  if (!t) return denied();
  return std::move(*t);
}

Status Store::revoke_token(std::string_view id, const AuditEntry& audit,
                           const std::optional<std::string>& session) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = session
                ? db_.prepare(
                      "UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0 AND session = ?")
                : db_.prepare("UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, id);
  if (session) st->bind(2, *session);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0)
    return Error(ErrorCode::kNotFound, "no token " + std::string(id) + " to revoke");
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Result<std::vector<TokenRecord>> Store::list_tokens(TimePoint now,
                                                    const std::optional<std::string>& session) {
  std::string sql = std::string("SELECT ") + kTokenColumns + " FROM tokens t WHERE " +
                    kValidTokens + (session ? " AND t.session = ?" : "") +
                    " ORDER BY t.created_at, t.id";
  auto st = db_.prepare(sql);
  if (!st.ok()) return std::move(st).error();
  st->bind(1, to_millis(now));
  if (session) st->bind(2, *session);
  std::vector<TokenRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    if (auto t = read_token(*st)) out.push_back(std::move(*t));
  }
  return out;
}

Result<std::map<std::string, std::string>> Store::token_labels() {
  auto st = db_.prepare("SELECT id, label FROM tokens");
  if (!st.ok()) return std::move(st).error();
  return read_text_pairs(*st);
}

}  // namespace atelier::store
