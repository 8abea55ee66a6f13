// The libvirt provider's internals shared by its files (only libvirt_provider*.cpp include this):
// owning pointers, the network/domain kinds, the worker-side LibvirtOps, and the member templates
// (call, call_for, start/destroy/undefine_owned) that several of those files instantiate.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "controller/provider/libvirt_provider.h"
#include "controller/provider/libvirt_xml.h"
#include "controller/provider/naming.h"

namespace atelier::provider {

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

inline std::string take_string(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

// A directory path without "." or ".." parts or a trailing slash, to compare pool targets.
inline std::string normalize_dir(const std::string& dir) {
  std::string out = std::filesystem::path(dir).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

// True (and the error cleared) if the calling thread's last libvirt error has this code.
inline bool last_error_is(int code) {
  const virError* err = virGetLastError();
  if (err != nullptr && err->code == code) {
    virResetLastError();
    return true;
  }
  return false;
}

inline DomainState map_state(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return DomainState::kRunning;
    case VIR_DOMAIN_PAUSED:
      return DomainState::kPaused;
    case VIR_DOMAIN_SHUTDOWN:
      return DomainState::kShuttingDown;
    case VIR_DOMAIN_SHUTOFF:
      return DomainState::kShutOff;
    case VIR_DOMAIN_CRASHED:
      return DomainState::kCrashed;
    case VIR_DOMAIN_PMSUSPENDED:
      return DomainState::kPaused;
    default:
      return DomainState::kOther;
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

inline Error not_owned(std::string_view kind, std::string_view name) {
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
      return Error(ErrorCode::kNotFound,
                   std::string(Kind::kWord) + " \"" + libvirt_name(ref) + "\" is not defined");
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
    objects.reserve(static_cast<std::size_t>(n));
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

}  // namespace atelier::provider
