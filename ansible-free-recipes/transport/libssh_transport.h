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
  std::optional<std::string> identity_file;  // private key (OpenSSH format), unencrypted
  std::optional<std::string> password;       // used when no key is given, or the key is refused
  std::string known_hosts_file;              // required: where host keys are checked/recorded
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
  // On timeout the channel is closed; sshd then hangs up on the command (it is not killed by
  // process group as locally).
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
