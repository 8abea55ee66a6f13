// Naming of atelier's libvirt objects and the small value types of provider.h.
#include "controller/provider/naming.h"

#include <cstdio>

namespace atelier::provider {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// [a-z0-9][a-z0-9_<extra>]{0,max-1}
bool valid_id(std::string_view id, std::size_t max, bool allow_dash) {
  if (id.empty() || id.size() > max || !is_lower_alnum(id.front())) {
    return false;
  }
  for (char c : id) {
    if (!(is_lower_alnum(c) || c == '_' || (allow_dash && c == '-'))) {
      return false;
    }
  }
  return true;
}

constexpr std::size_t kMaxIdLength = 24;
constexpr std::size_t kMaxObjectLength = 40;

}  // namespace

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

Result<MacAddress> MacAddress::parse(std::string_view text) {
  auto bad = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 "MAC address \"" + std::string(text) + "\" is not of the form 5a:7e:00:11:22:33");
  };
  if (text.size() != 17) {
    return bad();
  }
  MacAddress mac;
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') {
      return bad();
    }
    unsigned value = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      char c = text[i * 3 + j];
      unsigned digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return bad();
      }
      value = value * 16 + digit;
    }
    mac.bytes[i] = static_cast<std::uint8_t>(value);
  }
  return mac;
}

std::string_view to_string(DiskFormat format) {
  switch (format) {
    case DiskFormat::kQcow2:
      return "qcow2";
    case DiskFormat::kRaw:
      return "raw";
  }
  return "?";
}

std::string_view to_string(DomainType type) {
  switch (type) {
    case DomainType::kKvm:
      return "kvm";
    case DomainType::kQemu:
      return "qemu";
  }
  return "?";
}

std::string_view to_string(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNetwork:
      return "network";
    case ObjectKind::kOverlay:
      return "overlay";
    case ObjectKind::kDomain:
      return "domain";
    case ObjectKind::kGrader:
      return "grader";
  }
  return "?";
}

std::string_view to_string(DomainState state) {
  switch (state) {
    case DomainState::kShutOff:
      return "shut-off";
    case DomainState::kRunning:
      return "running";
    case DomainState::kPaused:
      return "paused";
    case DomainState::kShuttingDown:
      return "shutting-down";
    case DomainState::kCrashed:
      return "crashed";
    case DomainState::kOther:
      return "other";
  }
  return "?";
}

Status validate_session(std::string_view session) {
  if (!valid_id(session, kMaxIdLength, false)) {
    return Error(ErrorCode::kInvalidArgument,
                 "session id \"" + std::string(session) +
                     "\" must be 1-24 characters of [a-z0-9_], starting with a letter or digit");
  }
  return ok_status();
}

Status validate_ref(const ObjectRef& ref) {
  ATELIER_RETURN_IF_ERROR(validate_session(ref.session));
  if (!valid_id(ref.candidate, kMaxIdLength, false)) {
    return Error(ErrorCode::kInvalidArgument,
                 "candidate id \"" + ref.candidate +
                     "\" must be 1-24 characters of [a-z0-9_], starting with a letter or digit");
  }
  if (!valid_id(ref.object, kMaxObjectLength, true)) {
    return Error(ErrorCode::kInvalidArgument,
                 "object name \"" + ref.object +
                     "\" must be 1-40 characters of [a-z0-9_-], starting with a letter or digit");
  }
  return ok_status();
}

std::string libvirt_name(const ObjectRef& ref) {
  std::string out(kNamePrefix);
  out += ref.session;
  out += '-';
  out += ref.candidate;
  out += '-';
  out += ref.object;
  return out;
}

std::string overlay_volume_name(const ObjectRef& ref) {
  return libvirt_name(ref) + std::string(kOverlaySuffix);
}

std::optional<ObjectRef> parse_libvirt_name(std::string_view name) {
  if (!name.starts_with(kNamePrefix)) {
    return std::nullopt;
  }
  name.remove_prefix(kNamePrefix.size());
  auto first = name.find('-');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  auto second = name.find('-', first + 1);
  if (second == std::string_view::npos) {
    return std::nullopt;
  }
  ObjectRef ref{std::string(name.substr(0, first)),
                std::string(name.substr(first + 1, second - first - 1)),
                std::string(name.substr(second + 1))};
  if (!validate_ref(ref).ok()) {
    return std::nullopt;
  }
  return ref;
}

std::optional<ObjectRef> parse_overlay_volume_name(std::string_view name) {
  if (!name.ends_with(kOverlaySuffix)) {
    return std::nullopt;
  }
  name.remove_suffix(kOverlaySuffix.size());
  return parse_libvirt_name(name);
}

std::uint64_t name_hash(std::initializer_list<std::string_view> parts) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  for (std::string_view part : parts) {
    for (char c : part) {
      mix(static_cast<unsigned char>(c));
    }
    mix(0);
  }
  return h;
}

std::string derive_bridge_name(const ObjectRef& network, unsigned salt) {
  std::string salt_text = std::to_string(salt);
  std::uint64_t h =
      name_hash({"bridge", network.session, network.candidate, network.object, salt_text});
  char buf[13];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(h & 0xffffffffffffull));
  return std::string(kBridgePrefix) + buf;
}

std::string derive_grader_link(const ObjectRef& network) {
  std::uint64_t h = name_hash({"grader", network.session, network.candidate, network.object});
  char buf[13];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(h & 0xffffffffffffull));
  return std::string(kGraderLinkPrefix) + buf;
}

MacAddress derive_mac(const ObjectRef& host, unsigned nic_index, unsigned salt) {
  std::string nic_text = std::to_string(nic_index);
  std::string salt_text = std::to_string(salt);
  std::uint64_t h =
      name_hash({"mac", host.session, host.candidate, host.object, nic_text, salt_text});
  MacAddress mac;
  mac.bytes = {kMacPrefix0,
               kMacPrefix1,
               static_cast<std::uint8_t>(h >> 24),
               static_cast<std::uint8_t>(h >> 16),
               static_cast<std::uint8_t>(h >> 8),
               static_cast<std::uint8_t>(h)};
  return mac;
}

std::string describe(std::string_view what, const ObjectRef& ref) {
  std::string out(what);
  out += " \"" + ref.object + "\" for candidate \"" + ref.candidate + "\" of session \"" +
         ref.session + "\"";
  return out;
}

}  // namespace atelier::provider
