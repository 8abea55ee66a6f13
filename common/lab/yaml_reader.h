// Internal to the lab loader: reading yaml-cpp nodes into typed fields while collecting every
// error with its position. The only place besides loader.cpp that sees YAML::Node.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/check_spec.h"
#include "common/lab/check_fields.h"
#include "common/lab/lab.h"

namespace atelier::lab::detail {

// yaml-cpp's 0-based mark as a 1-based Mark ({0,0} for the null mark).
Mark mark_of(const YAML::Node& node);

// "a map", "a list", "nothing", or the scalar quoted: "'abc'" (cut at 40 characters).
std::string describe(const YAML::Node& node);

// The state of one parse: where errors go and where positions are recorded.
class Ctx {
 public:
  Ctx(std::string file, std::vector<Diagnostic>& out, SourceMap* source, bool templates_allowed)
      : file_(std::move(file)), out_(out), source_(source), templates_allowed_(templates_allowed) {}

  void error(Mark at, std::string message) { out_.push_back({file_, at, std::move(message)}); }
  void error(const YAML::Node& node, std::string message) {
    error(mark_of(node), std::move(message));
  }
  // "'KEY': expected EXPECT, got DESCRIBE(node)" (without the key part when key is empty).
  void type_error(const YAML::Node& node, std::string_view key, std::string_view expect);
  // Paths starting with '#' are not recorded (anonymous maps: texts, recipe arguments).
  void record(const std::string& path, const YAML::Node& node) {
    if (source_ && (path.empty() || path[0] != '#')) source_->marks[path] = mark_of(node);
  }
  // Records {{...}} uses of a string read at `at`; reports unclosed or malformed ones.
  void scan_templates(std::string_view text, Mark at);
  const std::string& file() const { return file_; }
  std::size_t error_count() const { return out_.size(); }
  // Free-form values (recipe arguments) are bounded: aliases can make a small file expand to
  // billions of nodes, or to a cycle. Counts one node; false once over budget.
  bool spend_value_node() { return ++value_nodes_ <= kMaxValueNodes; }
  bool value_budget_just_exceeded() const { return value_nodes_ == kMaxValueNodes + 1; }
  static constexpr std::size_t kMaxValueNodes = 100000;
  static constexpr int kMaxValueDepth = 64;

 private:
  std::string file_;
  std::vector<Diagnostic>& out_;
  SourceMap* source_;
  bool templates_allowed_;
  std::size_t value_nodes_ = 0;
};

// Scans `text` for {{...}}: calls use(name, offset) for each, error(message, offset) for bad ones.
template <class Use, class Err>
void for_each_template(std::string_view text, Use use, Err err) {
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    std::size_t end = text.find("}}", pos + 2);
    if (end == std::string_view::npos) {
      err("unclosed '{{' in '" + std::string(text.substr(pos, 40)) + "'; a template is {{name}}",
          pos);
      return;
    }
    std::string_view inner = text.substr(pos + 2, end - pos - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    bool good = !inner.empty();
    for (char c : inner) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-')) {
        good = false;
      }
    }
    if (good) {
      use(std::string(inner), pos);
    } else {
      err("bad template '" + std::string(text.substr(pos, end + 2 - pos)) +
              "'; a template is {{name}} with letters, digits, '_', '.' or '-'",
          pos);
    }
    pos = end + 2;
  }
}

// ---- scalar and list readers: true when `out` was set; errors reported otherwise -----------

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::string& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, bool& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, int& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::uint16_t& out);  // 1..65535
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::uint64_t& out);  // a size
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, double& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::vector<std::string>& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key,
          std::vector<std::vector<std::string>>& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::chrono::milliseconds& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::chrono::seconds& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, Text& out);
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, Value& out, int depth = 0);

// One of the names in EnumNames<E>.
bool read_enum_index(Ctx& ctx, const YAML::Node& n, std::string_view key,
                     const std::string_view* names, std::size_t count, int& out);
template <class E>
requires std::is_enum_v<E>
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, E& out) {
  int index = 0;
  const auto& names = checks::EnumNames<E>::kNames;
  if (!read_enum_index(ctx, n, key, names, std::size(names), index)) return false;
  out = static_cast<E>(index);
  return true;
}

template <class T>
bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::optional<T>& out) {
  T value{};
  if (!read(ctx, n, key, value)) return false;
  out = std::move(value);
  return true;
}

// A map's entries, read with the keys the caller knows; unknown keys are reported by finish()
// with a "did you mean". Duplicate keys are reported when the reader is built.
class MapReader {
 public:
  // `what` names the map in messages ("host 'mail'"); `key`/`expect` make the type error when
  // the node is not a map ("'hosts': expected a map of host names to hosts, got a list").
  // A null node reads as an empty map when null_is_empty.
  MapReader(Ctx& ctx, const YAML::Node& node, std::string path, std::string what,
            std::string_view key, std::string_view expect, bool null_is_empty = false);

  bool is_map() const { return is_map_; }
  Ctx& ctx() { return ctx_; }
  Mark mark() const { return mark_of(node_); }
  const std::string& path() const { return path_; }
  std::string child(std::string_view key) const {
    if (!path_.empty() && path_[0] == '#') return "#";
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The value of `key` (marked as known and used), or nullptr when absent.
  const YAML::Node* get(std::string_view key);
  // Marks `key` as known without reading it.
  void know(std::string_view key) { known_.emplace_back(key); }
  // Reports "missing 'KEY' in WHAT" and returns false when absent.
  const YAML::Node* need(std::string_view key);

  template <class T>
  bool req(std::string_view key, T& out) {
    const YAML::Node* n = need(key);
    if (!n) return false;
    ctx_.record(child(key), *n);
    return read(ctx_, *n, key, out);
  }
  template <class T>
  bool opt(std::string_view key, T& out) {
    const YAML::Node* n = get(key);
    if (!n) return false;
    ctx_.record(child(key), *n);
    return read(ctx_, *n, key, out);
  }

  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  // Every entry in file order (for maps keyed by names: hosts, networks, nics...).
  std::vector<Entry>& entries() { return entries_; }

  // Reports keys that were neither read nor known.
  void finish();

 private:
  Ctx& ctx_;
  YAML::Node node_;
  std::string path_;
  std::string what_;
  bool is_map_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> known_;
};

}  // namespace atelier::lab::detail
