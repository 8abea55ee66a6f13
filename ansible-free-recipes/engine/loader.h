// Loads a recipe file into typed structs (recipe.h), rejecting unknown keys, unknown ops, wrong
// types and dangling handler names. Every problem is reported as
//   FILE:LINE:COL: error: MESSAGE
// one per line in the Error's message (all problems of the file at once, not just the first).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "ansible-free-recipes/engine/recipe.h"
#include "common/result.h"

namespace atelier::recipes {

// A recipe file given by the user (atelier recipe apply/validate); its templates are read
// inside its folder only.
Result<Recipe> load_recipe_file(const std::string& path);
// The recipe file `rel` ("roles/web.yaml") of the recipes folder `root`, and its templates,
// never read through a symlink or '..' out of root: kPermissionDenied naming the path then,
// kNotFound when absent, kInvalidArgument for a file that is not a valid recipe. What atelierd
// runs on candidates' machines goes through here.
Result<Recipe> load_recipe_beneath(const std::filesystem::path& root,
                                   const std::filesystem::path& rel);
// Largest recipe or template file read.
inline constexpr std::size_t kMaxRecipeFileBytes = 1 << 20;
// `file_name` names the source in messages; template files are found inside `base_dir`.
Result<Recipe> load_recipe_text(std::string_view text, const std::string& file_name,
                                const std::string& base_dir);

// The parameter values for one run: `vars` (from --var k=v; the text is read as YAML for list,
// map, int and bool parameters) over the defaults. Unknown names, wrong types and missing required
// parameters are kInvalidArgument. Pure.
Result<ValueMap> bind_params(const Recipe& recipe, const std::map<std::string, std::string>& vars);

}  // namespace atelier::recipes
