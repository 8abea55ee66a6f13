// `atelier recipe ...`: apply a recipe to hosts (ssh, chroot, local) and validate recipe files.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// atelier recipe apply RECIPE --target T [--target T ...] [options]
int recipe_apply(const std::vector<std::string>& args);
// atelier recipe validate FILE...
int recipe_validate(const std::vector<std::string>& args);

}  // namespace atelier::cli
