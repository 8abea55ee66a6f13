// LibvirtProvider: every operation is one task on the call pool (with the call deadline) that
// looks objects up by name, proves ownership from the metadata, and then acts.
// The other files: _networks, _volumes (overlays), _domains, _objects (listing, bulk teardown).
#include "controller/provider/libvirt_provider.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "controller/provider/libvirt_provider_ops.h"
#include "controller/provider/libvirt_xml.h"
#include "controller/provider/naming.h"

namespace atelier::provider {
namespace {

// /dev/kvm works for guests started by this machine's libvirtd: it opens, speaks KVM API 12,
// creates a VM, and the user QEMU runs as (Debian: libvirt-qemu, group kvm) may read and write
// it. The last check mirrors libvirt's own: a node only root can open makes libvirt list kvm in
// its capabilities yet fail to start kvm guests (and re-probe QEMU on every lookup).
bool kvm_device_usable() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool ok = ::ioctl(fd, KVM_GET_API_VERSION, 0) == 12;
  if (ok) {
    int vm = ::ioctl(fd, KVM_CREATE_VM, 0);
    ok = vm >= 0;
    if (vm >= 0) {
      ::close(vm);
    }
  }
  ::close(fd);
  struct stat st {};
  if (!ok || ::stat("/dev/kvm", &st) != 0) {
    return false;
  }
  if (const passwd* qemu = ::getpwnam("libvirt-qemu")) {
    if (st.st_uid == qemu->pw_uid) {
      return (st.st_mode & (S_IRUSR | S_IWUSR)) == (S_IRUSR | S_IWUSR);
    }
    int ngroups = 64;
    std::vector<gid_t> groups(ngroups);
    if (::getgrouplist(qemu->pw_name, qemu->pw_gid, groups.data(), &ngroups) < 0) {
      ngroups = 0;
    }
    for (int i = 0; i < ngroups; ++i) {
      if (groups[i] == st.st_gid) {
        return (st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP);
      }
    }
    return (st.st_mode & (S_IROTH | S_IWOTH)) == (S_IROTH | S_IWOTH);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Provider>> make_libvirt_provider(const LibvirtOptions& opts) {
  auto provider = LibvirtProvider::connect(opts);
  if (!provider.ok()) {
    return std::move(provider).error();
  }
  return std::unique_ptr<Provider>(std::move(*provider));
}

LibvirtProvider::LibvirtProvider(const LibvirtOptions& opts)
    : opts_(opts),
      local_host_(uri_is_local_hypervisor(opts.uri)),
      conn_(std::make_shared<LibvirtConnection>(opts.uri, opts.keepalive_interval_s,
                                                opts.keepalive_count)),
      pool_(std::make_unique<CallPool>(opts.pool_threads)) {
  opts_.overlay_dir = normalize_dir(opts_.overlay_dir);
}

LibvirtProvider::~LibvirtProvider() {
  pool_.reset();
}

Result<std::unique_ptr<LibvirtProvider>> LibvirtProvider::connect(const LibvirtOptions& opts) {
  if (opts.overlay_dir.empty() || opts.overlay_dir.front() != '/') {
    return Error(ErrorCode::kInvalidArgument,
                 "overlay directory \"" + opts.overlay_dir + "\" must be an absolute path");
  }
  std::unique_ptr<LibvirtProvider> provider(new LibvirtProvider(opts));
  const bool local = provider->local_host_;
  // A local host without a working /dev/kvm is TCG whatever libvirt lists; skipping the
  // capabilities call then also skips a QEMU re-probe that can take tens of seconds. The
  // connection is opened (and checked) either way.
  const bool ask_libvirt = !opts.domain_type && (!local || kvm_device_usable());
  auto type =
      provider->call<DomainType>("connect to \"" + opts.uri + "\"",
                                 [conn = provider->conn_, ask_libvirt, forced = opts.domain_type](
                                     virConnectPtr c) -> Result<DomainType> {
                                   if (!ask_libvirt) {
                                     return forced.value_or(DomainType::kQemu);
                                   }
                                   char* caps = virConnectGetCapabilities(c);
                                   if (caps == nullptr) {
                                     return conn->last_error("reading capabilities failed");
                                   }
                                   return choose_domain_type(take_string(caps), true);
                                 });
  if (!type.ok()) {
    return std::move(type).error();
  }
  provider->domain_type_ = *type;
  return provider;
}

Status LibvirtProvider::ping(std::chrono::milliseconds deadline) {
  auto answered = pool_->run<bool>(
      [this]() -> Result<bool> {
        virResetLastError();
        auto conn = conn_->get();
        if (!conn.ok()) return std::move(conn).error();
        ConnPtr hold = *conn;
        unsigned long version = 0;
        if (virConnectGetLibVersion(hold.get(), &version) < 0)
          return conn_->last_error("libvirtd did not answer");
        return true;
      },
      deadline);
  if (!answered.ok()) return std::move(answered).error().context("ping \"" + opts_.uri + "\"");
  return ok_status();
}

std::string LibvirtProvider::overlay_path(const ObjectRef& host) const {
  return opts_.overlay_dir + "/" + overlay_volume_name(host);
}
}  // namespace atelier::provider
