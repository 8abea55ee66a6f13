// The first-boot script and units baked into atelier's images; see guest_files.h and
// docs/images.md ("First boot") for the seed layout they read.
#include "controller/images/guest_files.h"

namespace atelier::images {
namespace {

// Runs early on every boot. Per instance (a new instance-id in the seed, i.e. a fresh overlay):
// host name, addresses, root password, SSH key and host key. Every boot: the agent's identity
// and binary, so that a newer seed upgrades the agent without rebuilding the image.
constexpr const char* kFirstbootScript = R"SH(#!/bin/sh
# atelier-firstboot: applies this host's seed disk (label CIDATA, NoCloud layout plus an
# atelier/ folder) at boot: host name, static addresses by MAC, root access, agent identity.
set -u
seed=/run/atelier/seed
state=/var/lib/atelier
log() { echo "atelier-firstboot: $*"; }

dev=""
i=0
while [ $i -lt 300 ]; do
  dev=$(blkid -l -t LABEL=CIDATA -o device 2>/dev/null || true)
  [ -n "$dev" ] || dev=$(blkid -l -t LABEL=cidata -o device 2>/dev/null || true)
  [ -n "$dev" ] && break
  sleep 0.1
  i=$((i + 1))
done
if [ -z "$dev" ]; then
  log "no seed disk (label CIDATA) found; nothing to apply"
  exit 0
fi
mkdir -p "$seed"
mountpoint -q "$seed" || mount -o ro "$dev" "$seed" || { log "cannot mount $dev"; exit 1; }
if [ ! -f "$seed/atelier/host.env" ]; then
  log "seed $dev has no atelier/host.env; nothing to apply"
  umount "$seed"
  exit 0
fi
. "$seed/atelier/host.env"
mkdir -p "$state" /etc/atelier /etc/systemd/network

if [ "$(cat "$state/instance-id" 2>/dev/null)" != "$ATELIER_INSTANCE_ID" ]; then
  log "applying seed for instance $ATELIER_INSTANCE_ID ($ATELIER_HOSTNAME)"
  echo "$ATELIER_HOSTNAME" >/etc/hostname
  hostname "$ATELIER_HOSTNAME"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$ATELIER_HOSTNAME" >/etc/hosts
  rm -f /etc/systemd/network/10-atelier-*.network
  n=0
  while read -r mac addrs gw; do
    [ -n "$mac" ] || continue
    case "$mac" in \#*) continue ;; esac
    f=/etc/systemd/network/10-atelier-$n.network
    {
      printf '[Match]\nMACAddress=%s\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' "$mac"
      for a in $(echo "$addrs" | tr ',' ' '); do
        [ "$a" = "-" ] || printf 'Address=%s\n' "$a"
      done
      if [ -n "${gw:-}" ] && [ "$gw" != "-" ]; then printf 'Gateway=%s\n' "$gw"; fi
    } >"$f"
    n=$((n + 1))
  done <"$seed/atelier/nics"
  if [ -n "${ATELIER_ROOT_PASSWORD:-}" ]; then
    echo "root:$ATELIER_ROOT_PASSWORD" | chpasswd
  fi
  install -d -m 700 /root/.ssh
  if [ -s "$seed/atelier/authorized_keys" ]; then
    install -m 600 "$seed/atelier/authorized_keys" /root/.ssh/authorized_keys
  fi
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
  echo "$ATELIER_INSTANCE_ID" >"$state/instance-id"
fi

# Every boot: the agent's identity and arguments, and its binary when the seed carries one.
{
  printf 'ATELIER_SESSION=%s\nATELIER_CANDIDATE=%s\nATELIER_HOST=%s\n' \
    "$ATELIER_SESSION" "$ATELIER_CANDIDATE" "$ATELIER_HOST"
  printf 'ATELIER_AGENT_ARGS=%s\n' "${ATELIER_AGENT_ARGS:-}"
} >/etc/atelier/agent.env.new
mv /etc/atelier/agent.env.new /etc/atelier/agent.env
printf 'session=%s\ncandidate=%s\nhost=%s\n' "$ATELIER_SESSION" "$ATELIER_CANDIDATE" "$ATELIER_HOST" \
  >/etc/atelier/identity.new
mv /etc/atelier/identity.new /etc/atelier/identity
# A domain with a screen gets a login prompt on tty1 (getty@tty1's condition, baked below).
mkdir -p /run/atelier
if [ "${ATELIER_DISPLAY:-0}" = 1 ]; then : >/run/atelier/display; else rm -f /run/atelier/display; fi
if [ -f "$seed/atelier/atelier-agent" ]; then
  install -m 755 "$seed/atelier/atelier-agent" /usr/local/bin/atelier-agent.new
  mv /usr/local/bin/atelier-agent.new /usr/local/bin/atelier-agent
fi
umount "$seed"
log "done"
exit 0
)SH";

constexpr const char* kFirstbootUnit =
    R"UNIT(# atelier: applies the per-host seed disk before the network and sshd start.
[Unit]
Description=atelier first-boot configuration from the seed disk
DefaultDependencies=no
After=local-fs.target systemd-remount-fs.service
Before=systemd-networkd.service network-pre.target ssh.service atelier-agent.service sysinit.target
Wants=network-pre.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/atelier-firstboot
StandardOutput=journal+console

[Install]
WantedBy=sysinit.target
)UNIT";

constexpr const char* kAgentUnit =
    R"UNIT(# atelier: the agent, on the virtio-serial management channel. Its binary and arguments come
# from the seed disk (atelier-firstboot), not from the image.
[Unit]
Description=atelier agent
After=atelier-firstboot.service systemd-udevd.service
Wants=atelier-firstboot.service
ConditionPathExists=/usr/local/bin/atelier-agent

[Service]
EnvironmentFile=-/etc/atelier/agent.env
ExecStart=/usr/local/bin/atelier-agent $ATELIER_AGENT_ARGS
Restart=always
RestartSec=1
# Candidates are root in their labs; the agent is not the first thing the OOM killer takes.
OOMScoreAdjust=-900

[Install]
WantedBy=multi-user.target
)UNIT";

// Kept short: lab guests are small and slow under TCG.
constexpr const char* kJournaldConf = R"(# atelier: a small volatile journal for lab guests.
[Journal]
Storage=volatile
RuntimeMaxUse=16M
)";

// Drivers for hardware a lab guest has but never uses (the i440fx machine's floppy, IDE, PC
// speaker, PS/2 and SMBus; KVM and the AMD crypto processor the CPU model advertises). udev's
// coldplug loaded them in the middle of atelier-firstboot on the guest's one vCPU: with these
// blacklisted, and the generators and gettys below off, a debian12 guest answered 5 s sooner
// under TCG (37.1 -> 32.1 s, three boots each).
constexpr const char* kModprobeBlacklist = R"(# atelier: drivers a lab guest never needs.
blacklist floppy
blacklist pcspkr
blacklist kvm
blacklist kvm_amd
blacklist kvm_intel
blacklist ccp
blacklist i2c_piix4
blacklist ata_piix
blacklist ata_generic
blacklist serio_raw
blacklist psmouse
blacklist evdev
blacklist joydev
blacklist uhci_hcd
blacklist ehci_hcd
blacklist ehci_pci
blacklist powernow_k8
)";

// tty1's getty only where the domain has a screen (`display: true`): atelier-firstboot, which
// runs before it, leaves the flag. Elsewhere the unit's condition fails at no cost.
constexpr const char* kTty1GettyDropIn =
    R"(# atelier: a login on the screen only where there is one.
[Unit]
ConditionPathExists=/run/atelier/display
)";

constexpr const char* kFstab =
    "# atelier image: the root filesystem is the first virtio disk.\n"
    "/dev/vda / ext4 defaults,errors=remount-ro 0 1\n";

}  // namespace

const std::vector<GuestFile>& baked_guest_files() {
  static const std::vector<GuestFile> kFiles = {
      {"/usr/local/sbin/atelier-firstboot", kFirstbootScript, 0755},
      {"/etc/systemd/system/atelier-firstboot.service", kFirstbootUnit, 0644},
      {"/etc/systemd/system/atelier-agent.service", kAgentUnit, 0644},
      {"/etc/systemd/journald.conf.d/atelier.conf", kJournaldConf, 0644},
      {"/etc/modprobe.d/atelier-vm.conf", kModprobeBlacklist, 0644},
      {"/etc/systemd/system/getty@tty1.service.d/atelier-display.conf", kTty1GettyDropIn, 0644},
      {"/etc/fstab", kFstab, 0644},
      {"/etc/hostname", "debian\n", 0644},
      {"/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n", 0644},
      // An empty machine-id: systemd gives every clone its own at first boot.
      {"/etc/machine-id", "", 0444},
  };
  return kFiles;
}

const std::vector<std::string>& baked_enabled_units() {
  static const std::vector<std::string> kUnits = {
      "atelier-firstboot.service", "atelier-agent.service", "systemd-networkd.service",
      "serial-getty@ttyS0.service", "getty@tty1.service"};
  return kUnits;
}

const std::vector<std::string>& baked_masked_units() {
  static const std::vector<std::string> kUnits = {
      "apt-daily.timer", "apt-daily-upgrade.timer", "systemd-networkd-wait-online.service",
      "e2scrub_all.timer", "e2scrub_reap.service", "fstrim.timer",
      // The console is the serial getty (serial-getty@ttyS0, enabled above); tty1's runs only
      // on a screen (kTty1GettyDropIn).
      "getty-static.service"};
  return kUnits;
}

const std::vector<std::string>& baked_masked_generators() {
  static const std::vector<std::string> kGenerators = {"systemd-gpt-auto-generator",
                                                       "systemd-cryptsetup-generator",
                                                       "systemd-integritysetup-generator",
                                                       "systemd-veritysetup-generator",
                                                       "systemd-hibernate-resume-generator",
                                                       "systemd-debug-generator",
                                                       "systemd-rc-local-generator",
                                                       "systemd-system-update-generator",
                                                       "systemd-run-generator"};
  return kGenerators;
}

}  // namespace atelier::images
