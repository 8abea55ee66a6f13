// The capacity of a hypervisor host as libvirt reports it (virNodeGetInfo).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace atelier::reconciler {

struct NodeInfo {
  std::uint64_t memory_bytes = 0;
  unsigned cpus = 0;
};

// Opens a read-only connection to `uri`, reads the node info and closes it. kUnavailable when
// libvirtd cannot be reached.
Result<NodeInfo> read_node_info(const std::string& uri);

}  // namespace atelier::reconciler
