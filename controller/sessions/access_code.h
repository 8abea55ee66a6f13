// Candidate access codes: generation of short codes a person can type (e.g. "7KQ-M4F-2XP"),
// normalisation of what they typed, keyed hashing for storage, and a per-address limiter of
// failed logins. Pure: no store, no clock of its own (callers pass the time).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace atelier::sessions {

// The symbols a code is made of: no 0/O, 1/I/L, 5/S, B (8 stays), Z or U/V look-alikes; 25 symbols,
// so 9 symbols give 9 * log2(25) = 41.8 bits.
inline constexpr std::string_view kAccessCodeAlphabet = "2346789ACDEFGHJKMNPQRTWXY";
inline constexpr std::size_t kAccessCodeSymbols = 9;  // shown as three groups of three

// A new code from the system CSPRNG, in canonical form "XXX-XXX-XXX".
Result<std::string> generate_access_code();

// What a person typed, in canonical form: case folded, spaces and dashes ignored, exactly
// nine symbols of the alphabet. Anything else is kInvalidArgument (message names no input,
// so it is safe to log).
Result<std::string> normalize_access_code(std::string_view typed);

// HMAC-SHA-256 of the canonical code under the server's key, lower-case hex. Only this is
// stored; the key stays out of the store so a stolen database does not give the codes.
std::string hash_access_code(std::string_view canonical_code, std::string_view server_key);

// Constant-time equality of two digests (no early exit on the first differing byte).
bool digests_equal(std::string_view a, std::string_view b);

// Failed logins per client address in a sliding window. After max_failures within window the
// address is refused until the oldest failure leaves the window. Bounded memory: at most
// max_addresses addresses are tracked; the stalest are forgotten first.
class LoginRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  LoginRateLimiter(int max_failures, Clock::duration window, std::size_t max_addresses = 10000);

  // Whether a login attempt from address may be tried now.
  bool allowed(const std::string& address, Clock::time_point now);
  void record_failure(const std::string& address, Clock::time_point now);
  // A successful login clears the address's failures.
  void record_success(const std::string& address);
  // Seconds until address may try again (0 when allowed): for a Retry-After header.
  long long retry_after_seconds(const std::string& address, Clock::time_point now);
  std::size_t tracked() const { return failures_.size(); }

 private:
  void forget_old(const std::string& address, Clock::time_point now);
  void evict_stalest();

  int max_failures_;
  Clock::duration window_;
  std::size_t max_addresses_;
  std::map<std::string, std::vector<Clock::time_point>> failures_;
};

}  // namespace atelier::sessions
