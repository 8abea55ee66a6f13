// virNodeGetInfo on a short read-only connection (see node_info.h).
#include "controller/reconciler/node_info.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

namespace atelier::reconciler {

Result<NodeInfo> read_node_info(const std::string& uri) {
  virConnectPtr conn = virConnectOpenReadOnly(uri.c_str());
  if (conn == nullptr) {
    virErrorPtr e = virGetLastError();
    return Error(ErrorCode::kUnavailable, "cannot connect to " + uri + ": " +
                                              (e && e->message ? e->message : "unknown error"));
  }
  virNodeInfo info{};
  int rc = virNodeGetInfo(conn, &info);
  std::string message;
  if (rc < 0) {
    virErrorPtr e = virGetLastError();
    message = e && e->message ? e->message : "unknown error";
  }
  virConnectClose(conn);
  if (rc < 0) return Error(ErrorCode::kUnavailable, "node info of " + uri + ": " + message);
  return NodeInfo{static_cast<std::uint64_t>(info.memory) * 1024, info.cpus};
}

}  // namespace atelier::reconciler
