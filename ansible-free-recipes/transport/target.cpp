// Target parsing and the transport factory.
#include "ansible-free-recipes/transport/target.h"

#include <charconv>

#include "ansible-free-recipes/transport/local_transport.h"

namespace atelier::transport {

Result<TargetSpec> parse_target(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument,
                 "target '" + std::string(text) + "': " + why +
                     "; expected local, chroot:///absolute/folder or ssh://user@host[:port]");
  };
  TargetSpec spec;
  if (text == "local") {
    spec.kind = TransportKind::kLocal;
    spec.root = "/";
    return spec;
  }
  if (text.starts_with("chroot://")) {
    spec.kind = TransportKind::kChroot;
    spec.root = std::string(text.substr(9));
    if (spec.root.empty() || spec.root[0] != '/') return bad("the chroot folder must be absolute");
    while (spec.root.size() > 1 && spec.root.back() == '/') spec.root.pop_back();
    if (spec.root == "/") return bad("chroot to / is the local target; say local");
    return spec;
  }
  if (text.starts_with("ssh://")) {
    spec.kind = TransportKind::kSsh;
    std::string_view rest = text.substr(6);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    auto at = rest.find('@');
    if (at != std::string_view::npos) {
      spec.ssh.user = std::string(rest.substr(0, at));
      if (spec.ssh.user.empty()) return bad("empty user name");
      rest = rest.substr(at + 1);
    }
    std::string_view host = rest, port;
    if (!rest.empty() && rest[0] == '[') {
      auto close = rest.find(']');
      if (close == std::string_view::npos) return bad("unclosed [ in the address");
      host = rest.substr(1, close - 1);
      auto after = rest.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') return bad("text after ]");
        port = after.substr(1);
      }
    } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (host.empty()) return bad("no host");
    spec.ssh.host = std::string(host);
    if (!port.empty() || rest.ends_with(':')) {
      int p = 0;
      auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
      if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
        return bad("port must be 1..65535");
      }
      spec.ssh.port = p;
    }
    return spec;
  }
  return bad("unknown scheme");
}

Result<std::unique_ptr<Transport>> open_transport(const TargetSpec& spec) {
  switch (spec.kind) {
    case TransportKind::kLocal: {
      auto t = LocalTransport::open("/");
      if (!t.ok()) return std::move(t).error();
      return std::unique_ptr<Transport>(std::move(t).value());
    }
    case TransportKind::kChroot: {
      auto t = ChrootTransport::open(spec.root);
      if (!t.ok()) return std::move(t).error();
      return std::unique_ptr<Transport>(std::move(t).value());
    }
    case TransportKind::kSsh: {
      auto t = LibsshTransport::connect(spec.ssh);
      if (!t.ok()) return std::move(t).error();
      return std::unique_ptr<Transport>(std::move(t).value());
    }
    case TransportKind::kAgent:
      break;
  }
  return Error(ErrorCode::kInvalidArgument, "the agent transport is not available yet");
}

}  // namespace atelier::transport
