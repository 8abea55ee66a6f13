// LibvirtProvider, domains: define (with MACs chosen free on the host), start, stop, shutdown
// with a grace period, state, consoles and screens, hand-over snapshots, and reset of a host to
// its image.
#include "controller/provider/libvirt_provider.h"

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "controller/provider/libvirt_console.h"
#include "controller/provider/libvirt_provider_ops.h"

namespace atelier::provider {

namespace {

Status validate_domain_spec(const DomainSpec& spec) {
  ATELIER_RETURN_IF_ERROR(validate_ref(spec.ref));
  if (spec.memory_bytes < (16ull << 20)) {
    return Error(ErrorCode::kInvalidArgument, "memory must be at least 16 MiB");
  }
  if (spec.vcpus == 0) {
    return Error(ErrorCode::kInvalidArgument, "vcpus must be at least 1");
  }
  if (spec.overlay_path.empty() || spec.overlay_path.front() != '/') {
    return Error(ErrorCode::kInvalidArgument,
                 "overlay path \"" + spec.overlay_path + "\" must be absolute");
  }
  if (spec.kernel && spec.kernel->kernel_path.empty()) {
    return Error(ErrorCode::kInvalidArgument, "direct kernel boot needs a kernel path");
  }
  if (spec.console.kind == SerialConsole::Kind::kLogFile && spec.console.log_path.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a console log file needs a path");
  }
  for (const Nic& nic : spec.nics) {
    Status net = validate_ref({spec.ref.session, spec.ref.candidate, nic.network});
    if (!net.ok()) {
      return std::move(net).error().context("NIC on network \"" + nic.network + "\"");
    }
  }
  return ok_status();
}

constexpr unsigned kMaxMacSalt = 64;

Result<MacAddress> pick_mac(const ObjectRef& host, unsigned nic_index,
                            const std::set<std::string>& used) {
  for (unsigned salt = 0; salt < kMaxMacSalt; ++salt) {
    MacAddress mac = derive_mac(host, nic_index, salt);
    if (!used.contains(mac.to_string())) {
      return mac;
    }
  }
  return Error(ErrorCode::kAlreadyExists, "all " + std::to_string(kMaxMacSalt) +
                                              " derived MACs of NIC " + std::to_string(nic_index) +
                                              " are in use on this host");
}

// The owner's domain when it runs; kFailedPrecondition when it does not (consoles, screens and
// snapshots of memory need a running guest).
auto running_domain(LibvirtOps& s, const ObjectRef& ref) -> decltype(s.defined<DomainKind>(ref)) {
  auto dom = s.defined<DomainKind>(ref);
  if (dom.ok() && virDomainIsActive(dom->get()) != 1) {
    return Error(ErrorCode::kFailedPrecondition, "the domain is not running");
  }
  return dom;
}

}  // namespace

Result<std::vector<MacAddress>> LibvirtProvider::define_domain(const DomainSpec& spec) {
  std::string context = describe("define domain", spec.ref);
  Status valid = validate_domain_spec(spec);
  if (!valid.ok()) {
    return std::move(valid).error().context(context);
  }
  const DomainType type = domain_type_;
  return call<std::vector<MacAddress>>(
      context, [this, spec, type](virConnectPtr c) -> Result<std::vector<MacAddress>> {
        LibvirtOps s(c, *conn_);
        std::lock_guard lock(allocate_mutex_);
        auto existing = s.previous_definition<DomainKind>(spec.ref);
        if (!existing.ok()) {
          return std::move(existing).error();
        }
        ParsedDomain previous = std::move(*existing).value_or(ParsedDomain{});
        for (const Nic& nic : spec.nics) {
          ObjectRef net_ref{spec.ref.session, spec.ref.candidate, nic.network};
          auto net = s.owned<NetworkKind>(net_ref);
          if (!net.ok()) {
            return std::move(net).error().context("NIC on network \"" + nic.network + "\"");
          }
          if (!*net) {
            return Error(ErrorCode::kNotFound, "network \"" + libvirt_name(net_ref) +
                                                   "\" is not defined (define it first)")
                .context("NIC on network \"" + nic.network + "\"");
          }
        }
        auto used = s.used_macs(libvirt_name(spec.ref));
        if (!used.ok()) {
          return std::move(used).error();
        }
        std::vector<MacAddress> macs;
        for (unsigned i = 0; i < spec.nics.size(); ++i) {
          const Nic& nic = spec.nics[i];
          MacAddress mac;
          if (nic.mac) {
            mac = *nic.mac;
            if (used->contains(mac.to_string())) {
              return Error(ErrorCode::kAlreadyExists,
                           "MAC " + mac.to_string() + " is used by another domain on this host");
            }
          } else if (i < previous.macs.size() && !used->contains(previous.macs[i].to_string())) {
            mac = previous.macs[i];  // a redefinition keeps the guest's MACs
          } else {
            auto picked = pick_mac(spec.ref, i, *used);
            if (!picked.ok()) {
              return std::move(picked).error();
            }
            mac = *picked;
          }
          if (std::find(macs.begin(), macs.end(), mac) != macs.end()) {
            return Error(ErrorCode::kInvalidArgument,
                         "MAC " + mac.to_string() + " is given to two NICs");
          }
          used->insert(mac.to_string());
          macs.push_back(mac);
        }
        std::string xml = render_domain_xml(spec, type, macs, previous.uuid);
        DomPtr dom(virDomainDefineXML(c, xml.c_str()));
        if (!dom) {
          return s.error("define failed");
        }
        return macs;
      });
}

Result<MacAddress> LibvirtProvider::choose_mac(const ObjectRef& host, unsigned nic_index) {
  std::string context =
      describe("choose MAC for NIC " + std::to_string(nic_index) + " of host", host);
  Status valid = validate_ref(host);
  if (!valid.ok()) {
    return std::move(valid).error().context(context);
  }
  return call<MacAddress>(context, [this, host, nic_index](virConnectPtr c) -> Result<MacAddress> {
    LibvirtOps s(c, *conn_);
    ParsedDomain parsed;
    auto dom = s.owned<DomainKind>(host, &parsed);
    if (!dom.ok()) {
      return std::move(dom).error();
    }
    if (*dom && nic_index < parsed.macs.size()) {
      return parsed.macs[nic_index];
    }
    auto used = s.used_macs(libvirt_name(host));
    if (!used.ok()) {
      return std::move(used).error();
    }
    return pick_mac(host, nic_index, *used);
  });
}

Status LibvirtProvider::start_domain(const ObjectRef& ref) {
  return start_owned<DomainKind>(ref);
}

Status LibvirtProvider::destroy_domain(const ObjectRef& ref) {
  return destroy_owned<DomainKind>(ref);
}

Status LibvirtProvider::shutdown_domain(const ObjectRef& ref, std::chrono::milliseconds grace) {
  std::string context = describe("shut down domain", ref);
  Status valid = validate_ref(ref);
  if (!valid.ok()) {
    return std::move(valid).error().context(context);
  }
  // Ask once, then poll the state from this thread (each poll its own bounded call), so the
  // pool is not held for the whole grace period.
  auto asked = call<bool>(context, [this, ref](virConnectPtr c) -> Result<bool> {
    LibvirtOps s(c, *conn_);
    auto dom = s.owned<DomainKind>(ref);
    if (!dom.ok()) {
      return std::move(dom).error();
    }
    if (!*dom || virDomainIsActive(dom->get()) != 1) {
      return false;
    }
    if (virDomainShutdown(dom->get()) < 0 && !last_error_is(VIR_ERR_OPERATION_INVALID)) {
      return s.error("shutdown request failed");
    }
    return true;
  });
  if (!asked.ok()) {
    return std::move(asked).error();
  }
  if (!*asked) {
    return ok_status();
  }
  auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    auto state = domain_state(ref);
    if (!state.ok()) {
      if (state.error().code() == ErrorCode::kNotFound) {
        return ok_status();
      }
      return std::move(state).error().context(context);
    }
    if (*state == DomainState::kShutOff) {
      return ok_status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return destroy_domain(ref);
}

Result<std::unique_ptr<ConsoleStream>> LibvirtProvider::open_console(const ObjectRef& ref,
                                                                     ConsoleCallbacks callbacks) {
  using Out = std::unique_ptr<ConsoleStream>;
  auto cbs = std::make_shared<ConsoleCallbacks>(std::move(callbacks));
  return call_for<Out>(
      "open console of domain", ref, [this, ref, cbs](virConnectPtr c) -> Result<Out> {
        LibvirtOps s(c, *conn_);
        auto dom = running_domain(s, ref);
        if (!dom.ok()) return std::move(dom).error();
        auto conn = conn_->get();  // the live connection `c` belongs to, held by the stream
        if (!conn.ok()) {
          return std::move(conn).error();
        }
        return open_libvirt_console(*conn, *conn_, dom->get(), std::move(*cbs));
      });
}

Result<DisplayFd> LibvirtProvider::open_display(const ObjectRef& ref) {
  return call_for<DisplayFd>(
      "open display of domain", ref, [this, ref](virConnectPtr c) -> Result<DisplayFd> {
        LibvirtOps s(c, *conn_);
        auto dom = running_domain(s, ref);
        if (!dom.ok()) return std::move(dom).error();
        // The first <graphics> device; QEMU checks no password on this descriptor (there is
        // none to check: the display listens nowhere else).
        const int fd = virDomainOpenGraphicsFD(dom->get(), 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
        if (fd < 0) {
          Error e = s.error("opening the display failed (a host without `display: true`?)");
          return Error(ErrorCode::kFailedPrecondition, e.message());
        }
        return DisplayFd(fd);
      });
}

namespace {

// The hand-over snapshot's name: one per domain, internal (in the overlay's qcow2).
constexpr const char* kHandoverSnapshot = "atelier-handover";

struct SnapshotFree {
  void operator()(virDomainSnapshotPtr s) const { virDomainSnapshotFree(s); }
};
using SnapshotHandle = std::unique_ptr<virDomainSnapshot, SnapshotFree>;

// The domain's hand-over snapshot, or null when it has none.
Result<SnapshotHandle> handover_of(LibvirtOps& s, virDomainPtr dom) {
  auto found = s.found(virDomainSnapshotLookupByName(dom, kHandoverSnapshot, 0),
                       VIR_ERR_NO_DOMAIN_SNAPSHOT, "looking up the hand-over snapshot failed");
  if (!found.ok()) return std::move(found).error();
  return SnapshotHandle(*found);
}

}  // namespace

Status LibvirtProvider::save_handover(const ObjectRef& ref) {
  return call_for<void>(
      "save hand-over snapshot of domain", ref, [this, ref](virConnectPtr c) -> Status {
        LibvirtOps s(c, *conn_);
        auto dom = running_domain(s, ref);
        if (!dom.ok()) return std::move(dom).error();
        auto old = handover_of(s, dom->get());
        if (!old.ok()) return std::move(old).error();
        if (*old && virDomainSnapshotDelete(old->get(), 0) < 0) {
          return s.error("removing the earlier hand-over snapshot failed");
        }
        // Disk and memory of the running guest, inside its overlay; the read-only seed disk is left
        // out by libvirt. QEMU pauses the guest while it writes (about half a second for 256 MiB).
        const std::string xml = std::string("<domainsnapshot><name>") + kHandoverSnapshot +
                                "</name><description>atelier: the host as handed over, before its "
                                "incidents</description></domainsnapshot>";
        SnapshotHandle made(
            virDomainSnapshotCreateXML(dom->get(), xml.c_str(), VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC));
        if (!made) return s.error("saving the hand-over snapshot failed");
        return ok_status();
      });
}

Result<bool> LibvirtProvider::restore_handover(const ObjectRef& ref) {
  return call_for<bool>(
      "restore hand-over snapshot of domain", ref, [this, ref](virConnectPtr c) -> Result<bool> {
        LibvirtOps s(c, *conn_);
        auto dom = s.defined<DomainKind>(ref);
        if (!dom.ok()) return std::move(dom).error();
        auto snap = handover_of(s, dom->get());
        if (!snap.ok()) return std::move(snap).error();
        if (!*snap) return false;
        // Running again from the saved memory: in the same QEMU process when it runs (its
        // channel sockets stay), in a new one otherwise.
        if (virDomainRevertToSnapshot(snap->get(), VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING) < 0) {
          return s.error("reverting to the hand-over snapshot failed");
        }
        return true;
      });
}

Status LibvirtProvider::drop_handover(const ObjectRef& ref) {
  return call_for<void>(
      "forget hand-over snapshot of domain", ref, [this, ref](virConnectPtr c) -> Status {
        LibvirtOps s(c, *conn_);
        auto dom = s.defined<DomainKind>(ref);
        if (!dom.ok()) return std::move(dom).error();
        auto snap = handover_of(s, dom->get());
        if (!snap.ok()) return std::move(snap).error();
        // Its data goes with the overlay the caller throws away: only libvirt's record of it here.
        if (*snap &&
            virDomainSnapshotDelete(snap->get(), VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) < 0) {
          return s.error("forgetting the hand-over snapshot failed");
        }
        return ok_status();
      });
}

Status LibvirtProvider::undefine_domain(const ObjectRef& ref) {
  return undefine_owned<DomainKind>(ref);
}

Result<DomainState> LibvirtProvider::domain_state(const ObjectRef& ref) {
  return call_for<DomainState>("read state of domain", ref,
                               [this, ref](virConnectPtr c) -> Result<DomainState> {
                                 LibvirtOps s(c, *conn_);
                                 auto dom = s.defined<DomainKind>(ref);
                                 if (!dom.ok()) {
                                   return std::move(dom).error();
                                 }
                                 int state = 0;
                                 int reason = 0;
                                 if (virDomainGetState(dom->get(), &state, &reason, 0) < 0) {
                                   return s.error("reading state failed");
                                 }
                                 return map_state(state);
                               });
}

Status LibvirtProvider::reset_host(const DomainSpec& spec) {
  std::string context = describe("reset host", spec.ref);
  Status valid = validate_domain_spec(spec);
  if (!valid.ok()) {
    return std::move(valid).error().context(context);
  }
  if (normalize_dir(spec.overlay_path) != overlay_path(spec.ref)) {
    return Error(ErrorCode::kInvalidArgument,
                 "overlay path " + spec.overlay_path + " is not the provider's overlay " +
                     overlay_path(spec.ref) + " (create it with create_overlay)")
        .context(context);
  }
  auto state = domain_state(spec.ref);
  if (!state.ok()) {
    return std::move(state).error().context(context);
  }
  ATELIER_RETURN_IF_ERROR(destroy_domain(spec.ref));
  ATELIER_RETURN_IF_ERROR(drop_handover(spec.ref));
  ATELIER_RETURN_IF_ERROR(delete_overlay(spec.ref));
  auto overlay = create_overlay({spec.ref, spec.base_path, spec.base_format});
  if (!overlay.ok()) {
    return std::move(overlay).error().context(context);
  }
  auto defined = define_domain(spec);
  if (!defined.ok()) {
    return std::move(defined).error().context(context);
  }
  return start_domain(spec.ref);
}

}  // namespace atelier::provider
