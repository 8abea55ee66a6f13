// Reading yaml-cpp nodes into typed values, collecting every error with its position.
#include "common/lab/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include "common/lab/loader.h"

namespace atelier::lab::detail {

Mark mark_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  const std::string& s = node.Scalar();
  if (s.size() > 40) return "'" + s.substr(0, 37) + "...'";
  return "'" + s + "'";
}

void Ctx::type_error(const YAML::Node& node, std::string_view key, std::string_view expect) {
  std::string message;
  if (!key.empty()) message = "'" + std::string(key) + "': ";
  message += "expected " + std::string(expect) + ", got " + describe(node);
  error(node, std::move(message));
}

void Ctx::scan_templates(std::string_view text, Mark at) {
  if (text.find("{{") == std::string_view::npos) return;
  for_each_template(
      text,
      [&](std::string name, std::size_t) {
        if (!templates_allowed_) {
          error(at, "template '{{" + name +
                        "}}' in a check file: check files are not resolved "
                        "for a candidate, write the value itself");
          return;
        }
        if (source_) source_->templates.push_back({std::move(name), file_, at});
      },
      [&](std::string message, std::size_t) { error(at, std::move(message)); });
}

namespace {

bool scalar(Ctx& ctx, const YAML::Node& n, std::string_view key, std::string_view expect) {
  if (n.IsScalar()) return true;
  ctx.type_error(n, key, expect);
  return false;
}

template <class Int>
bool parse_int(const std::string& s, Int& out) {
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end && begin != end;
}

}  // namespace

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::string& out) {
  if (!scalar(ctx, n, key, "a string")) return false;
  out = n.Scalar();
  ctx.scan_templates(out, mark_of(n));
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, bool& out) {
  if (!scalar(ctx, n, key, "true or false")) return false;
  const std::string& s = n.Scalar();
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes") {
    out = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE" || s == "no") {
    out = false;
    return true;
  }
  ctx.type_error(n, key, "true or false");
  return false;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, int& out) {
  if (!scalar(ctx, n, key, "an integer")) return false;
  if (!parse_int(n.Scalar(), out)) {
    ctx.type_error(n, key, "an integer");
    return false;
  }
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::uint16_t& out) {
  constexpr std::string_view kExpect = "a port number from 1 to 65535";
  if (!scalar(ctx, n, key, kExpect)) return false;
  unsigned value = 0;
  if (!parse_int(n.Scalar(), value) || value == 0 || value > 65535) {
    ctx.type_error(n, key, kExpect);
    return false;
  }
  out = static_cast<std::uint16_t>(value);
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::uint64_t& out) {
  constexpr std::string_view kExpect = "a size like 512MiB, 1GiB or a number of bytes";
  if (!scalar(ctx, n, key, kExpect)) return false;
  auto size = parse_size(n.Scalar());
  if (!size) {
    ctx.type_error(n, key, kExpect);
    return false;
  }
  out = *size;
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, double& out) {
  if (!scalar(ctx, n, key, "a number")) return false;
  const std::string& s = n.Scalar();
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    ctx.type_error(n, key, "a number");
    return false;
  }
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::vector<std::string>& out) {
  if (!n.IsSequence()) {
    ctx.type_error(n, key, "a list of strings");
    return false;
  }
  bool ok = true;
  out.clear();
  for (const auto& item : n) {
    std::string s;
    if (read(ctx, item, "", s)) {
      out.push_back(std::move(s));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key,
          std::vector<std::vector<std::string>>& out) {
  constexpr std::string_view kExpect = "a list of rows, each a list of strings";
  if (!n.IsSequence()) {
    ctx.type_error(n, key, kExpect);
    return false;
  }
  bool ok = true;
  out.clear();
  for (const auto& row : n) {
    if (!row.IsSequence()) {
      ctx.type_error(row, key, "a row (a list of strings)");
      ok = false;
      continue;
    }
    std::vector<std::string> cells;
    ok = read(ctx, row, "", cells) && ok;
    out.push_back(std::move(cells));
  }
  return ok;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::chrono::milliseconds& out) {
  constexpr std::string_view kExpect = "a duration like 30s, 500ms, 2m or 1h30m";
  if (!scalar(ctx, n, key, kExpect)) return false;
  auto d = parse_duration(n.Scalar());
  if (!d) {
    ctx.type_error(n, key, kExpect);
    return false;
  }
  out = *d;
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, std::chrono::seconds& out) {
  constexpr std::string_view kExpect = "a duration like 30m, 2h or 1h30m";
  if (!scalar(ctx, n, key, kExpect)) return false;
  auto d = parse_duration(n.Scalar());
  if (!d || d->count() % 1000 != 0) {
    ctx.type_error(n, key, kExpect);
    return false;
  }
  out = std::chrono::duration_cast<std::chrono::seconds>(*d);
  return true;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, Text& out) {
  MapReader r(ctx, n, "#", "'" + std::string(key) + "' (a text needs both fr and en)", key,
              "a text in both languages {fr: ..., en: ...}");
  if (!r.is_map()) return false;
  bool ok = r.req("fr", out.fr);
  ok = r.req("en", out.en) && ok;
  r.finish();
  return ok;
}

bool read(Ctx& ctx, const YAML::Node& n, std::string_view key, Value& out, int depth) {
  if (depth > Ctx::kMaxValueDepth) {
    ctx.error(n, "'" + std::string(key) + "': values nested deeper than " +
                     std::to_string(Ctx::kMaxValueDepth) + " levels (a cycle of aliases?)");
    return false;
  }
  if (!ctx.spend_value_node()) {
    if (ctx.value_budget_just_exceeded()) {
      ctx.error(n, "more than " + std::to_string(Ctx::kMaxValueNodes) +
                       " values in recipe arguments (aliases expanding?); the lab is too large");
    }
    return false;
  }
  if (!n.IsDefined() || n.IsNull()) {
    out = Value{};
    return true;
  }
  if (n.IsScalar()) {
    out = Value::of(n.Scalar());
    ctx.scan_templates(out.scalar, mark_of(n));
    return true;
  }
  bool ok = true;
  if (n.IsSequence()) {
    out.type = Value::Type::kList;
    for (const auto& item : n) {
      Value v;
      ok = read(ctx, item, key, v, depth + 1) && ok;
      out.items.push_back(std::move(v));
    }
    return ok;
  }
  out.type = Value::Type::kMap;
  MapReader r(ctx, n, "#", "a map", "", "a map");
  for (auto& e : r.entries()) {
    e.used = true;
    Value v;
    ok = read(ctx, e.value, e.key, v, depth + 1) && ok;
    out.fields.push_back({e.key, std::move(v)});
  }
  return ok;
}

bool read_enum_index(Ctx& ctx, const YAML::Node& n, std::string_view key,
                     const std::string_view* names, std::size_t count, int& out) {
  std::string expect = "one of ";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) expect += ", ";
    expect += names[i];
  }
  if (!scalar(ctx, n, key, expect)) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (n.Scalar() == names[i]) {
      out = static_cast<int>(i);
      return true;
    }
  }
  ctx.type_error(n, key, expect);
  return false;
}

MapReader::MapReader(Ctx& ctx, const YAML::Node& node, std::string path, std::string what,
                     std::string_view key, std::string_view expect, bool null_is_empty)
    : ctx_(ctx), node_(node), path_(std::move(path)), what_(std::move(what)) {
  if (null_is_empty && (!node.IsDefined() || node.IsNull())) {
    is_map_ = true;
    return;
  }
  if (!node.IsMap()) {
    ctx.type_error(node, key, expect);
    return;
  }
  is_map_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: it-> yields a temporary pair, a reference into it would dangle.
    YAML::Node k = it->first;
    YAML::Node v = it->second;
    if (!k.IsScalar()) {
      ctx.type_error(k, "", "a key name");
      continue;
    }
    const std::string& name = k.Scalar();
    auto dup = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return e.key == name; });
    if (dup != entries_.end()) {
      Mark first = mark_of(dup->key_node);
      ctx.error(k, "duplicate key '" + name + "' in " + what_ + " (first at line " +
                       std::to_string(first.line) + ")");
      continue;
    }
    entries_.push_back({name, k, v, false});
  }
}

const YAML::Node* MapReader::get(std::string_view key) {
  known_.emplace_back(key);
  for (auto& e : entries_) {
    if (e.key == key) {
      e.used = true;
      return &e.value;
    }
  }
  return nullptr;
}

const YAML::Node* MapReader::need(std::string_view key) {
  const YAML::Node* n = get(key);
  if (!n && is_map_) ctx_.error(mark(), "missing '" + std::string(key) + "' in " + what_);
  return n;
}

void MapReader::finish() {
  for (const auto& e : entries_) {
    if (e.used) continue;
    if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
    std::string message = "unknown key '" + e.key + "' in " + what_;
    std::string near = closest(e.key, known_);
    if (!near.empty()) {
      message += "; did you mean '" + near + "'?";
    } else {
      message += "; expected one of: ";
      for (std::size_t i = 0; i < known_.size(); ++i) message += (i ? ", " : "") + known_[i];
    }
    ctx_.error(e.key_node, std::move(message));
  }
}

}  // namespace atelier::lab::detail
