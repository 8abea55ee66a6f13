// Tamper evidence about the agent itself (issue 20): an agent that went silent, restarted or
// answered out of protocol during a check run. Pure: the exchange with a host's agent is
// recorded first (lab_actions.cpp), then judged here, so every verdict is table-tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/protocol/messages.h"
#include "common/result.h"
#include "controller/provisioning/decoys.h"

namespace atelier::provisioning {

// What happened between atelierd and one host's agent during one check run.
struct HostExchange {
  // The agent instance atelierd last saw on this host without flagging it: at provisioning or
  // a reset it did itself, or at the previous run. nullopt: none known yet (nothing to compare).
  std::optional<protocol::AgentInstance> known;
  // The hello the agent gave when asked at the start of the run; an error if it gave none
  // (then `reply` is not asked for and stays an error too).
  Result<protocol::Hello> hello = Error(ErrorCode::kUnavailable, "not asked");
  // The agent's reply to the bundle (any body: a reply of another type is out of protocol).
  Result<protocol::Body> reply = Error(ErrorCode::kUnavailable, "not asked");
  // How long atelierd waited for the hello and the reply together.
  std::chrono::milliseconds waited{0};
  // Lines from the agent that were not protocol messages during the run (AgentClient::malformed).
  std::uint64_t malformed_frames = 0;
  std::string last_malformed;
};

// "agent restarted since the last run (instance 3f2a9c1e started 2026-12-06 08:01:02 UTC ->
// 77b0d4aa started ...)", with "; the guest rebooted (boot id ... -> ...)" when the boot id
// changed too, or "" when `known` is nullopt or equal to `seen`. A `seen` that is nullopt while
// `known` is not (an agent that stopped reporting its instance) is a change.
std::string restart_evidence(const std::optional<protocol::AgentInstance>& known,
                             const std::optional<protocol::AgentInstance>& seen);

// The evidence for an agent that gave no usable answer: a timeout ("agent silent: no answer to
// the check bundle within N ms (waited M ms)"), a channel that closed or was never there.
std::string silence_evidence(const Error& error, std::chrono::milliseconds waited);

// Judges one host's exchange: the results of its real checks (decoys stripped, error results
// when there was no answer) and, in `integrity`, every piece of evidence found, joined by "; ":
// the decoys' and protocol checks of verify_decoys, a reply of the wrong type, malformed
// frames, silence, a restart. An `error` reply from the agent (it refused the bundle within the
// protocol) makes error results and is not evidence.
VerifiedResults verify_exchange(const DecoyedBundle& sent, const HostExchange& exchange);

}  // namespace atelier::provisioning
