// Internal to the lab loader (loader.cpp, check_parse.cpp): reading one check from YAML.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "common/check_spec.h"
#include "common/lab/yaml_reader.h"

namespace atelier::lab::detail {

// Reads the check at `n` (source path `path`) into `out`, reporting every problem through `ctx`;
// true iff it added no error. `on_required`: the check must name its host with `on:` (a lab's
// task checks); in a standalone check file it is optional.
bool parse_check(Ctx& ctx, const YAML::Node& n, const std::string& path, bool on_required,
                 checks::Check& out);

}  // namespace atelier::lab::detail
