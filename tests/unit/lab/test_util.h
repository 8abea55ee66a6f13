// Helpers shared by the lab unit tests: where the source tree is, reading files.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace atelier::lab::testing {

inline std::filesystem::path source_dir() { return ATELIER_SOURCE_DIR; }
inline std::filesystem::path corpus_dir() { return source_dir() / "tests/unit/lab/corpus"; }

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace atelier::lab::testing
