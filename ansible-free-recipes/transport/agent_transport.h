// AgentTransport: the recipe engine's Transport over the controller<->agent channel
// (common/protocol/agent_client.h). It reaches a lab host out of band, so recipes still run when
// the candidate (or an incident) has broken the guest's networking.
#pragma once

#include <chrono>
#include <string>

#include "ansible-free-recipes/transport/transport.h"
#include "common/protocol/agent_client.h"

namespace atelier::transport {

class AgentTransport : public Transport {
 public:
  // `client` must outlive the transport; `name` names the host in reports ("agent://ca/server").
  // `slack` is added to each command's timeout for the round trip on the channel.
  AgentTransport(protocol::AgentClient& client, std::string name,
                 std::chrono::seconds slack = std::chrono::seconds(30));

  TransportKind kind() const override { return TransportKind::kAgent; }
  std::string describe() const override { return name_; }

  // Runs through the agent's exec (/bin/sh -c). The agent kills the command's process group at
  // `timeout` and reports it; that becomes kTimeout here, as for the other transports.
  Result<ExecResult> exec(const std::string& command, std::chrono::seconds timeout) override;
  // Through the agent's put_file (atomic in the guest). A numeric owner is applied with chown
  // afterwards: the agent's put_file takes names, and ops pass the ids they read from the target.
  Status put_file(const std::string& path, const std::string& content, uint32_t mode,
                  const FileOwner& owner) override;
  Result<std::string> get_file(const std::string& path) override;
  // `stat -L` in the guest (the agent has no stat message; one exec is as cheap).
  Result<FileStat> stat(const std::string& path) override;

 private:
  protocol::AgentClient& client_;
  std::string name_;
  std::chrono::seconds slack_;
};

// Parses `stat -L -c '%f %u %g %s'` output (raw mode in hex, uid, gid, size). Pure.
Result<FileStat> parse_stat_output(const std::string& text);

}  // namespace atelier::transport
