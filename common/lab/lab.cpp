// The lab model's small value types: addresses, networks, diagnostics, lookups.
#include "common/lab/lab.h"

#include <charconv>

#include "common/lab/check_fields.h"

namespace atelier::lab {

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
         (warning ? ": warning: " : ": error: ") + message;
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t bits = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4) ++pos;
    std::size_t len = pos - start;
    if (len == 0 || len > 3) return std::nullopt;
    if (len > 1 && text[start] == '0') return std::nullopt;  // no octal-looking octets
    unsigned value = 0;
    std::from_chars(text.data() + start, text.data() + pos, value);
    if (value > 255) return std::nullopt;
    bits = (bits << 8) | value;
  }
  if (pos != text.size()) return std::nullopt;
  return Ipv4Address{bits};
}

std::string Ipv4Address::to_string() const {
  return std::to_string(bits >> 24) + "." + std::to_string((bits >> 16) & 255) + "." +
         std::to_string((bits >> 8) & 255) + "." + std::to_string(bits & 255);
}

Result<Ipv4Network> Ipv4Network::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "expected a network in CIDR form like 10.10.0.0/24, got '" + std::string(text) +
                     "' (no /prefix)");
  }
  auto address = Ipv4Address::parse(text.substr(0, slash));
  if (!address) {
    return Error(ErrorCode::kInvalidArgument, "'" + std::string(text.substr(0, slash)) +
                                                  "' is not an IPv4 address in '" +
                                                  std::string(text) + "'");
  }
  std::string_view prefix_text = text.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] =
      std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (ec != std::errc() || ptr != prefix_text.data() + prefix_text.size() || prefix < 0 ||
      prefix > 32 || prefix_text.empty() || (prefix_text.size() > 1 && prefix_text[0] == '0')) {
    return Error(ErrorCode::kInvalidArgument, "bad prefix length '/" + std::string(prefix_text) +
                                                  "' in '" + std::string(text) +
                                                  "'; expected 0 to 32");
  }
  Ipv4Network net;
  net.prefix_length = prefix;
  net.address = *address;
  std::uint32_t mask = net.netmask().bits;
  if ((address->bits & ~mask) != 0) {
    Ipv4Network fixed{Ipv4Address{address->bits & mask}, prefix};
    return Error(
        ErrorCode::kInvalidArgument,
        "'" + std::string(text) + "' has host bits set; did you mean '" + fixed.to_string() + "'?");
  }
  return net;
}

Ipv4Address Ipv4Network::netmask() const {
  return Ipv4Address{prefix_length == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_length)};
}
Ipv4Address Ipv4Network::broadcast() const {
  return Ipv4Address{address.bits | ~netmask().bits};
}
bool Ipv4Network::contains(Ipv4Address a) const {
  return (a.bits & netmask().bits) == address.bits;
}
std::string Ipv4Network::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_length);
}

const Value* find_param(const Params& params, std::string_view name) {
  for (const auto& p : params) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

const Nic* Host::nic(std::string_view network) const {
  for (const auto& n : nics) {
    if (n.network == network) return &n;
  }
  return nullptr;
}

std::string_view to_string(Priority p) {
  static constexpr std::string_view kNames[] = {"P1", "P2", "P3", "P4"};
  return kNames[static_cast<int>(p)];
}

std::string_view to_string(Scoring s) {
  return s == Scoring::kPartial ? "partial" : "all";
}

Mark SourceMap::at(const std::string& path) const {
  auto it = marks.find(path);
  return it == marks.end() ? Mark{} : it->second;
}

const Host* Lab::host(std::string_view name) const {
  for (const auto& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}
const Network* Lab::network(std::string_view name) const {
  for (const auto& n : networks) {
    if (n.name == name) return &n;
  }
  return nullptr;
}
const Task* Lab::task(std::string_view task_id) const {
  for (const auto& t : tasks) {
    if (t.id == task_id) return &t;
  }
  return nullptr;
}
int Lab::total_points() const {
  int total = 0;
  for (const auto& t : tasks) total += t.points;
  return total;
}

}  // namespace atelier::lab

namespace atelier::checks {

namespace {
template <std::size_t... I>
CheckKind make_kind_impl(std::size_t index, std::index_sequence<I...>) {
  CheckKind out;
  ((index == I ? (out = CheckKind(std::in_place_index<I>), 0) : 0), ...);
  return out;
}
}  // namespace

CheckKind make_check_kind(std::size_t index) {
  return make_kind_impl(index, std::make_index_sequence<std::variant_size_v<CheckKind>>());
}

}  // namespace atelier::checks
