// `atelier provider list|clean`: what atelier owns on a hypervisor, read from libvirt's own
// metadata, and removal of one session's objects without going through the store.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int provider_list(const std::vector<std::string>& args);
int provider_clean(const std::vector<std::string>& args);

}  // namespace atelier::cli
