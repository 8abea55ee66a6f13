// LibvirtProvider, networks: define (with a free derived bridge name), start, destroy, undefine.
#include "controller/provider/libvirt_provider.h"

#include <filesystem>
#include <mutex>
#include <set>

#include "controller/provider/libvirt_provider_ops.h"

namespace atelier::provider {

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
      bool host_link = check_host_links && std::filesystem::exists("/sys/class/net/" + candidate);
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

}  // namespace atelier::provider
