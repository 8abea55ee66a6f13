// The controller's one copy of hashing, keyed hashing, random secrets and hex (OpenSSL's
// libcrypto). A separate library (atelier_crypto) so the agent, which links libcrypto its own way,
// keeps atelier_common free of it.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::crypto {

using Sha256 = std::array<unsigned char, 32>;

// Lower-case hex of the bytes.
std::string to_hex(std::span<const unsigned char> bytes);

Sha256 sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// HMAC-SHA-256 of message under key.
Sha256 hmac_sha256(std::string_view key, std::string_view message);

// "LABEL\0FIELD1\0FIELD2...": the message a keyed derivation hashes. The NUL separators keep
// ("ab", "c") and ("a", "bc") apart, and the label keeps one derivation's outputs from being
// replayed as another's.
std::string labelled_message(std::string_view label,
                             std::initializer_list<std::string_view> fields);

// `bytes` bytes from the system CSPRNG.
Result<std::string> random_bytes(std::size_t bytes);
// The same, as lower-case hex (2 x bytes characters).
Result<std::string> random_hex(std::size_t bytes);

}  // namespace atelier::crypto
