// The files a lab names, checked after parsing: roles and recipes under the recipes root (the
// caller gives it; nothing is guessed from the lab's folder), ticket texts inside the lab folder.
#include "common/lab/lab_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "common/lab/names.h"
#include "common/lab/yaml_reader.h"

namespace atelier::lab::detail {
namespace {

// The first role or recipe the lab names, as (what, source path), for the error of a lab that
// needs recipes when no recipes root was given.
std::optional<std::pair<std::string, std::string>> first_recipe_use(const Lab& lab) {
  for (const auto& h : lab.hosts) {
    if (!h.roles.empty())
      return std::pair("role '" + h.roles[0] + "'", "hosts." + h.name + ".roles[0]");
  }
  if (!lab.incidents.empty())
    return std::pair("recipe '" + lab.incidents[0].recipe + "'",
                     indexed("incidents", 0) + ".recipe");
  if (!lab.solution.empty())
    return std::pair("recipe '" + lab.solution[0].recipe + "'", indexed("solution", 0) + ".recipe");
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    if (!lab.tasks[t].near_misses.empty()) {
      return std::pair("recipe '" + lab.tasks[t].near_misses[0].recipe + "'",
                       indexed(indexed("tasks", t) + ".near_misses", 0) + ".recipe");
    }
  }
  return std::nullopt;
}

// Recipe names under root/sub (without .yaml), for "did you mean".
std::vector<std::string> recipe_names(const std::filesystem::path& root, const std::string& sub) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root / sub, ec)) {
    if (entry.path().extension() == ".yaml") {
      out.push_back((sub.empty() ? "" : sub + "/") + entry.path().stem().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Roles and recipes the lab names exist under the recipes root (with "did you mean").
void check_recipes(const Lab& lab, std::vector<Diagnostic>& out) {
  const std::string& file = lab.source.file;
  auto at = [&](const std::string& path) { return lab.source.at(path); };
  std::error_code ec;
  if (lab.recipes_root.empty()) {
    if (auto use = first_recipe_use(lab)) {
      out.push_back(
          {file, at(use->second),
           "the lab names " + use->first +
               " but no recipes folder is known; pass --recipes DIR (atelier) or --recipes-dir DIR "
               "(atelierd)"});
    }
  } else if (!std::filesystem::is_directory(lab.recipes_root, ec)) {
    out.push_back(
        {file, {1, 1}, "recipes folder '" + lab.recipes_root.string() + "' does not exist"});
  } else {
    for (const auto& h : lab.hosts) {
      for (std::size_t i = 0; i < h.roles.size(); ++i) {
        const std::string& role = h.roles[i];
        if (role.empty() || role.find('/') != std::string::npos || has_template(role)) continue;
        if (std::filesystem::is_regular_file(lab.recipes_root / "roles" / (role + ".yaml"), ec))
          continue;
        std::string message = "role '" + role + "' not found (no roles/";
        message += role + ".yaml in the recipes folder)";
        std::vector<std::string> names;
        for (auto& n : recipe_names(lab.recipes_root, "roles")) names.push_back(n.substr(6));
        std::string near = closest(role, names);
        if (!near.empty()) message += "; did you mean '" + near + "'?";
        out.push_back({file, at("hosts." + h.name + ".roles[" + std::to_string(i) + "]"), message});
      }
    }
    auto recipe_exists = [&](const std::string& recipe, const std::string& path) {
      if (!is_recipe_name(recipe)) return;  // validate() reports the name
      if (std::filesystem::is_regular_file(lab.recipes_root / (recipe + ".yaml"), ec)) return;
      std::string message =
          "recipe '" + recipe + "' not found (no " + recipe + ".yaml in the recipes folder)";
      auto slash = recipe.rfind('/');
      std::string near =
          closest(recipe, recipe_names(lab.recipes_root,
                                       slash == std::string::npos ? "" : recipe.substr(0, slash)));
      if (!near.empty()) message += "; did you mean '" + near + "'?";
      out.push_back({file, at(path + ".recipe"), message});
    };
    for (std::size_t i = 0; i < lab.incidents.size(); ++i) {
      recipe_exists(lab.incidents[i].recipe, indexed("incidents", i));
    }
    for (std::size_t i = 0; i < lab.solution.size(); ++i) {
      recipe_exists(lab.solution[i].recipe, indexed("solution", i));
    }
    for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
      for (std::size_t i = 0; i < lab.tasks[t].near_misses.size(); ++i) {
        recipe_exists(lab.tasks[t].near_misses[i].recipe,
                      indexed(indexed("tasks", t) + ".near_misses", i));
      }
    }
  }
}

// A file of the lab from a copy of it (LoadOptions::lab_files).
Result<std::string> copied_file(const std::map<std::string, std::string>& files,
                                const std::string& rel) {
  auto it = files.find(rel);
  if (it == files.end()) return Error(ErrorCode::kNotFound, "is not in the copy of the lab");
  return it->second;
}

// Ticket texts: read into the lab, templates in them recorded with their ticket-file positions.
void check_tickets(Lab& lab, const LoadOptions& options, std::vector<Diagnostic>& out) {
  const std::string& file = lab.source.file;
  auto at = [&](const std::string& path) { return lab.source.at(path); };
  // Relative to the lab folder.
  std::filesystem::path shown_dir = std::filesystem::path(file).parent_path();
  for (std::size_t t = 0; t < lab.tasks.size(); ++t) {
    Ticket& ticket = lab.tasks[t].ticket;
    for (auto [lang, rel, body] : {std::tuple{"fr", &ticket.text_files.fr, &ticket.body.fr},
                                   std::tuple{"en", &ticket.text_files.en, &ticket.body.en}}) {
      if (rel->empty()) continue;
      std::string path = indexed("tasks", t) + ".ticket.text." + lang;
      std::filesystem::path p(*rel);
      if (p.is_absolute() || rel->find("..") != std::string::npos) {
        out.push_back({file, at(path),
                       "ticket text '" + *rel +
                           "' must be a path inside the lab folder, like tickets/T1." + lang +
                           ".md"});
        continue;
      }
      // Never through a symlink out of the lab folder: atelierd serves ticket texts to candidates.
      auto read = options.lab_files != nullptr ? copied_file(*options.lab_files, *rel)
                                               : read_file_beneath(lab.dir, p);
      if (!read.ok()) {
        out.push_back({file, at(path), "ticket text '" + *rel + "' " + read.error().message()});
        continue;
      }
      *body = std::move(read).value();
      // Templates in the body, with their exact line and column in the ticket file.
      std::string shown = (shown_dir / p).string();
      std::vector<std::size_t> line_starts{0};
      for (std::size_t i = 0; i < body->size(); ++i) {
        if ((*body)[i] == '\n') line_starts.push_back(i + 1);
      }
      auto mark_at = [&](std::size_t offset) {
        auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
        std::size_t line = static_cast<std::size_t>(it - line_starts.begin());
        return Mark{static_cast<int>(line), static_cast<int>(offset - line_starts[line - 1] + 1)};
      };
      detail::for_each_template(
          *body,
          [&](std::string name, std::size_t offset) {
            lab.source.templates.push_back({std::move(name), shown, mark_at(offset)});
          },
          [&](std::string message, std::size_t offset) {
            out.push_back({shown, mark_at(offset), std::move(message)});
          });
    }
  }
}

}  // namespace

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return false;
  out = buf.str();
  return true;
}

void check_files(Lab& lab, const LoadOptions& options, std::vector<Diagnostic>& out) {
  // The caller says where the recipes are (atelierd's --recipes-dir, the CLI's --recipes or its
  // install location): nothing is guessed from the lab's folder.
  lab.recipes_root = options.recipes_root;
  check_recipes(lab, out);
  check_tickets(lab, options, out);
}

}  // namespace atelier::lab::detail
