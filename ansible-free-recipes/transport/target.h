// Targets as the CLI and the engine name them — "local", "chroot:///srv/root",
// "ssh://user@host[:port]" — and the one factory that opens the matching transport.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ansible-free-recipes/transport/libssh_transport.h"
#include "ansible-free-recipes/transport/transport.h"

namespace atelier::transport {

struct TargetSpec {
  TransportKind kind = TransportKind::kLocal;
  std::string root;  // kChroot: the folder
  SshOptions ssh;    // kSsh: host, port and user parsed; auth and known_hosts set by the caller
};

// Parses a target. Pure. kInvalidArgument with a sentence naming the accepted forms.
Result<TargetSpec> parse_target(std::string_view text);

// Opens the transport a spec names (connects for ssh). The closed set of backends is chosen
// here and only here. kAgent is not available yet: kInvalidArgument.
Result<std::unique_ptr<Transport>> open_transport(const TargetSpec& spec);

}  // namespace atelier::transport
