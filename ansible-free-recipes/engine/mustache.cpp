// The mustache subset documented in mustache.h: parse to a tree once, render many times.
#include "ansible-free-recipes/engine/mustache.h"

namespace atelier::recipes {
namespace {

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

Error at(std::string_view src, size_t offset, const std::string& msg) {
  auto [line, col] = line_col(src, offset);
  return Error(ErrorCode::kInvalidArgument,
               "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + msg);
}

// Resolves a name against the context stack, innermost first (mustache's rule). "." is the top.
const Value* resolve(const std::vector<const Value*>& stack, const std::string& name) {
  if (name == ".") return stack.back();
  auto first = name.substr(0, name.find('.'));
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    const auto* m = (*it)->as_map();
    if (m && m->count(first)) return lookup(**it, name);
  }
  return nullptr;
}

Status render_nodes(std::string_view src, const std::vector<MustacheNode>& nodes,
                    std::vector<const Value*>& stack, std::string& out) {
  for (const auto& n : nodes) {
    if (n.kind == MustacheNode::Kind::kText) {
      out += n.text;
      continue;
    }
    const Value* v = resolve(stack, n.text);
    if (!v) return at(src, n.offset, "unknown name '" + n.text + "'");
    switch (n.kind) {
      case MustacheNode::Kind::kVariable:
        if (v->as_map())
          return at(src, n.offset, "'" + n.text + "' is a map; name one of its keys");
        out += v->to_text();
        break;
      case MustacheNode::Kind::kSection:
        if (const auto* l = v->as_list()) {
          for (const auto& item : *l) {
            stack.push_back(&item);
            auto st = render_nodes(src, n.children, stack, out);
            stack.pop_back();
            ATELIER_RETURN_IF_ERROR(st);
          }
        } else if (v->as_map()) {
          stack.push_back(v);
          auto st = render_nodes(src, n.children, stack, out);
          stack.pop_back();
          ATELIER_RETURN_IF_ERROR(st);
        } else if (v->truthy()) {
          ATELIER_RETURN_IF_ERROR(render_nodes(src, n.children, stack, out));
        }
        break;
      case MustacheNode::Kind::kInverted:
        if (!v->truthy()) ATELIER_RETURN_IF_ERROR(render_nodes(src, n.children, stack, out));
        break;
      case MustacheNode::Kind::kText:
        break;
    }
  }
  return ok_status();
}

}  // namespace

std::pair<int, int> line_col(std::string_view text, size_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

namespace {

// A block tag ({{#, {{^, {{/, {{!) alone on its line takes the whole line with it: the blanks
// before it are cut from the text node `list` ends with, and the returned end is past the line's
// newline. Otherwise the tag's own end is returned.
size_t take_standalone_line(std::string_view src, size_t tag, size_t end,
                            std::vector<MustacheNode>& list) {
  size_t nl = tag == 0 ? std::string_view::npos : src.rfind('\n', tag - 1);
  size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
  size_t line_end = src.find('\n', end);
  std::string_view before = src.substr(line_start, tag - line_start);
  std::string_view after =
      src.substr(end, (line_end == std::string_view::npos ? src.size() : line_end) - end);
  if (!blank(before) || !blank(after)) return end;
  if (!before.empty() && !list.empty() && list.back().kind == MustacheNode::Kind::kText) {
    auto& text = list.back().text;
    text.erase(text.size() - before.size());
    if (text.empty()) list.pop_back();
  }
  return line_end == std::string_view::npos ? src.size() : line_end + 1;
}

}  // namespace

Result<Template> Template::parse(std::string_view src) {
  Template t;
  t.source_ = std::string(src);
  // open[i] is the list nodes are appended to; sections push their children list.
  std::vector<std::vector<MustacheNode>*> open = {&t.nodes_};
  std::vector<MustacheNode*> sections;
  size_t pos = 0;
  while (pos < src.size()) {
    size_t tag = src.find("{{", pos);
    if (tag == std::string_view::npos) {
      open.back()->push_back({MustacheNode::Kind::kText, std::string(src.substr(pos)), pos, {}});
      break;
    }
    if (tag > pos)
      open.back()->push_back(
          {MustacheNode::Kind::kText, std::string(src.substr(pos, tag - pos)), pos, {}});
    bool triple = tag + 2 < src.size() && src[tag + 2] == '{';
    size_t close = src.find(triple ? "}}}" : "}}", tag + 2);
    if (close == std::string_view::npos) return at(src, tag, "'{{' without a closing '}}'");
    std::string_view body = src.substr(tag + (triple ? 3 : 2), close - tag - (triple ? 3 : 2));
    size_t end = close + (triple ? 3 : 2);
    char sigil = body.empty() ? '\0' : body[0];
    if (triple) sigil = '&';
    std::string name = trim(sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' ||
                                    (sigil == '&' && !triple)
                                ? body.substr(1)
                                : body);
    bool block = sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!';
    if (block) end = take_standalone_line(src, tag, end, *open.back());
    if (sigil != '!' && name.empty()) return at(src, tag, "empty tag");
    switch (sigil) {
      case '!':
        break;
      case '#':
      case '^':
        open.back()->push_back(
            {sigil == '#' ? MustacheNode::Kind::kSection : MustacheNode::Kind::kInverted,
             name,
             tag,
             {}});
        sections.push_back(&open.back()->back());
        open.push_back(&sections.back()->children);
        break;
      case '/':
        if (sections.empty()) return at(src, tag, "'{{/" + name + "}}' closes no section");
        if (sections.back()->text != name) {
          return at(src, tag, "'{{/" + name + "}}' closes section '" + sections.back()->text + "'");
        }
        sections.pop_back();
        open.pop_back();
        break;
      case '>':
        return at(src, tag, "partials ({{>...}}) are not supported");
      case '=':
        return at(src, tag, "delimiter changes ({{=...=}}) are not supported");
      default:
        open.back()->push_back({MustacheNode::Kind::kVariable, name, tag, {}});
    }
    pos = end;
  }
  if (!sections.empty())
    return at(src, sections.back()->offset,
              "section '" + sections.back()->text + "' is never closed");
  return t;
}

Result<std::string> Template::render(const Value& context) const {
  std::string out;
  std::vector<const Value*> stack = {&context};
  ATELIER_RETURN_IF_ERROR(render_nodes(source_, nodes_, stack, out));
  return out;
}

bool Template::is_literal() const {
  return nodes_.empty() || (nodes_.size() == 1 && nodes_[0].kind == MustacheNode::Kind::kText);
}

Result<std::string> render_string(std::string_view source, const Value& context) {
  if (source.find("{{") == std::string_view::npos) return std::string(source);
  auto t = Template::parse(source);
  if (!t.ok()) return std::move(t).error();
  return t->render(context);
}

}  // namespace atelier::recipes
