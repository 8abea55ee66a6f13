// The recipe loader's shared parts (internal to the engine): diagnostics in the compiler
// format, node helpers, and one op's parser (op_parsers.cpp), used by loader.cpp's steps.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ansible-free-recipes/engine/recipe.h"

namespace atelier::recipes::loader_detail {

// Where a recipe's template files are found: relative to `dir` (itself relative to `root`; empty
// for root), never through a symlink or '..' out of `root` (files/beneath.h).
struct SourceDir {
  std::filesystem::path root;
  std::filesystem::path dir;
};

// Collects diagnostics in the compiler format.
class Diag {
 public:
  explicit Diag(std::string file) : file_(std::move(file)) {}
  void error(const YAML::Mark& m, const std::string& msg) {
    error_at(m.line + 1, m.column + 1, msg);
  }
  void error_at(int line, int column, const std::string& msg) {
    lines_.push_back(file_ + ":" + std::to_string(line) + ":" + std::to_string(column) +
                     ": error: " + msg);
  }
  void error(const YAML::Node& n, const std::string& msg) { error(n.Mark(), msg); }
  bool empty() const { return lines_.empty(); }
  std::string text() const {
    std::string out;
    for (const auto& l : lines_) out += (out.empty() ? "" : "\n") + l;
    return out;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

// "a map", "a list", "'text'", "nothing": what a node is, for messages.
std::string kind_of(const YAML::Node& n);
std::optional<bool> parse_bool(const std::string& s);
std::optional<int64_t> parse_int(const std::string& s);

// The op `key` (one of op_names()) from its argument node; errors go to d, nullopt when the op
// is unusable. Template files are read relative to base_dir; every text's template syntax is
// checked here, not on the first host.
std::optional<Op> parse_op(const std::string& key, const YAML::Node& node, Diag& d,
                           const SourceDir& base_dir);

}  // namespace atelier::recipes::loader_detail
