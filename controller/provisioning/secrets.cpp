// Keyed derivation of candidate-lab secrets (see secrets.h).
#include "controller/provisioning/secrets.h"

#include <span>
#include <string>

#include "common/crypto/digest.h"

namespace atelier::provisioning {

std::string derive_root_password(std::string_view key, std::string_view session,
                                 std::string_view candidate, std::uint64_t seed) {
  const crypto::Sha256 mac = crypto::hmac_sha256(
      key, crypto::labelled_message("atelier-root", {session, candidate, std::to_string(seed)}));
  return crypto::to_hex(std::span(mac).first(8));
}

Result<std::string> random_secret_key() {
  return crypto::random_hex(32);
}

}  // namespace atelier::provisioning
