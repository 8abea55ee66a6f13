// Loads a recipe file into typed structs (recipe.h), rejecting unknown keys, unknown ops, wrong
// types and dangling handler names. Every problem is reported as
//   FILE:LINE:COL: error: MESSAGE
// one per line in the Error's message (all problems of the file at once, not just the first).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "ansible-free-recipes/engine/recipe.h"
#include "common/result.h"

namespace atelier::recipes {

Result<Recipe> load_recipe_file(const std::string& path);
// `file_name` names the source in messages; template files are found relative to `base_dir`.
Result<Recipe> load_recipe_text(std::string_view text, const std::string& file_name,
                                const std::string& base_dir);

// The parameter values for one run: `vars` (from --var k=v; the text is read as YAML for list,
// map, int and bool parameters) over the defaults. Unknown names, wrong types and missing required
// parameters are kInvalidArgument. Pure.
Result<ValueMap> bind_params(const Recipe& recipe, const std::map<std::string, std::string>& vars);

}  // namespace atelier::recipes
