// LibvirtProvider, overlays: the copy-on-write volumes of candidate hosts in the one directory
// pool the provider owns, and that pool's removal.
#include "controller/provider/libvirt_provider.h"

#include <filesystem>
#include <mutex>

#include "controller/provider/libvirt_provider_ops.h"

namespace atelier::provider {

namespace {

// The overlay pool, defined (directory built) and started if needed. A pool of that name that
// points elsewhere is refused rather than silently used.
Result<PoolPtr> ensure_overlay_pool(LibvirtOps& s, const std::string& name,
                                    const std::string& dir) {
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
      if (parsed.ok() && !parsed->format.empty() && parsed->format != to_string(spec.base_format)) {
        return Error(ErrorCode::kInvalidArgument, "base image " + spec.base_path + " is " +
                                                      parsed->format + ", not " +
                                                      std::string(to_string(spec.base_format)));
      }
    }
    virResetLastError();
    std::string xml = render_overlay_volume_xml(volume_name, spec.base_path, spec.base_format);
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
        if (virStoragePoolUndefine(pool->get()) < 0 && !last_error_is(VIR_ERR_NO_STORAGE_POOL)) {
          return s.error("undefining the pool failed");
        }
        return ok_status();
      });
}

}  // namespace atelier::provider
