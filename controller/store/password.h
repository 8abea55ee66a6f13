// Password hashing for people's accounts (users.cpp): scrypt (OpenSSL), stored as a
// self-describing string "scrypt$N$r$p$SALT$HASH" (salt and hash in hex), compared in constant
// time. Hashing costs ~100 ms and 32 MiB on purpose: call it on a worker thread, never an io one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::store {

struct ScryptParams {
  std::uint64_t n = std::uint64_t{1} << 15;  // CPU/memory cost, a power of two
  std::uint64_t r = 8;                       // block size
  std::uint64_t p = 1;                       // parallelism
};

// Shortest password `atelier user create|passwd` accepts.
inline constexpr std::size_t kMinPasswordLength = 10;

// The stored form of `password` with a fresh random 16-byte salt and a 32-byte key.
Result<std::string> hash_password(std::string_view password, ScryptParams params = {});

// The parameters written in a stored hash; nullopt when it is not one of ours, or when its
// parameters are outside what we would ever write (an edited row must not make a login cost
// gigabytes): N a power of two in [2^10, 2^20], r in [1, 32], p in [1, 16].
std::optional<ScryptParams> parse_password_hash(std::string_view stored);

// Whether `password` matches `stored` (constant-time comparison of the derived keys); false for
// a malformed `stored`.
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace atelier::store
