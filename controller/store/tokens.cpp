// Access tokens: random secrets handed to users once; the store keeps only their SHA-256.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "controller/store/store.h"

namespace atelier::store {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

std::int64_t to_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return hex(digest.data(), len);
}

Result<std::string> Store::create_token(Role role, const std::optional<std::string>& session,
                                        const std::optional<std::string>& candidate,
                                        std::string_view label, TimePoint now, std::string_view actor) {
  if (role == Role::kCandidate && (!session || !candidate)) {
    return Error(ErrorCode::kInvalidArgument, "a candidate token needs a session and a candidate");
  }
  if (role != Role::kCandidate && candidate) {
    return Error(ErrorCode::kInvalidArgument,
                 "only candidate tokens name a candidate; drop the candidate or use role candidate");
  }
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Error(ErrorCode::kInternal, "the system random generator failed");
  }
  std::string secret = "atl_" + hex(random.data(), random.size());
  std::string hash = sha256_hex(secret);
  std::string id = hash.substr(0, 12);

  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  if (session) {
    auto check = candidate ? db_.prepare("SELECT 1 FROM candidate_labs WHERE session = ? AND candidate = ?")
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
      "INSERT INTO tokens (hash, id, role, session, candidate, label, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, hash).bind(2, id).bind(3, to_string(role)).bind(4, session).bind(5, candidate)
      .bind(6, label).bind(7, to_millis(now));
  ATELIER_RETURN_IF_ERROR(st->run());
  std::string target = session ? "session " + *session + (candidate ? "/" + *candidate : "") : "all sessions";
  ATELIER_RETURN_IF_ERROR(insert_audit({0, now, std::string(actor), "token.create",
                                        "token " + id,
                                        std::string(to_string(role)) + " for " + target}));
  ATELIER_RETURN_IF_ERROR(tx->commit());
  return secret;
}

Result<TokenRecord> Store::authenticate(std::string_view secret) {
  auto denied = [] { return Error(ErrorCode::kPermissionDenied, "the token is not valid"); };
  if (secret.size() != 68 || secret.substr(0, 4) != "atl_") return denied();
  auto st = db_.prepare(
      "SELECT id, role, session, candidate, label, created_at FROM tokens "
      "WHERE hash = ? AND revoked = 0");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, sha256_hex(secret));
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return denied();
  TokenRecord t;
  t.id = st->column_text(0);
  auto role = parse_role(st->column_text(1));
  if (!role) return denied();
  t.role = *role;
  t.session = st->column_optional_text(2);
  t.candidate = st->column_optional_text(3);
  t.label = st->column_text(4);
  t.created_at = TimePoint(std::chrono::duration_cast<Clock::duration>(
      std::chrono::milliseconds(st->column_int(5))));
  return t;
}

Status Store::revoke_token(std::string_view id, const AuditEntry& audit) {
  auto tx = Transaction::begin(db_);
  if (!tx.ok()) return std::move(tx).error();
  auto st = db_.prepare("UPDATE tokens SET revoked = 1 WHERE id = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, id);
  ATELIER_RETURN_IF_ERROR(st->run());
  if (db_.changes() == 0) return Error(ErrorCode::kNotFound, "no token " + std::string(id));
  ATELIER_RETURN_IF_ERROR(insert_audit(audit));
  return tx->commit();
}

Result<std::vector<TokenRecord>> Store::list_tokens() {
  auto st = db_.prepare(
      "SELECT id, role, session, candidate, label, created_at FROM tokens WHERE revoked = 0 "
      "ORDER BY created_at, id");
  if (!st.ok()) return std::move(st).error();
  std::vector<TokenRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    TokenRecord t;
    t.id = st->column_text(0);
    t.role = parse_role(st->column_text(1)).value_or(Role::kCandidate);
    t.session = st->column_optional_text(2);
    t.candidate = st->column_optional_text(3);
    t.label = st->column_text(4);
    t.created_at = TimePoint(std::chrono::duration_cast<Clock::duration>(
        std::chrono::milliseconds(st->column_int(5))));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace atelier::store
