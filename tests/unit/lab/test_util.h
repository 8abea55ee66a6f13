// Helpers shared by the lab unit tests: where the source tree is, reading files.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/test_support.h"

namespace atelier::lab::testing {

inline std::filesystem::path source_dir() {
  return ATELIER_SOURCE_DIR;
}
inline std::filesystem::path corpus_dir() {
  return source_dir() / "tests/unit/lab/corpus";
}

using test_support::read_text;

}  // namespace atelier::lab::testing
