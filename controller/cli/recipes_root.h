// Where the CLI finds the recipes when --recipes is not given: next to its own installation
// (PREFIX/bin/atelier -> PREFIX/share/atelier/recipes), else the source tree it was built from.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace atelier::cli {

// The first of those folders that exists; empty when none does (the loader then says, for a lab
// that names a role or recipe, that no recipes folder is known).
std::filesystem::path default_recipes_root();

// `given` when set (--recipes), else default_recipes_root().
std::filesystem::path recipes_root_or_default(const std::optional<std::string>& given);

}  // namespace atelier::cli
