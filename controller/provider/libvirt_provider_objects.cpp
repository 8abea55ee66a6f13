// LibvirtProvider, ownership: listing the objects atelier owns on a host and tearing down a
// session's or a candidate's objects.
#include "controller/provider/libvirt_provider.h"

#include <algorithm>

#include "controller/provider/libvirt_provider_ops.h"

namespace atelier::provider {

Result<std::vector<OwnedObject>> LibvirtProvider::list(std::optional<std::string> session) {
  std::string context = session ? "list objects of session \"" + *session + "\""
                                : std::string("list atelier objects");
  if (session) {
    Status valid = validate_session(*session);
    if (!valid.ok()) {
      return std::move(valid).error().context(context);
    }
  }
  auto listed = call<std::vector<OwnedObject>>(
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
          owned.reserve(static_cast<std::size_t>(n));
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
  if (!listed.ok() || !local_host_) return listed;
  auto graders = list_graders(*listed, session);
  listed->insert(listed->end(), graders.begin(), graders.end());
  return listed;
}

Status LibvirtProvider::destroy_session(const std::string& session) {
  std::string context = "destroy session \"" + session + "\"";
  auto objects = list(session);
  if (!objects.ok()) {
    return std::move(objects).error().context(context);
  }
  return destroy_objects(*objects, context);
}

Status LibvirtProvider::destroy_candidate(const std::string& session,
                                          const std::string& candidate) {
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
  // Graders first (on the networks' bridges), domains (they use the overlays and the
  // networks), then overlays, then networks.
  for (ObjectKind kind :
       {ObjectKind::kGrader, ObjectKind::kDomain, ObjectKind::kOverlay, ObjectKind::kNetwork}) {
    for (const auto& obj : objects) {
      if (obj.kind != kind) {
        continue;
      }
      switch (kind) {
        case ObjectKind::kDomain:
          note(undefine_domain(obj.ref));
          break;
        case ObjectKind::kOverlay:
          note(delete_overlay(obj.ref));
          break;
        case ObjectKind::kNetwork:
          note(undefine_network(obj.ref));
          break;
        case ObjectKind::kGrader:
          note(remove_grader(obj.ref));
          break;
      }
    }
  }
  if (first) {
    std::string more =
        failures > 1 ? " (and " + std::to_string(failures - 1) + " more failures)" : std::string();
    return std::move(*first).context(context + more);
  }
  return ok_status();
}

}  // namespace atelier::provider
