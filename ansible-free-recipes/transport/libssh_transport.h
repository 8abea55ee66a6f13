// LibsshTransport: one SSH session (libssh) to one host — key or password authentication, a
// host-key policy against a known_hosts file, SFTP for files, deadlines on connect and commands.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ansible-free-recipes/transport/transport.h"

namespace atelier::transport {

enum class HostKeyPolicy {
  kStrict,     // the host's key must already be in known_hosts_file
  kAcceptNew,  // an unknown host's key is added to known_hosts_file; a changed key is refused
};

struct SshOptions {
  std::string host;  // name or address
  int port = 22;
  std::string user = "root";
  // Private key (OpenSSH format), unencrypted. Without one, authentication goes as OpenSSH's
  // does: the SSH agent ($SSH_AUTH_SOCK), then ssh_dir's id_ed25519, id_ecdsa, id_rsa.
  std::optional<std::string> identity_file;
  std::optional<std::string> password;  // used when no key is given, or the keys are refused
  std::string ssh_dir;                  // where the default keys are; empty: $HOME/.ssh
  bool use_agent = true;                // ask $SSH_AUTH_SOCK's agent when no identity_file is given
  std::string known_hosts_file;         // required: where host keys are checked/recorded
  HostKeyPolicy host_key_policy = HostKeyPolicy::kAcceptNew;
  std::chrono::seconds connect_timeout{10};
};

class LibsshTransport : public Transport {
 public:
  // Connects, checks the host key and authenticates. Errors: kUnavailable (cannot connect),
  // kTimeout, kPermissionDenied (host key refused, authentication refused), kInvalidArgument
  // (unreadable key file, no known_hosts file given).
  static Result<std::unique_ptr<LibsshTransport>> connect(const SshOptions& options);
  ~LibsshTransport() override;

  TransportKind kind() const override { return TransportKind::kSsh; }
  std::string describe() const override;
  // Reads both streams as they come (one poll on the session, no fixed waits) until EOF and the
  // exit status. On timeout the channel is closed; sshd then hangs up on the command (it is not
  // killed by process group as locally). Every call reuses the one session; file calls reuse one
  // SFTP channel.
  Result<ExecResult> exec(const std::string& command, std::chrono::seconds timeout) override;
  Status put_file(const std::string& path, const std::string& content, uint32_t mode,
                  const FileOwner& owner) override;
  Result<std::string> get_file(const std::string& path) override;
  Result<FileStat> stat(const std::string& path) override;

 private:
  struct Impl;
  explicit LibsshTransport(std::unique_ptr<Impl> impl);
  Status ensure_sftp();
  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier::transport
