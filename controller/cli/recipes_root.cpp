// The CLI's default recipes root (see recipes_root.h).
#include "controller/cli/recipes_root.h"

#include <system_error>
#include <vector>

namespace atelier::cli {

std::filesystem::path default_recipes_root() {
  std::error_code ec;
  std::vector<std::filesystem::path> candidates;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "atelier" / "recipes");
#ifdef ATELIER_BUILD_RECIPES_DIR
  candidates.emplace_back(ATELIER_BUILD_RECIPES_DIR);
#endif
  for (const auto& c : candidates) {
    if (std::filesystem::is_directory(c, ec)) return c.lexically_normal();
  }
  return {};
}

std::filesystem::path recipes_root_or_default(const std::optional<std::string>& given) {
  if (given && !given->empty()) return *given;
  return default_recipes_root();
}

}  // namespace atelier::cli
