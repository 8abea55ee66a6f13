// Host facts the agent reports in its hello: hostname, kernel, OS, interfaces with addresses.
#pragma once

#include <string>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace atelier::agent {

// Never fails: a fact that cannot be read is left empty.
protocol::HostFacts gather_facts();

// This agent process's instance (messages.h AgentInstance): a fresh random nonce (from
// /dev/urandom; std::random_device if that cannot be read), the clock now, the boot id. Call
// once per process.
protocol::AgentInstance new_instance();

// Reads an identity file of "key=value" lines (session, candidate, host; '#' comments). A
// missing file gives an empty identity; the host defaults to the hostname.
Result<protocol::Identity> load_identity(const std::string& path);

}  // namespace atelier::agent
