// install_layout.h: the installed tree is recognised by PREFIX/share/atelier beside the
// program's folder; the build tree by its atelier-build-layout file (`key=value` lines).
#include "common/files/install_layout.h"

#include <fstream>
#include <string>
#include <system_error>

namespace atelier::layout {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBuildFile = "atelier-build-layout";

std::optional<Layout> installed_around(const fs::path& prefix) {
  std::error_code ec;
  fs::path share = prefix / "share" / "atelier";
  if (!fs::is_directory(share, ec)) return std::nullopt;
  Layout l;
  l.installed = true;
  l.labs = share / "labs";
  l.images = share / "images";
  l.recipes = share / "recipes";
  l.web_assets = share / "web" / "assets";
  l.agent = prefix / "lib" / "atelier" / "atelier-agent";
  return l;
}

std::optional<Layout> from_build_file(const fs::path& file) {
  std::ifstream in(file);
  fs::path source, agent;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "source") source = value;
    if (key == "agent") agent = value;
  }
  if (source.empty()) return std::nullopt;
  Layout l;
  l.labs = source / "labs";
  l.images = source / "controller" / "images" / "definitions";
  l.recipes = source / "ansible-free-recipes" / "recipes";
  l.web_assets = source / "controller" / "web" / "assets";
  l.agent = agent;
  return l;
}

}  // namespace

std::optional<Layout> around(const fs::path& program) {
  fs::path folder = program.parent_path();
  if (auto l = installed_around(folder.parent_path())) return l;
  std::error_code ec;
  for (int up = 0; up <= 4 && !folder.empty(); ++up, folder = folder.parent_path()) {
    if (fs::is_regular_file(folder / kBuildFile, ec)) return from_build_file(folder / kBuildFile);
    if (folder == folder.root_path()) break;
  }
  return std::nullopt;
}

std::optional<Layout> of_running_program() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return around(self);
}

}  // namespace atelier::layout
