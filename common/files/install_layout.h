// Where atelier's programs find what ships with them (labs, image definitions, recipes, the web
// pages' assets, the agent put on guests), found from where the running program is, never from
// a path compiled into it:
//   installed (`cmake --install`): PREFIX/bin/atelier and PREFIX/sbin/atelierd find
//     PREFIX/share/atelier/{labs,images,recipes,web/assets} and PREFIX/lib/atelier/atelier-agent;
//     the prefix can be moved as a whole.
//   build tree: the configure step writes BUILD/atelier-build-layout, naming the source tree and
//     the agent it builds; a program finds it in its folder or one of the four above.
#pragma once

#include <filesystem>
#include <optional>

namespace atelier::layout {

struct Layout {
  bool installed = false;
  std::filesystem::path labs;        // lab folders
  std::filesystem::path images;      // image definitions NAME.yaml
  std::filesystem::path recipes;     // the recipes root (roles/, recipes)
  std::filesystem::path web_assets;  // atelierd's stylesheet and scripts
  std::filesystem::path agent;       // the atelier-agent binary for guests' seed disks
};

// The layout around `program` (an executable's path); nullopt when it is neither installed nor
// in a build tree (a binary copied elsewhere: its callers then need the paths given).
std::optional<Layout> around(const std::filesystem::path& program);

// around(/proc/self/exe).
std::optional<Layout> of_running_program();

}  // namespace atelier::layout
