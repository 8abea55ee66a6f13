// Decoy checks (issue 20, tamper evidence): checks whose outcome atelierd knows, mixed into every
// bundle a host's agent runs, so that an agent answering "pass" (or "fail") to everything is
// caught. Pure: making a bundle and verifying its answer touch no system.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/protocol/messages.h"

namespace atelier::provisioning {

// A source of random 64-bit numbers. Production draws from the system CSPRNG (random_source());
// tests pass a seeded one so that a table row is reproducible.
using RandomSource = std::function<std::uint64_t()>;
RandomSource random_source();

// One decoy as sent: where it sits in the bundle, what its true outcome is, and in words.
struct Decoy {
  std::size_t position = 0;  // index in DecoyedBundle::bundle.checks
  bool expect_pass = false;  // pass: something every image has; fail: a random path or name
  std::string what;          // "decoy file /etc/x9q.conf" (the evidence names it)
};

// A host's bundle with its decoys mixed in. real_positions[i] is where the i-th real check was
// put; every other position holds a decoy.
struct DecoyedBundle {
  protocol::RunChecks bundle;
  std::vector<std::size_t> real_positions;
  std::vector<Decoy> decoys;
};

// Adds 2 or 3 decoys (always at least one whose true outcome is fail and one pass) to `real`,
// of the kinds labs use for local state (file, user, group), on the same host and with the same
// shape as a lab's checks, and shuffles the whole bundle. The bundle id is kept. `real` may be
// empty (the bundle then holds only decoys).
DecoyedBundle add_decoys(protocol::RunChecks real, const RandomSource& random);

// The answer to a decoyed bundle, decoys stripped.
struct VerifiedResults {
  // One per real check, in the real bundle's order; a real check the answer did not cover is
  // an `error` result saying so.
  std::vector<protocol::CheckResult> results;
  // Empty when the answer is clean; otherwise the evidence of tampering, in words: a decoy
  // answered against its known outcome ("decoy file /etc/x9q.conf: expected fail, agent
  // answered pass"), or an answer out of protocol (another bundle id, a missing, extra,
  // repeated or out-of-range index, a result id or kind that is not the check's).
  // A decoy answered `error` is not evidence: an error never counts as a pass anyway, and an
  // honest agent under load may time out.
  std::string integrity;
};
VerifiedResults verify_decoys(const DecoyedBundle& sent, const protocol::Results& answer);

}  // namespace atelier::provisioning
