// libvirt XML for atelier's objects: pure rendering (spec -> XML) and parsing of what libvirt
// reports (owner metadata, bridges, MACs, volume formats, capabilities), both with pugixml.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "controller/provider/provider.h"

namespace atelier::provider {

// What the <atelier:owner> element of a domain or network says.
struct OwnerMetadata {
  ObjectKind kind = ObjectKind::kDomain;
  ObjectRef ref;
  std::string bridge;    // networks
  bool secured = false;  // networks
  std::string cidr;      // networks, may be empty

  friend bool operator==(const OwnerMetadata&, const OwnerMetadata&) = default;
};

struct ParsedNetwork {
  std::string name;
  std::string uuid;
  std::string bridge;  // may be empty
  std::optional<OwnerMetadata> owner;
};

struct ParsedDomain {
  std::string name;
  std::string uuid;
  std::vector<MacAddress> macs;  // every <interface><mac>, in order
  std::optional<OwnerMetadata> owner;
};

struct ParsedVolume {
  std::string name;
  std::string path;
  std::string format;  // "qcow2", "raw", ... or empty
};

// Isolated network: no <forward>, no <ip>, so no host address, no DHCP, no DNS, no routing.
// uuid: keep an existing definition's UUID when redefining ("" lets libvirt pick).
std::string render_network_xml(const NetworkSpec& spec, std::string_view bridge,
                               std::string_view uuid = {});

// The domain. macs: one per spec.nics, already chosen. type kQemu adds the TCG tb-cache cap.
std::string render_domain_xml(const DomainSpec& spec, DomainType type,
                              const std::vector<MacAddress>& macs, std::string_view uuid = {});

// A qcow2 volume backed by base_path of base_format. Capacity 0 lets libvirt take the base's.
std::string render_overlay_volume_xml(std::string_view volume_name, std::string_view base_path,
                                      DiskFormat base_format);

// A directory storage pool (for overlays).
std::string render_dir_pool_xml(std::string_view name, std::string_view dir);

// Parsers: kInvalidArgument if the text is not the XML they expect. An <atelier:owner> that is
// present but incomplete yields owner = nullopt (not provably ours).
Result<ParsedNetwork> parse_network_xml(std::string_view xml);
Result<ParsedDomain> parse_domain_xml(std::string_view xml);
Result<ParsedVolume> parse_volume_xml(std::string_view xml);
// A pool's <target><path>.
Result<std::string> parse_pool_path(std::string_view xml);

// From virConnectGetCapabilities' XML: kKvm if an x86_64 guest offers domain type kvm and
// kvm_device_usable, else kQemu.
Result<DomainType> choose_domain_type(std::string_view capabilities_xml, bool kvm_device_usable);

}  // namespace atelier::provider
