// Internal to the lab loader (loader.cpp, lab_files.cpp): checking the files a parsed lab names,
// and the small helpers both use.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/files/beneath.h"
#include "common/lab/loader.h"

namespace atelier::lab::detail {

inline bool has_template(std::string_view s) {
  return s.find("{{") != std::string_view::npos;
}

// "base[i]": the source path of a list item.
inline std::string indexed(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// The whole file into `out`; false if it cannot be read.
bool read_file(const std::filesystem::path& path, std::string& out);

// Largest file read from a lab folder (a ticket text): past it the read fails.
inline constexpr std::size_t kMaxLabFileBytes = 1 << 20;

// files::read_file_beneath with the lab's words: "leads out of the lab folder ...".
inline Result<std::string> read_file_beneath(const std::filesystem::path& dir,
                                             const std::filesystem::path& rel,
                                             std::size_t max_bytes = kMaxLabFileBytes) {
  return files::read_file_beneath(dir, rel, max_bytes, "lab folder");
}

// Sets lab.recipes_root from the options, then reports (into `out`) every role or recipe not
// found under it (or a lab that names one when there is no root), and every ticket text that is
// not a readable file inside the lab folder; reads ticket bodies into the lab and records the
// templates they use.
void check_files(Lab& lab, const LoadOptions& options, std::vector<Diagnostic>& out);

}  // namespace atelier::lab::detail
