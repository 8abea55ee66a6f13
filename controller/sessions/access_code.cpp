// Candidate access codes: CSPRNG generation, normalisation, HMAC storage form, and the
// failed-login limiter. See access_code.h for the contracts.
#include "controller/sessions/access_code.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/crypto/digest.h"

namespace atelier::sessions {
namespace {

std::string group(std::string_view symbols) {
  std::string out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i > 0 && i % 3 == 0) out += '-';
    out += symbols[i];
  }
  return out;
}

}  // namespace

Result<std::string> generate_access_code() {
  const auto n = static_cast<unsigned>(kAccessCodeAlphabet.size());
  // Rejection sampling: bytes >= limit would bias the low symbols.
  const unsigned limit = 256 - (256 % n);
  std::string symbols;
  while (symbols.size() < kAccessCodeSymbols) {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return Error(ErrorCode::kInternal, "the system random generator failed");
    }
    for (unsigned char b : bytes) {
      if (b < limit && symbols.size() < kAccessCodeSymbols) symbols += kAccessCodeAlphabet[b % n];
    }
  }
  return group(symbols);
}

Result<std::string> normalize_access_code(std::string_view typed) {
  std::string symbols;
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '\t' || c == '_' || c == '.') continue;
    char up = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (kAccessCodeAlphabet.find(up) == std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "an access code holds only its nine letters and digits");
    }
    symbols += up;
    if (symbols.size() > kAccessCodeSymbols) break;
  }
  if (symbols.size() != kAccessCodeSymbols) {
    return Error(ErrorCode::kInvalidArgument, "an access code has nine letters and digits");
  }
  return group(symbols);
}

std::string hash_access_code(std::string_view canonical_code, std::string_view server_key) {
  return crypto::to_hex(crypto::hmac_sha256(server_key, canonical_code));
}

bool digests_equal(std::string_view a, std::string_view b) {
  // Digests have a public, fixed length: a length mismatch reveals nothing secret.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

LoginRateLimiter::LoginRateLimiter(int max_failures, Clock::duration window,
                                   std::size_t max_addresses)
    : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

void LoginRateLimiter::forget_old(const std::string& address, Clock::time_point now) {
  auto it = failures_.find(address);
  if (it == failures_.end()) return;
  auto& times = it->second;
  times.erase(
      std::remove_if(times.begin(), times.end(), [&](auto t) { return now - t >= window_; }),
      times.end());
  if (times.empty()) failures_.erase(it);
}

bool LoginRateLimiter::allowed(const std::string& address, Clock::time_point now) {
  forget_old(address, now);
  auto it = failures_.find(address);
  return it == failures_.end() || static_cast<int>(it->second.size()) < max_failures_;
}

void LoginRateLimiter::evict_stalest() {
  auto stalest = failures_.begin();
  for (auto it = failures_.begin(); it != failures_.end(); ++it) {
    if (it->second.back() < stalest->second.back()) stalest = it;
  }
  if (stalest != failures_.end()) failures_.erase(stalest);
}

void LoginRateLimiter::record_failure(const std::string& address, Clock::time_point now) {
  forget_old(address, now);
  if (failures_.find(address) == failures_.end() && failures_.size() >= max_addresses_)
    evict_stalest();
  auto& times = failures_[address];
  times.push_back(now);
  // Keep only what the decision needs: the newest max_failures times.
  if (static_cast<int>(times.size()) > max_failures_) times.erase(times.begin());
}

void LoginRateLimiter::record_success(const std::string& address) {
  failures_.erase(address);
}

long long LoginRateLimiter::retry_after_seconds(const std::string& address, Clock::time_point now) {
  if (allowed(address, now)) return 0;
  auto oldest = failures_.at(address).front();
  auto wait = std::chrono::ceil<std::chrono::seconds>(oldest + window_ - now);
  return std::max<long long>(1, wait.count());
}

}  // namespace atelier::sessions
