// The files atelier bakes into every image it builds: the first-boot script that applies the
// per-host seed disk, its systemd unit, and the unit that runs atelier-agent. Pure data; their
// content is part of the image cache key, so changing them rebuilds images.
#pragma once

#include <string>
#include <vector>

namespace atelier::images {

struct GuestFile {
  std::string path;  // absolute path inside the guest, e.g. "/usr/local/sbin/atelier-firstboot"
  std::string content;
  unsigned mode;  // e.g. 0755
};

// Files written into the image's root folder before mkfs.
const std::vector<GuestFile>& baked_guest_files();

// Units the builder enables in the image (systemctl --root enable).
const std::vector<std::string>& baked_enabled_units();

// Units the builder masks (timers, waits and gettys that only slow a lab guest's boot).
const std::vector<std::string>& baked_masked_units();

// systemd generators the builder masks (a /dev/null link of the same name in
// /etc/systemd/system-generators): partitions, encryption, hibernation, rc.local, none of which
// a lab guest has; each runs at every boot and daemon-reload.
const std::vector<std::string>& baked_masked_generators();

// Where the guest's agent reads its identity (written by the first-boot script each boot), and
// where it finds its binary once installed from the seed.
inline constexpr const char* kGuestAgentEnv = "/etc/atelier/agent.env";
inline constexpr const char* kGuestAgentBinary = "/usr/local/bin/atelier-agent";
// The virtio-serial port the agent speaks on (libvirt channel target name).
inline constexpr const char* kAgentChannelName = "org.atelier.agent.0";

}  // namespace atelier::images
