// scrypt password hashes (see password.h).
#include "controller/store/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <vector>

#include "common/crypto/digest.h"

namespace atelier::store {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

std::optional<std::vector<unsigned char>> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (ec != std::errc() || p != s.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<unsigned char>(v));
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto i = s.find(sep);
    parts.push_back(s.substr(0, i));
    if (i == std::string_view::npos) return parts;
    s.remove_prefix(i + 1);
  }
}

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool derive(std::string_view password, const std::vector<unsigned char>& salt,
            const ScryptParams& q, unsigned char* key, std::size_t key_len) {
  // 128 * N * r bytes of work memory, plus room: OpenSSL's default cap (32 MiB) is just short.
  const std::uint64_t maxmem = 128 * q.n * q.r + 128 * q.r * q.p + (std::uint64_t{1} << 20);
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), q.n, q.r, q.p,
                        maxmem, key, key_len) == 1;
}

}  // namespace

Result<std::string> hash_password(std::string_view password, ScryptParams params) {
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return Error(ErrorCode::kInternal, "the system random generator failed");
  }
  std::array<unsigned char, kKeyBytes> key{};
  if (!derive(password, salt, params, key.data(), key.size())) {
    return Error(ErrorCode::kInternal, "scrypt failed (N=" + std::to_string(params.n) + ")");
  }
  return "scrypt$" + std::to_string(params.n) + "$" + std::to_string(params.r) + "$" +
         std::to_string(params.p) + "$" + crypto::to_hex(salt) + "$" + crypto::to_hex(key);
}

std::optional<ScryptParams> parse_password_hash(std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return std::nullopt;
  auto n = number(parts[1]), r = number(parts[2]), p = number(parts[3]);
  if (!n || !r || !p) return std::nullopt;
  if (*n < 1024 || *n > (1u << 20) || (*n & (*n - 1)) != 0) return std::nullopt;
  if (*r < 1 || *r > 32 || *p < 1 || *p > 16) return std::nullopt;
  auto salt = from_hex(parts[4]), key = from_hex(parts[5]);
  if (!salt || salt->size() < 8 || !key || key->size() < 16 || key->size() > 64)
    return std::nullopt;
  return ScryptParams{*n, *r, *p};
}

bool verify_password(std::string_view password, std::string_view stored) {
  auto params = parse_password_hash(stored);
  if (!params) return false;
  auto parts = split(stored, '$');
  auto salt = from_hex(parts[4]);
  auto want = from_hex(parts[5]);
  std::vector<unsigned char> got(want->size());
  if (!derive(password, *salt, *params, got.data(), got.size())) return false;
  return CRYPTO_memcmp(got.data(), want->data(), got.size()) == 0;
}

}  // namespace atelier::store
