// shipped_paths.h: the layout of the running CLI, each path kept only when it exists.
#include "controller/cli/shipped_paths.h"

#include <system_error>

#include "common/files/install_layout.h"

namespace atelier::cli {
namespace {

namespace fs = std::filesystem;

fs::path existing(fs::path layout::Layout::*member) {
  auto l = layout::of_running_program();
  std::error_code ec;
  if (!l || !fs::exists((*l).*member, ec)) return {};
  return ((*l).*member).lexically_normal();
}

}  // namespace

fs::path default_recipes_root() {
  return existing(&layout::Layout::recipes);
}

fs::path recipes_root_or_default(const std::optional<std::string>& given) {
  if (given && !given->empty()) return *given;
  return default_recipes_root();
}

fs::path default_images_dir() {
  return existing(&layout::Layout::images);
}

fs::path default_agent_binary() {
  return existing(&layout::Layout::agent);
}

}  // namespace atelier::cli
