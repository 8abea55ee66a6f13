// Naming of the libvirt objects atelier owns: libvirt names, bridge names that fit the kernel's
// 15-character limit, and deterministic locally administered MACs. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/provider/provider.h"

namespace atelier::provider {

inline constexpr std::string_view kNamePrefix = "atelier-";
inline constexpr std::string_view kOverlaySuffix = ".qcow2";
inline constexpr std::string_view kBridgePrefix = "atl";      // + 12 hex digits = 15 characters
inline constexpr std::string_view kGraderLinkPrefix = "atg";  // a grader's veth on a bridge
inline constexpr std::string_view kGraderObject = "grader";   // its ObjectRef's object
// First two bytes of every MAC atelier derives: 0x5a has the locally administered bit (0x02)
// set and the multicast bit (0x01) clear; it is not QEMU's 52:54:00 nor libvirt's fe: taps.
inline constexpr std::uint8_t kMacPrefix0 = 0x5a;
inline constexpr std::uint8_t kMacPrefix1 = 0x7e;

// Checks the ids of ref (see ObjectRef). kInvalidArgument naming the bad part.
Status validate_ref(const ObjectRef& ref);
Status validate_session(std::string_view session);

// atelier-<session>-<candidate>-<object>
std::string libvirt_name(const ObjectRef& ref);
// atelier-<session>-<candidate>-<object>.qcow2
std::string overlay_volume_name(const ObjectRef& ref);
// Inverse of libvirt_name / overlay_volume_name; nullopt if `name` is not of that shape.
std::optional<ObjectRef> parse_libvirt_name(std::string_view name);
std::optional<ObjectRef> parse_overlay_volume_name(std::string_view name);

// 64-bit FNV-1a over the parts, each followed by a 0 byte (so ("ab","c") != ("a","bc")).
std::uint64_t name_hash(std::initializer_list<std::string_view> parts);

// "atl" + 12 hex digits of the hash of session, candidate, network and salt. salt 0 is the
// first choice; a collision moves to the next salt.
std::string derive_bridge_name(const ObjectRef& network, unsigned salt);

// "atg" + 12 hex digits of the hash of session, candidate and network: the host end of the
// grader endpoint's veth on that network's bridge.
std::string derive_grader_link(const ObjectRef& network);

// 5a:7e + 4 bytes of the hash of session, candidate, host, NIC index and salt.
MacAddress derive_mac(const ObjectRef& host, unsigned nic_index, unsigned salt);

// Human context for errors: `network "lan" for candidate "c03" of session "s1"`.
std::string describe(std::string_view what, const ObjectRef& ref);

}  // namespace atelier::provider
