// What the CLI finds beside itself when no option names it (common/files/install_layout.h):
// installed, PREFIX/share/atelier/{recipes,images} and PREFIX/lib/atelier/atelier-agent; run from
// a build tree, the source tree's and the agent built with it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace atelier::cli {

// The recipes root; empty when there is none (the loader then says, for a lab that names a role
// or recipe, that no recipes folder is known).
std::filesystem::path default_recipes_root();

// `given` when set (--recipes), else default_recipes_root().
std::filesystem::path recipes_root_or_default(const std::optional<std::string>& given);

// The shipped image definitions (controller/images/definitions in a build tree,
// PREFIX/share/atelier/images installed); empty when there are none.
std::filesystem::path default_images_dir();

// The atelier-agent binary `lab prove` puts on seed disks; empty when none is shipped.
std::filesystem::path default_agent_binary();

}  // namespace atelier::cli
