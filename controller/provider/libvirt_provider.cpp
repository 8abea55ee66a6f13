// LibvirtProvider: every operation is one task on the call pool (with the call deadline) that
// looks objects up by name, proves ownership from the metadata, and then acts.
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

#include "controller/provider/libvirt_console.h"
#include "controller/provider/libvirt_xml.h"
#include "controller/provider/naming.h"

namespace atelier::provider {
namespace {

struct NetFree {
  void operator()(virNetworkPtr p) const { virNetworkFree(p); }
};
struct DomFree {
  void operator()(virDomainPtr p) const { virDomainFree(p); }
};
struct PoolFree {
  void operator()(virStoragePoolPtr p) const { virStoragePoolFree(p); }
};
struct VolFree {
  void operator()(virStorageVolPtr p) const { virStorageVolFree(p); }
};
using NetPtr = std::unique_ptr<virNetwork, NetFree>;
using DomPtr = std::unique_ptr<virDomain, DomFree>;
using PoolPtr = std::unique_ptr<virStoragePool, PoolFree>;
using VolPtr = std::unique_ptr<virStorageVol, VolFree>;

std::string take_string(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

// True (and the error cleared) if the calling thread's last libvirt error has this code.
bool last_error_is(int code) {
  const virError* err = virGetLastError();
  if (err != nullptr && err->code == code) {
    virResetLastError();
    return true;
  }
  return false;
}

DomainState map_state(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING: return DomainState::kRunning;
    case VIR_DOMAIN_BLOCKED: return DomainState::kRunning;
    case VIR_DOMAIN_PAUSED: return DomainState::kPaused;
    case VIR_DOMAIN_SHUTDOWN: return DomainState::kShuttingDown;
    case VIR_DOMAIN_SHUTOFF: return DomainState::kShutOff;
    case VIR_DOMAIN_CRASHED: return DomainState::kCrashed;
    case VIR_DOMAIN_PMSUSPENDED: return DomainState::kPaused;
    default: return DomainState::kOther;
  }
}

// The two kinds of object atelier owns by name and metadata. libvirt's C API has one function
// family per kind; these name them, so that what is the same for both (look up, prove ownership,
// list, start, stop, undefine) is written once. What differs stays in the functions here.
struct NetworkKind {
  using Raw = virNetworkPtr;
  using Ptr = NetPtr;
  using Parsed = ParsedNetwork;
  using State = bool;  // what all() reports besides the definition: active or not
  static constexpr std::string_view kWord = "network";  // in messages and call contexts
  static constexpr int kMissing = VIR_ERR_NO_NETWORK;

  static Raw lookup(virConnectPtr c, const char* name) { return virNetworkLookupByName(c, name); }
  static int list_all(virConnectPtr c, Raw** out) { return virConnectListAllNetworks(c, out, 0); }
  static char* xml(Raw net) { return virNetworkGetXMLDesc(net, 0); }
  static Result<Parsed> parse(std::string_view xml) { return parse_network_xml(xml); }
  static State state(Raw net) { return virNetworkIsActive(net) == 1; }
  static int is_active(Raw net) { return virNetworkIsActive(net); }
  static int create(Raw net) { return virNetworkCreate(net); }
  static int destroy(Raw net) { return virNetworkDestroy(net); }
  static int undefine(Raw net) { return virNetworkUndefine(net); }
};

struct DomainKind {
  using Raw = virDomainPtr;
  using Ptr = DomPtr;
  using Parsed = ParsedDomain;
  using State = DomainState;
  static constexpr std::string_view kWord = "domain";
  static constexpr int kMissing = VIR_ERR_NO_DOMAIN;

  static Raw lookup(virConnectPtr c, const char* name) { return virDomainLookupByName(c, name); }
  static int list_all(virConnectPtr c, Raw** out) { return virConnectListAllDomains(c, out, 0); }
  // The persistent definition: what define_domain wrote, whether the guest runs or not.
  static char* xml(Raw dom) { return virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE); }
  static Result<Parsed> parse(std::string_view xml) { return parse_domain_xml(xml); }
  static State state(Raw dom) {
    int code = 0;
    int reason = 0;
    if (virDomainGetState(dom, &code, &reason, 0) != 0) {
      return DomainState::kOther;
    }
    return map_state(code);
  }
  static int is_active(Raw dom) { return virDomainIsActive(dom); }
  static int create(Raw dom) { return virDomainCreate(dom); }
  static int destroy(Raw dom) { return virDomainDestroy(dom); }
  static int undefine(Raw dom) {
    // No VIR_DOMAIN_UNDEFINE_NVRAM: atelier's domains boot without UEFI variables, and the
    // test driver refuses the flag.
    const unsigned flags =
        VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    return virDomainUndefineFlags(dom, flags);
  }
};

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

std::string normalize_dir(const std::string& dir) {
  std::string out = std::filesystem::path(dir).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

Error not_owned(std::string_view kind, std::string_view name) {
  return Error(ErrorCode::kFailedPrecondition,
               "libvirt " + std::string(kind) + " \"" + std::string(name) +
                   "\" exists but its metadata does not prove it is this owner's; left untouched");
}

// Worker-side helpers: run inside a pool task, on one connection, errors from its thread.
class LibvirtOps {
 public:
  LibvirtOps(virConnectPtr c, LibvirtConnection& lc) : c_(c), lc_(lc) {}

  Error error(std::string_view fallback) { return lc_.last_error(fallback); }

  // A looked-up object, or null if the lookup failed with `missing` (no object of that name).
  template <typename Ptr>
  Result<Ptr> found(Ptr object, int missing, std::string_view fallback) {
    if (!object && !last_error_is(missing)) {
      return error(fallback);
    }
    return object;
  }

  // The object named `name`; a null pointer if there is none.
  template <typename Kind>
  Result<typename Kind::Ptr> find(const std::string& name) {
    return found(typename Kind::Ptr(Kind::lookup(c_, name.c_str())), Kind::kMissing,
                 std::string(Kind::kWord) + " lookup failed");
  }
  Result<PoolPtr> find_pool(const std::string& name) {
    return found(PoolPtr(virStoragePoolLookupByName(c_, name.c_str())), VIR_ERR_NO_STORAGE_POOL,
                 "storage pool lookup failed");
  }
  Result<VolPtr> find_volume(virStoragePoolPtr pool, const std::string& name) {
    return found(VolPtr(virStorageVolLookupByName(pool, name.c_str())), VIR_ERR_NO_STORAGE_VOL,
                 "storage volume lookup failed");
  }

  template <typename Kind>
  Result<typename Kind::Parsed> read_xml(typename Kind::Raw object) {
    char* xml = Kind::xml(object);
    if (xml == nullptr) {
      return error("reading " + std::string(Kind::kWord) + " XML failed");
    }
    return Kind::parse(take_string(xml));
  }

  // The owner's object, null if there is none; kFailedPrecondition if the name is someone
  // else's. parsed_out, if given, receives its definition.
  template <typename Kind>
  Result<typename Kind::Ptr> owned(const ObjectRef& ref,
                                   typename Kind::Parsed* parsed_out = nullptr) {
    std::string name = libvirt_name(ref);
    auto object = find<Kind>(name);
    if (!object.ok() || !*object) {
      return object;
    }
    auto parsed = read_xml<Kind>(object->get());
    if (!parsed.ok()) {
      return std::move(parsed).error();
    }
    if (!parsed->owner || parsed->owner->ref != ref) {
      return not_owned(Kind::kWord, name);
    }
    if (parsed_out != nullptr) {
      *parsed_out = std::move(*parsed);
    }
    return object;
  }
  // As owned(), but kNotFound if there is none.
  template <typename Kind>
  Result<typename Kind::Ptr> defined(const ObjectRef& ref) {
    auto object = owned<Kind>(ref);
    if (object.ok() && !*object) {
      return Error(ErrorCode::kNotFound, std::string(Kind::kWord) + " \"" + libvirt_name(ref) +
                                             "\" is not defined");
    }
    return object;
  }
  // Before (re)defining: the owner's current definition, nullopt if there is none;
  // kAlreadyExists if the name is taken by an object that is not the owner's.
  template <typename Kind>
  Result<std::optional<typename Kind::Parsed>> previous_definition(const ObjectRef& ref) {
    std::string name = libvirt_name(ref);
    auto existing = find<Kind>(name);
    if (!existing.ok()) {
      return std::move(existing).error();
    }
    if (!*existing) {
      return std::optional<typename Kind::Parsed>();
    }
    auto parsed = read_xml<Kind>(existing->get());
    if (!parsed.ok()) {
      return std::move(parsed).error();
    }
    if (!parsed->owner || parsed->owner->ref != ref) {
      return Error(ErrorCode::kAlreadyExists,
                   "a libvirt " + std::string(Kind::kWord) + " named \"" + name +
                       "\" exists and is not this owner's (no matching atelier metadata)");
    }
    return std::optional<typename Kind::Parsed>(std::move(*parsed));
  }

  template <typename Kind>
  struct Listed {
    typename Kind::Parsed parsed;
    typename Kind::State state;
  };
  // Every object of the kind on the host, owned or not; those removed meanwhile are skipped.
  template <typename Kind>
  Result<std::vector<Listed<Kind>>> all() {
    typename Kind::Raw* raw = nullptr;
    int n = Kind::list_all(c_, &raw);
    if (n < 0) {
      return error("listing " + std::string(Kind::kWord) + "s failed");
    }
    std::vector<typename Kind::Ptr> objects;
    for (int i = 0; i < n; ++i) {
      objects.emplace_back(raw[i]);
    }
    std::free(raw);
    std::vector<Listed<Kind>> out;
    for (auto& object : objects) {
      auto parsed = read_xml<Kind>(object.get());
      if (!parsed.ok()) {
        if (last_error_is(Kind::kMissing)) {
          continue;  // removed meanwhile
        }
        return std::move(parsed).error();
      }
      out.push_back({std::move(*parsed), Kind::state(object.get())});
    }
    return out;
  }

  // Every MAC of every domain on the host except the one named `except`.
  Result<std::set<std::string>> used_macs(const std::string& except) {
    auto domains = all<DomainKind>();
    if (!domains.ok()) {
      return std::move(domains).error();
    }
    std::set<std::string> used;
    for (const auto& d : *domains) {
      if (d.parsed.name == except) {
        continue;
      }
      for (const auto& mac : d.parsed.macs) {
        used.insert(mac.to_string());
      }
    }
    return used;
  }

  template <typename Kind>
  Status destroy_if_active(typename Kind::Raw object) {
    if (Kind::is_active(object) != 1) {
      return ok_status();
    }
    if (Kind::destroy(object) < 0 && !last_error_is(VIR_ERR_OPERATION_INVALID)) {
      return error("destroy failed");
    }
    return ok_status();
  }

  virConnectPtr conn() const { return c_; }

 private:
  virConnectPtr c_;
  LibvirtConnection& lc_;
};

}  // namespace

template <typename T>
Result<T> LibvirtProvider::call(std::string context, std::function<Result<T>(virConnectPtr)> fn) {
  // The task captures `this`: pool_ is destroyed first and waits for running tasks.
  Result<T> result = pool_->run<T>(
      [this, fn = std::move(fn)]() -> Result<T> {
        virResetLastError();  // libvirt's error is per thread: start each call clean
        auto conn = conn_->get();
        if (!conn.ok()) {
          return std::move(conn).error();
        }
        ConnPtr hold = *conn;
        return fn(hold.get());
      },
      opts_.call_timeout);
  if (!result.ok()) {
    return std::move(result).error().context(std::move(context));
  }
  return result;
}

template <typename T>
Result<T> LibvirtProvider::call_for(std::string_view what, const ObjectRef& ref,
                                    std::function<Result<T>(virConnectPtr)> fn) {
  std::string context = describe(what, ref);
  Status valid = validate_ref(ref);
  if (!valid.ok()) {
    return std::move(valid).error().context(std::move(context));
  }
  return call<T>(std::move(context), std::move(fn));
}

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

LibvirtProvider::~LibvirtProvider() { pool_.reset(); }

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
  auto type = provider->call<DomainType>(
      "connect to \"" + opts.uri + "\"",
      [conn = provider->conn_, ask_libvirt,
       forced = opts.domain_type](virConnectPtr c) -> Result<DomainType> {
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

std::string LibvirtProvider::overlay_path(const ObjectRef& host) const {
  return opts_.overlay_dir + "/" + overlay_volume_name(host);
}

// --- networks and domains ------------------------------------------------------------------

// Start, destroy and undefine are the same for networks and domains but for libvirt's
// functions; each is idempotent and leaves an object that is not the owner's untouched.

template <typename Kind>
Status LibvirtProvider::start_owned(const ObjectRef& ref) {
  std::string what = "start " + std::string(Kind::kWord);
  return call_for<void>(what, ref, [this, ref](virConnectPtr c) -> Status {
    LibvirtOps s(c, *conn_);
    auto object = s.defined<Kind>(ref);
    if (!object.ok()) {
      return std::move(object).error();
    }
    if (Kind::is_active(object->get()) == 1) {
      return ok_status();
    }
    if (Kind::create(object->get()) < 0 && !last_error_is(VIR_ERR_OPERATION_INVALID)) {
      return s.error("start failed");
    }
    return ok_status();
  });
}

template <typename Kind>
Status LibvirtProvider::destroy_owned(const ObjectRef& ref) {
  std::string what = "destroy " + std::string(Kind::kWord);
  return call_for<void>(what, ref, [this, ref](virConnectPtr c) -> Status {
    LibvirtOps s(c, *conn_);
    auto object = s.owned<Kind>(ref);
    if (!object.ok()) {
      return std::move(object).error();
    }
    if (!*object) {
      return ok_status();
    }
    return s.destroy_if_active<Kind>(object->get());
  });
}

template <typename Kind>
Status LibvirtProvider::undefine_owned(const ObjectRef& ref) {
  std::string what = "undefine " + std::string(Kind::kWord);
  return call_for<void>(what, ref, [this, ref](virConnectPtr c) -> Status {
    LibvirtOps s(c, *conn_);
    auto object = s.owned<Kind>(ref);
    if (!object.ok()) {
      return std::move(object).error();
    }
    if (!*object) {
      return ok_status();
    }
    ATELIER_RETURN_IF_ERROR(s.destroy_if_active<Kind>(object->get()));
    if (Kind::undefine(object->get()) < 0 && !last_error_is(Kind::kMissing)) {
      return s.error("undefine failed");
    }
    return ok_status();
  });
}

// --- networks -------------------------------------------------------------------------------

Status LibvirtProvider::define_network(const NetworkSpec& spec) {
  std::string context = describe("define network", spec.ref);
  Status valid = validate_ref(spec.ref);
  if (!valid.ok()) {
    return std::move(valid).error().context(context);
  }
  const bool check_host_links = local_host_;
  return call<void>(context, [this, spec, check_host_links](virConnectPtr c) -> Status {
    LibvirtOps s(c, *conn_);
    std::lock_guard lock(allocate_mutex_);
    auto previous = s.previous_definition<NetworkKind>(spec.ref);
    if (!previous.ok()) {
      return std::move(previous).error();
    }
    if (*previous) {
      return ok_status();  // already defined by this owner
    }
    auto networks = s.all<NetworkKind>();
    if (!networks.ok()) {
      return std::move(networks).error();
    }
    std::set<std::string> bridges;
    for (const auto& n : *networks) {
      bridges.insert(n.parsed.bridge);
    }
    constexpr unsigned kMaxSalt = 16;
    std::string bridge;
    for (unsigned salt = 0; salt < kMaxSalt && bridge.empty(); ++salt) {
      std::string candidate = derive_bridge_name(spec.ref, salt);
      bool host_link =
          check_host_links && std::filesystem::exists("/sys/class/net/" + candidate);
      if (!bridges.contains(candidate) && !host_link) {
        bridge = candidate;
      }
    }
    if (bridge.empty()) {
      return Error(ErrorCode::kAlreadyExists,
                   "all " + std::to_string(kMaxSalt) + " derived bridge names are in use");
    }
    NetPtr net(virNetworkDefineXML(c, render_network_xml(spec, bridge).c_str()));
    if (!net) {
      return s.error("define failed");
    }
    return ok_status();
  });
}

Status LibvirtProvider::start_network(const ObjectRef& ref) {
  return start_owned<NetworkKind>(ref);
}

Status LibvirtProvider::destroy_network(const ObjectRef& ref) {
  return destroy_owned<NetworkKind>(ref);
}

Status LibvirtProvider::undefine_network(const ObjectRef& ref) {
  return undefine_owned<NetworkKind>(ref);
}

// --- overlays -------------------------------------------------------------------------------

namespace {

// The overlay pool, defined (directory built) and started if needed. A pool of that name that
// points elsewhere is refused rather than silently used.
Result<PoolPtr> ensure_overlay_pool(LibvirtOps& s, const std::string& name, const std::string& dir) {
  auto pool = s.find_pool(name);
  if (!pool.ok()) {
    return pool;
  }
  if (!*pool) {
    PoolPtr defined(virStoragePoolDefineXML(s.conn(), render_dir_pool_xml(name, dir).c_str(), 0));
    if (!defined) {
      return s.error("defining the overlay pool failed").context("overlay pool \"" + name + "\"");
    }
    if (virStoragePoolBuild(defined.get(), 0) < 0) {
      Error err = s.error("building the overlay directory failed");
      virStoragePoolUndefine(defined.get());
      return std::move(err).context("overlay pool \"" + name + "\" at " + dir);
    }
    virStoragePoolSetAutostart(defined.get(), 1);
    virResetLastError();
    *pool = std::move(defined);
  } else {
    char* xml = virStoragePoolGetXMLDesc(pool->get(), 0);
    if (xml == nullptr) {
      return s.error("reading the overlay pool failed");
    }
    auto path = parse_pool_path(take_string(xml));
    if (!path.ok()) {
      return std::move(path).error();
    }
    if (normalize_dir(*path) != dir) {
      return Error(ErrorCode::kFailedPrecondition,
                   "storage pool \"" + name + "\" points at " + *path + ", not at " + dir);
    }
  }
  if (virStoragePoolIsActive(pool->get()) != 1 && virStoragePoolCreate(pool->get(), 0) < 0 &&
      !last_error_is(VIR_ERR_OPERATION_INVALID)) {
    return s.error("starting the overlay pool failed").context("overlay pool \"" + name + "\"");
  }
  return pool;
}

}  // namespace

Result<Overlay> LibvirtProvider::create_overlay(const OverlaySpec& spec) {
  std::string context = describe("create overlay", spec.ref);
  Status valid = validate_ref(spec.ref);
  if (!valid.ok()) {
    return std::move(valid).error().context(context);
  }
  if (spec.base_path.empty() || spec.base_path.front() != '/') {
    return Error(ErrorCode::kInvalidArgument,
                 "base image path \"" + spec.base_path + "\" must be absolute")
        .context(context);
  }
  return call<Overlay>(context, [this, spec](virConnectPtr c) -> Result<Overlay> {
    LibvirtOps s(c, *conn_);
    std::unique_lock lock(allocate_mutex_);
    auto pool = ensure_overlay_pool(s, opts_.overlay_pool, opts_.overlay_dir);
    lock.unlock();
    if (!pool.ok()) {
      return std::move(pool).error();
    }
    std::string volume_name = overlay_volume_name(spec.ref);
    auto existing = s.find_volume(pool->get(), volume_name);
    if (!existing.ok()) {
      return std::move(existing).error();
    }
    if (*existing) {
      return Error(ErrorCode::kAlreadyExists,
                   "overlay \"" + volume_name + "\" exists (delete it first to reset the host)");
    }
    // A base that libvirt knows as a volume has a known format: check it. Bases outside any
    // pool are checked by the storage backend itself when it creates the overlay (qemu: an
    // inaccessible backing store is refused).
    VolPtr base(virStorageVolLookupByPath(c, spec.base_path.c_str()));
    if (base) {
      auto parsed = parse_volume_xml(take_string(virStorageVolGetXMLDesc(base.get(), 0)));
      if (parsed.ok() && !parsed->format.empty() &&
          parsed->format != to_string(spec.base_format)) {
        return Error(ErrorCode::kInvalidArgument,
                     "base image " + spec.base_path + " is " + parsed->format + ", not " +
                         std::string(to_string(spec.base_format)));
      }
    }
    virResetLastError();
    std::string xml =
        render_overlay_volume_xml(volume_name, spec.base_path, spec.base_format);
    VolPtr vol(virStorageVolCreateXML(pool->get(), xml.c_str(), 0));
    if (!vol) {
      Error err = s.error("creating the overlay volume failed");
      if (err.code() == ErrorCode::kFailedPrecondition &&
          err.message().find("backing") != std::string::npos) {
        err = Error(ErrorCode::kNotFound, err.message());
      }
      return std::move(err).context("base image " + spec.base_path);
    }
    char* path = virStorageVolGetPath(vol.get());
    if (path == nullptr) {
      return s.error("reading the overlay path failed");
    }
    return Overlay{spec.ref, volume_name, take_string(path)};
  });
}

Status LibvirtProvider::delete_overlay(const ObjectRef& ref) {
  return call_for<void>("delete overlay", ref, [this, ref](virConnectPtr c) -> Status {
    LibvirtOps s(c, *conn_);
    auto pool = s.find_pool(opts_.overlay_pool);
    if (!pool.ok()) {
      return std::move(pool).error();
    }
    if (!*pool || virStoragePoolIsActive(pool->get()) != 1) {
      return ok_status();  // no pool, no overlays to delete
    }
    auto vol = s.find_volume(pool->get(), overlay_volume_name(ref));
    if (!vol.ok()) {
      return std::move(vol).error();
    }
    if (!*vol) {
      return ok_status();
    }
    if (virStorageVolDelete(vol->get(), 0) < 0 && !last_error_is(VIR_ERR_NO_STORAGE_VOL)) {
      return s.error("deleting the overlay volume failed");
    }
    return ok_status();
  });
}

Status LibvirtProvider::remove_overlay_pool() {
  return call<void>(
      "remove overlay pool \"" + opts_.overlay_pool + "\"", [this](virConnectPtr c) -> Status {
        LibvirtOps s(c, *conn_);
        auto pool = s.find_pool(opts_.overlay_pool);
        if (!pool.ok()) {
          return std::move(pool).error();
        }
        if (!*pool) {
          return ok_status();
        }
        if (virStoragePoolIsActive(pool->get()) == 1) {
          virStoragePoolRefresh(pool->get(), 0);
          virStorageVolPtr* vols = nullptr;
          int n = virStoragePoolListAllVolumes(pool->get(), &vols, 0);
          int ours = 0;
          for (int i = 0; i < n; ++i) {
            VolPtr vol(vols[i]);
            if (parse_overlay_volume_name(virStorageVolGetName(vol.get()))) {
              ++ours;
            }
          }
          std::free(vols);
          if (ours > 0) {
            return Error(ErrorCode::kFailedPrecondition,
                         "the pool still holds " + std::to_string(ours) + " atelier overlay(s)");
          }
          if (virStoragePoolDestroy(pool->get()) < 0) {
            return s.error("stopping the pool failed");
          }
        }
        if (virStoragePoolUndefine(pool->get()) < 0 &&
            !last_error_is(VIR_ERR_NO_STORAGE_POOL)) {
          return s.error("undefining the pool failed");
        }
        return ok_status();
      });
}

// --- domains --------------------------------------------------------------------------------

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
  return Error(ErrorCode::kAlreadyExists,
               "all " + std::to_string(kMaxMacSalt) + " derived MACs of NIC " +
                   std::to_string(nic_index) + " are in use on this host");
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
  std::string context = describe("choose MAC for NIC " + std::to_string(nic_index) + " of host", host);
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
  return call_for<Out>("open console of domain", ref, [this, ref, cbs](virConnectPtr c) -> Result<Out> {
    LibvirtOps s(c, *conn_);
    auto dom = s.defined<DomainKind>(ref);
    if (!dom.ok()) {
      return std::move(dom).error();
    }
    if (virDomainIsActive(dom->get()) != 1) {
      return Error(ErrorCode::kFailedPrecondition, "the domain is not running");
    }
    auto conn = conn_->get();  // the live connection `c` belongs to, held by the stream
    if (!conn.ok()) {
      return std::move(conn).error();
    }
    return open_libvirt_console(*conn, *conn_, dom->get(), std::move(*cbs));
  });
}

Status LibvirtProvider::undefine_domain(const ObjectRef& ref) {
  return undefine_owned<DomainKind>(ref);
}

Result<DomainState> LibvirtProvider::domain_state(const ObjectRef& ref) {
  return call_for<DomainState>("read state of domain", ref, [this, ref](virConnectPtr c) -> Result<DomainState> {
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

// --- ownership ------------------------------------------------------------------------------

Result<std::vector<OwnedObject>> LibvirtProvider::list(std::optional<std::string> session) {
  std::string context = session ? "list objects of session \"" + *session + "\""
                                : std::string("list atelier objects");
  if (session) {
    Status valid = validate_session(*session);
    if (!valid.ok()) {
      return std::move(valid).error().context(context);
    }
  }
  return call<std::vector<OwnedObject>>(
      context, [this, session](virConnectPtr c) -> Result<std::vector<OwnedObject>> {
        LibvirtOps s(c, *conn_);
        std::vector<OwnedObject> out;
        auto wanted = [&](const ObjectRef& ref) { return !session || ref.session == *session; };
        // Ownership is the metadata; the name must agree with it (a copied element on a
        // foreign object with another name is not ours).
        auto domains = s.all<DomainKind>();
        if (!domains.ok()) {
          return std::move(domains).error();
        }
        for (const auto& d : *domains) {
          const auto& owner = d.parsed.owner;
          if (owner && d.parsed.name == libvirt_name(owner->ref) && wanted(owner->ref)) {
            out.push_back({ObjectKind::kDomain, owner->ref, d.parsed.name,
                           d.state == DomainState::kRunning || d.state == DomainState::kPaused ||
                               d.state == DomainState::kShuttingDown,
                           std::string(to_string(d.state))});
          }
        }
        auto networks = s.all<NetworkKind>();
        if (!networks.ok()) {
          return std::move(networks).error();
        }
        for (const auto& n : *networks) {
          const auto& owner = n.parsed.owner;
          if (owner && n.parsed.name == libvirt_name(owner->ref) && wanted(owner->ref)) {
            out.push_back({ObjectKind::kNetwork, owner->ref, n.parsed.name, /*active=*/n.state,
                           n.parsed.bridge});
          }
        }
        auto pool = s.find_pool(opts_.overlay_pool);
        if (!pool.ok()) {
          return std::move(pool).error();
        }
        if (*pool && virStoragePoolIsActive(pool->get()) == 1) {
          // Picks up files created or removed behind libvirt's back; a refresh refused because
          // a volume is being built is not worth failing the listing for.
          virStoragePoolRefresh(pool->get(), 0);
          virResetLastError();
          virStorageVolPtr* vols = nullptr;
          int n = virStoragePoolListAllVolumes(pool->get(), &vols, 0);
          if (n < 0) {
            return s.error("listing overlay volumes failed");
          }
          std::vector<VolPtr> owned;
          for (int i = 0; i < n; ++i) {
            owned.emplace_back(vols[i]);
          }
          std::free(vols);
          for (auto& vol : owned) {
            const char* name = virStorageVolGetName(vol.get());
            auto ref = parse_overlay_volume_name(name ? name : "");
            if (ref && wanted(*ref)) {
              char* path = virStorageVolGetPath(vol.get());
              out.push_back({ObjectKind::kOverlay, *ref, name, false, take_string(path)});
            }
          }
        }
        return out;
      });
}

Status LibvirtProvider::destroy_session(const std::string& session) {
  std::string context = "destroy session \"" + session + "\"";
  auto objects = list(session);
  if (!objects.ok()) {
    return std::move(objects).error().context(context);
  }
  return destroy_objects(*objects, context);
}

Status LibvirtProvider::destroy_candidate(const std::string& session, const std::string& candidate) {
  std::string context = "destroy candidate \"" + candidate + "\" of session \"" + session + "\"";
  auto objects = list(session);
  if (!objects.ok()) {
    return std::move(objects).error().context(context);
  }
  std::erase_if(*objects, [&](const OwnedObject& o) { return o.ref.candidate != candidate; });
  return destroy_objects(*objects, context);
}

Status LibvirtProvider::destroy_objects(const std::vector<OwnedObject>& objects,
                                        const std::string& context) {
  std::optional<Error> first;
  unsigned failures = 0;
  auto note = [&](Status st) {
    if (!st.ok()) {
      ++failures;
      if (!first) {
        first = std::move(st).error();
      }
    }
  };
  // Domains first (they use the overlays and the networks), then overlays, then networks.
  for (ObjectKind kind : {ObjectKind::kDomain, ObjectKind::kOverlay, ObjectKind::kNetwork}) {
    for (const auto& obj : objects) {
      if (obj.kind != kind) {
        continue;
      }
      switch (kind) {
        case ObjectKind::kDomain: note(undefine_domain(obj.ref)); break;
        case ObjectKind::kOverlay: note(delete_overlay(obj.ref)); break;
        case ObjectKind::kNetwork: note(undefine_network(obj.ref)); break;
      }
    }
  }
  if (first) {
    std::string more = failures > 1 ? " (and " + std::to_string(failures - 1) + " more failures)"
                                    : std::string();
    return std::move(*first).context(context + more);
  }
  return ok_status();
}

}  // namespace atelier::provider
