// Provider: the seam between atelier and the hypervisor. Typed specs in, libvirt objects out.
// A candidate lab on a host is networks + copy-on-write overlays + domains, all named
// atelier-<session>-<candidate>-<object> and carrying atelier metadata (see docs/provider.md).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include "common/process/run_process.h"
#include "common/result.h"

namespace atelier::provider {

// Namespace URI of the metadata element atelier writes into every domain and network it
// defines: <atelier:owner xmlns:atelier="..." session=".." candidate=".." object=".." kind=".."/>.
inline constexpr std::string_view kMetadataNamespace = "https://atelier.example/xmlns/provider/1";
inline constexpr std::string_view kMetadataPrefix = "atelier";
// Name of the virtio-serial port of the agent channel; in the guest it is
// /dev/virtio-ports/org.atelier.agent.0.
inline constexpr std::string_view kAgentChannelName = "org.atelier.agent.0";

// Who owns an object: session id, candidate id and the object's name in the lab (network or
// host name). session and candidate: [a-z0-9][a-z0-9_]{0,23} (no '-', so that libvirt names
// parse back unambiguously); object: [a-z0-9][a-z0-9_-]{0,39}. See naming.h.
struct ObjectRef {
  std::string session;
  std::string candidate;
  std::string object;

  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

// A MAC address. atelier's own MACs use the locally administered prefix 5a:7e (naming.h).
struct MacAddress {
  std::array<std::uint8_t, 6> bytes{};

  std::string to_string() const;  // "5a:7e:01:02:03:04"
  static Result<MacAddress> parse(std::string_view text);
  friend bool operator==(const MacAddress&, const MacAddress&) = default;
};

// One lab network of one candidate. Always isolated: no <forward>, no IP on the host's bridge,
// no DHCP/DNS from libvirt. `secured` segments are isolated the same way (they are reached only
// through a router host) and the flag is recorded in the metadata.
struct NetworkSpec {
  ObjectRef ref;  // object = the lab's network name, e.g. "lan"
  bool secured = false;
  std::optional<std::string> cidr;  // documentation only, recorded in the metadata
};

enum class DiskFormat { kQcow2, kRaw };
std::string_view to_string(DiskFormat format);

// A copy-on-write qcow2 overlay for one host, on a read-only base image that lives on the
// hypervisor host. The overlay is a libvirt storage volume in the provider's overlay pool.
struct OverlaySpec {
  ObjectRef ref;          // object = the host name
  std::string base_path;  // absolute path on the hypervisor host
  DiskFormat base_format = DiskFormat::kQcow2;
};

struct Overlay {
  ObjectRef ref;
  std::string volume_name;  // atelier-<session>-<candidate>-<host>.qcow2
  std::string path;         // absolute path on the hypervisor host
};

// Direct kernel boot: no bootloader in the image.
struct KernelBoot {
  std::string kernel_path;
  std::string initrd_path;  // may be empty
  std::string cmdline;      // e.g. "root=/dev/vda console=ttyS0"
};

struct Nic {
  std::string network;            // the lab's network name ("lan"), same session/candidate
  std::optional<MacAddress> mac;  // empty: the provider derives one (naming.h) unique on the host
};

// Where the guest's serial console goes.
struct SerialConsole {
  enum class Kind { kNone, kLogFile, kPty };
  Kind kind = Kind::kPty;
  std::string log_path;  // for kLogFile: a pty whose output libvirt also appends to this file
};

enum class DiskCache { kDefault, kUnsafe };  // kUnsafe: tests only (no flushes)

// One host of one candidate lab.
struct DomainSpec {
  ObjectRef ref;  // object = the host name, also the guest's host name
  std::uint64_t memory_bytes = 256ull << 20;
  unsigned vcpus = 1;
  std::optional<KernelBoot> kernel;  // empty: boot from the disk
  // The system disk: the overlay (vda) on its base.
  std::string base_path;
  DiskFormat base_format = DiskFormat::kQcow2;
  std::string overlay_path;  // Overlay::path from create_overlay()
  std::vector<Nic> nics;     // in order: first is the guest's first NIC
  // Read-only first-boot seed (e.g. a cloud-init NoCloud "cidata" image), attached as vdb.
  std::optional<std::string> seed_path;
  DiskFormat seed_format = DiskFormat::kRaw;
  // Hypervisor-side UNIX socket of the agent channel (kAgentChannelName in the guest);
  // libvirt creates it (mode='bind'). Empty: no agent channel.
  std::string agent_socket_path;
  SerialConsole console;
  // A VGA card and a VNC display that listens nowhere: reached only through open_display().
  bool display = false;
  DiskCache cache = DiskCache::kDefault;
};

// How the provider runs guests on its URI: chosen once at connect. kKvm when the URI's
// capabilities offer kvm for x86_64 and, for a local URI, /dev/kvm works (opens, creates a VM,
// and is read-writable by the libvirt-qemu user QEMU runs as); otherwise kQemu (TCG), whose
// domains get a 128 MiB translation-block cache cap. LibvirtOptions::domain_type overrides.
enum class DomainType { kKvm, kQemu };
std::string_view to_string(DomainType type);

// kGrader: a candidate lab's grader endpoint, a network namespace on the hypervisor host
// (ensure_grader); listed and torn down with the lab's libvirt objects.
enum class ObjectKind { kNetwork, kOverlay, kDomain, kGrader };
std::string_view to_string(ObjectKind kind);

enum class DomainState { kShutOff, kRunning, kPaused, kShuttingDown, kCrashed, kOther };
std::string_view to_string(DomainState state);

// One object the provider owns, as found on the host.
struct OwnedObject {
  ObjectKind kind;
  ObjectRef ref;
  std::string libvirt_name;  // domain/network name, or volume name
  bool active = false;       // network/domain running; overlays: always false
  std::string detail;  // network: bridge name; overlay: path; domain: state name; grader: netns
};

// A candidate lab's grader endpoint (issue 20): a network namespace on the hypervisor host,
// named like the lab's objects (atelier-<session>-<candidate>-grader), with a veth on the bridge
// of each network it is on (lab::grader_plan), the address reserved for it there, and routes to
// the others through the lab's router. Nothing listens
// in it and it forwards nothing, so it reaches each segment as a user on it would and joins
// none of them to another or to the host; only atelierd runs programs in it (run_in_grader).
struct GraderNic {
  std::string network;  // the lab's network name, e.g. "lan"
  std::string address;  // with its prefix length, "10.10.0.254/24"
};
struct GraderRoute {
  std::string destination;  // "10.30.0.0/24"
  std::string via;          // a lab router's address on one of the nics' networks
};
struct GraderSpec {
  ObjectRef ref;  // object = "grader"
  std::vector<GraderNic> nics;
  std::vector<GraderRoute> routes;
  // Lines of its /etc/hosts ("10.10.0.10 server"), so that checks name the lab's hosts.
  std::vector<std::string> hosts;
};

// A connected descriptor the caller owns: closed at destruction unless release()d.
class DisplayFd {
 public:
  explicit DisplayFd(int fd) : fd_(fd) {}
  ~DisplayFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  DisplayFd(DisplayFd&& other) noexcept : fd_(other.release()) {}
  DisplayFd& operator=(DisplayFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = other.release();
    }
    return *this;
  }
  DisplayFd(const DisplayFd&) = delete;
  DisplayFd& operator=(const DisplayFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// A live serial console of a running domain: bytes out of the guest's first serial port arrive
// through on_output, bytes written go to it. Driven by libvirt's event loop (no thread per
// console); the callbacks run on that loop's thread and must not block (queue, then return).
// Once the stream ends (the guest powered off or was destroyed, libvirtd went away, close()),
// on_closed is called once with why (ok after close()), and no on_output follows it.
struct ConsoleCallbacks {
  std::function<void(std::string_view bytes)> on_output;
  std::function<void(const Status& why)> on_closed;
};

class ConsoleStream {
 public:
  virtual ~ConsoleStream() = default;  // closes (as close()) if still open
  // Queues bytes for the guest; never blocks (what the stream cannot take now is sent when it
  // becomes writable). kFailedPrecondition once closed.
  virtual Status write(std::string_view bytes) = 0;
  // Ends the stream and releases every libvirt object it holds. Idempotent. After it returns no
  // callback starts (a callback that calls close() itself finishes normally).
  virtual void close() = 0;
};

// The provider. Thread-safe: any method may be called from any thread. Every method that talks
// to libvirt has a deadline; past it the method returns kTimeout (the abandoned libvirt call
// finishes in the background and its effect, if any, is visible to later calls and list()).
// Errors carry context, e.g.
//   define network "lan" for candidate "c03" <- libvirt: operation failed: ...
// kUnavailable means libvirtd could not be reached; the next call reconnects.
class Provider {
 public:
  virtual ~Provider() = default;

  // The domain type this provider renders (kvm or qemu/TCG).
  virtual DomainType domain_type() const = 0;

  // --- networks ---------------------------------------------------------------------------
  // Defines (persistently) the candidate's isolated network with a derived bridge name
  // (naming.h; if that bridge is taken by another network, the next derivation is used) and
  // records the bridge in the metadata. Idempotent: an atelier network with the same owner
  // already defined -> ok, unchanged. Errors: kInvalidArgument (bad ids), kAlreadyExists (the
  // libvirt name is taken by an object that is not this owner's).
  virtual Status define_network(const NetworkSpec& spec) = 0;
  // Starts it (creates the bridge). Idempotent: already active -> ok. kNotFound if not defined.
  virtual Status start_network(const ObjectRef& ref) = 0;
  // Stops it (removes the bridge). Idempotent; unknown or inactive -> ok.
  virtual Status destroy_network(const ObjectRef& ref) = 0;
  // Stops it if active and removes its definition. Idempotent; unknown -> ok.
  // Start/destroy/undefine refuse (kFailedPrecondition, untouched) a network of that name
  // without this owner's metadata.
  virtual Status undefine_network(const ObjectRef& ref) = 0;

  // --- overlays ---------------------------------------------------------------------------
  // Creates the qcow2 overlay on spec.base_path (a libvirt volume with <backingStore> and the
  // base's format). The base must exist on the hypervisor host (kNotFound otherwise) and have
  // the stated format (kInvalidArgument). Not idempotent on purpose: an existing overlay of the
  // same name -> kAlreadyExists (it may hold a candidate's work; delete it first to reset).
  virtual Result<Overlay> create_overlay(const OverlaySpec& spec) = 0;
  // Deletes the overlay volume and its file. Idempotent; unknown -> ok.
  virtual Status delete_overlay(const ObjectRef& ref) = 0;

  // --- domains ----------------------------------------------------------------------------
  // Defines (persistently) the domain. NICs without a MAC get a derived one that no other
  // domain on the host uses. Idempotent: redefining the same owner's domain updates its
  // persistent definition (effective at next start), keeping its UUID and MACs.
  // Errors: kInvalidArgument (bad spec), kAlreadyExists (name taken by a non-owned domain, or an
  // explicit MAC used by another domain), kNotFound (a NIC's network is not defined).
  // Returns the MACs in NIC order.
  virtual Result<std::vector<MacAddress>> define_domain(const DomainSpec& spec) = 0;
  // Starts it. Idempotent: running -> ok. kNotFound if not defined.
  virtual Status start_domain(const ObjectRef& ref) = 0;
  // Asks the guest to power off (ACPI), waits up to `grace`, then destroys it. Idempotent:
  // shut off or unknown -> ok.
  virtual Status shutdown_domain(const ObjectRef& ref, std::chrono::milliseconds grace) = 0;
  // Powers it off at once. Idempotent: shut off or unknown -> ok.
  virtual Status destroy_domain(const ObjectRef& ref) = 0;
  // Destroys it if running and removes its definition (not its overlay). Idempotent; unknown
  // -> ok. All domain operations refuse (kFailedPrecondition, untouched) a domain of that name
  // without this owner's metadata.
  virtual Status undefine_domain(const ObjectRef& ref) = 0;
  // Current state. kNotFound if not defined.
  virtual Result<DomainState> domain_state(const ObjectRef& ref) = 0;
  // Resets a host to fresh: destroy, delete the overlay, recreate it on spec's base, redefine,
  // start. The domain must be defined (kNotFound otherwise) and spec.overlay_path must be the
  // path create_overlay() gives for this host (kInvalidArgument otherwise, nothing touched).
  virtual Status reset_host(const DomainSpec& spec) = 0;
  // Picks the MAC define_domain would give this NIC (derived, unique on the host now), so that
  // first-boot configuration can name it before the domain exists. nic_index: position in nics.
  virtual Result<MacAddress> choose_mac(const ObjectRef& host, unsigned nic_index) = 0;

  // --- consoles ---------------------------------------------------------------------------
  // Opens the serial console of the owner's running domain (virDomainOpenConsole on a
  // non-blocking stream, forcing off any other client of that console). Errors: kNotFound (not
  // defined), kFailedPrecondition (not running, not this owner's, or a driver without consoles
  // such as test://). Each call opens its own stream; the caller shares it (ConsoleHub).
  virtual Result<std::unique_ptr<ConsoleStream>> open_console(const ObjectRef& ref,
                                                              ConsoleCallbacks callbacks) = 0;
  // Connects to the display (VNC, RFB 3.8 without authentication) of the owner's running
  // domain defined with `display`: QEMU's VNC server gets one end of a socket pair, the caller
  // the other (virDomainOpenGraphicsFD); no listening socket or port exists. Local URIs only
  // (the descriptor crosses libvirtd's UNIX socket). Errors: kNotFound, kFailedPrecondition (not
  // running, no display, a remote or test:// URI).
  virtual Result<DisplayFd> open_display(const ObjectRef& ref) = 0;

  // --- hand-over snapshots -------------------------------------------------------------------
  // Saves the owner's running domain, disk and memory, as its hand-over snapshot: an internal
  // snapshot in its qcow2 overlay (the read-only seed disk left out), replacing an earlier one.
  // Gone with the overlay: reset_host() and the teardown leave no snapshot behind.
  virtual Status save_handover(const ObjectRef& ref) = 0;
  // Runs the domain from its hand-over snapshot again (seconds): true; false when it has none
  // (never saved, or rebuilt by reset_host since) and nothing was done. An error: the revert
  // failed; rebuild the host.
  virtual Result<bool> restore_handover(const ObjectRef& ref) = 0;

  // Whether libvirtd answers now (a round trip on the connection, reopened if it was lost),
  // within `deadline`: kUnavailable (libvirtd gone) or kTimeout (libvirtd hung) otherwise. Its
  // guests may still run: QEMU outlives libvirtd, and their agents' channels are QEMU's.
  virtual Status ping(std::chrono::milliseconds deadline) = 0;

  // --- grader endpoints ---------------------------------------------------------------------
  // Creates the grader endpoint, or repairs it (a veth no longer on its network's bridge, after
  // the network was restarted, makes it built again). Idempotent. Errors: kFailedPrecondition
  // when the hypervisor host is not atelierd's own machine (the namespace must sit beside the
  // bridges) or a network is not running; kIo when `ip` fails.
  virtual Status ensure_grader(const GraderSpec& spec) = 0;
  // Runs spec.argv in the grader's namespace as nobody (uid/gid 65534, no capabilities, no
  // new privileges), with its own /etc/hosts. kNotFound when there is no such endpoint.
  virtual Result<process::ProcessResult> run_in_grader(const ObjectRef& ref,
                                                       process::ProcessSpec spec) = 0;
  // Removes it (its programs killed, its veths gone with it). Idempotent.
  virtual Status remove_grader(const ObjectRef& ref) = 0;

  // --- ownership --------------------------------------------------------------------------
  // Everything atelier owns on this host, read from libvirt (domain/network metadata, overlay
  // volume names in the overlay pool), for one session or (nullopt) all. Objects named
  // atelier-* without valid metadata are not listed (not provably ours). Grader endpoints are
  // listed beside a network of their lab on this host (so that two providers on one machine
  // do not both claim them).
  virtual Result<std::vector<OwnedObject>> list(std::optional<std::string> session) = 0;
  // Tears down everything `session` owns (graders, domains, then overlays, then networks) and
  // nothing else. Best effort: continues past failures, returns the first error with a count.
  // Idempotent; an unknown session -> ok.
  virtual Status destroy_session(const std::string& session) = 0;
  // Tears down everything one candidate lab of `session` owns on this host (domains, then
  // overlays, then networks, found by their owner metadata as list() finds them) and nothing of
  // another candidate or session. Best effort like destroy_session. Idempotent; an unknown
  // session or candidate -> ok.
  virtual Status destroy_candidate(const std::string& session, const std::string& candidate) = 0;
};

// Options of the libvirt implementation.
struct LibvirtOptions {
  std::string uri = "qemu:///system";  // any libvirt URI: test:///path.xml, qemu+ssh://h/system
  // Directory on the hypervisor host for overlays; the provider defines a dir storage pool
  // there (overlay_pool) if none exists. Must be traversable by libvirt-qemu.
  std::string overlay_dir = "/var/lib/atelier/overlays";
  std::string overlay_pool = "atelier-overlays";
  // Deadline of each provider call. Generous: a libvirtd that re-probes QEMU's capabilities
  // takes ~30 s per domain define on a loaded 2-core host (docs/provider.md).
  std::chrono::milliseconds call_timeout{120000};
  unsigned pool_threads = 4;     // bounded pool for blocking libvirt calls
  int keepalive_interval_s = 5;  // virConnectSetKeepAlive; 0 disables
  unsigned keepalive_count = 3;
  // Forces the domain type instead of choosing it (see DomainType).
  std::optional<DomainType> domain_type;
};

// Connects to opts.uri (registers and runs libvirt's event loop first) and chooses the domain
// type. kUnavailable if libvirtd cannot be reached.
Result<std::unique_ptr<Provider>> make_libvirt_provider(const LibvirtOptions& opts);

}  // namespace atelier::provider
