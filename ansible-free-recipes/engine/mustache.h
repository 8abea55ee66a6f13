// A small mustache renderer for recipe arguments and template files. Why not Debian's libmstch:
// libmstch-dev depends on libboost-dev (1.74), which conflicts with the libboost1.81-dev atelier
// builds with, and mstch HTML-escapes by default, which is wrong for configuration files.
//
// Supported: {{name}}, {{a.b.c}}, {{{name}}} and {{&name}} (same as {{name}}: nothing is ever
// escaped), {{.}} (the current item), sections {{#name}}...{{/name}} (a list repeats for each
// item, a map pushes itself as context, any other value shows the block when true), inverted
// sections {{^name}}...{{/name}}, comments {{! ... }}, and "standalone" tag lines (a line holding
// only a section or comment tag leaves no blank line). Not supported: partials, delimiter changes.
// A name that resolves nowhere is an ERROR (not ""), so a typo in a recipe fails loudly.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ansible-free-recipes/engine/value.h"
#include "common/result.h"

namespace atelier::recipes {

struct MustacheNode {
  enum class Kind { kText, kVariable, kSection, kInverted };
  Kind kind = Kind::kText;
  std::string text;   // kText: the text; others: the name
  size_t offset = 0;  // where the tag starts in the source, for errors
  std::vector<MustacheNode> children;
};

class Template {
 public:
  // Parses; errors carry "line L, column C: ..." relative to the source (1-based).
  static Result<Template> parse(std::string_view source);
  // Renders against a context (a map). Errors name the missing variable and its line.
  Result<std::string> render(const Value& context) const;
  // True when the text holds no tag at all (nothing to render).
  bool is_literal() const;

 private:
  std::string source_;
  std::vector<MustacheNode> nodes_;
};

// Parses and renders in one go (for short argument strings).
Result<std::string> render_string(std::string_view source, const Value& context);

// 1-based line and column of a byte offset.
std::pair<int, int> line_col(std::string_view text, size_t offset);

}  // namespace atelier::recipes
