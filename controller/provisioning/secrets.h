// Secrets of a candidate lab derived from the installation's secret key (STATE_DIR/access.key,
// the key candidates' access codes derive from): keyed, so that neither a session's seed nor
// one candidate's own password tells anything about another's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::provisioning {

// The candidate's root password: 16 hex digits (64 bits) of HMAC-SHA-256 under `key` of
// "atelier-root", session, candidate and seed. The same inputs give the same password, so a lab
// planned again after a restart keeps the one its guests took at first boot. `key` must not be
// empty (asserted by the callers' construction: atelierd always passes its key).
std::string derive_root_password(std::string_view key, std::string_view session,
                                 std::string_view candidate, std::uint64_t seed);

// A fresh random key (64 hex digits) from the system CSPRNG, for a reconciler run without the
// installation's key (tests); kInternal if the generator fails.
Result<std::string> random_secret_key();

}  // namespace atelier::provisioning
