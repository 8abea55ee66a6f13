// The safe Markdown subset for tickets: a line-based block pass, then an inline pass on text
// that is escaped as it is copied. Links keep only http(s) targets.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "controller/web/html.h"

namespace atelier::web {

bool is_safe_link(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  auto starts = [&](std::string_view prefix) {
    if (url.size() <= prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    }
    return true;
  };
  return starts("http://") || starts("https://");
}

namespace {

// Finds the closing delimiter for an emphasis run starting after `from`; npos if none.
std::size_t find_close(std::string_view s, std::size_t from, std::string_view delim) {
  auto at = s.find(delim, from);
  return at == from ? std::string_view::npos : at;  // empty emphasis is literal
}

std::string render_inline(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '`') {
      auto end = s.find('`', i + 1);
      if (end != std::string_view::npos) {
        out += "<code>" + escape_html(s.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    } else if (s.substr(i, 2) == "**") {
      auto end = find_close(s, i + 2, "**");
      if (end != std::string_view::npos) {
        out += "<strong>" + render_inline(s.substr(i + 2, end - i - 2)) + "</strong>";
        i = end + 2;
        continue;
      }
    } else if (c == '*' || c == '_') {
      auto end = find_close(s, i + 1, std::string_view(&s[i], 1));
      if (end != std::string_view::npos) {
        out += "<em>" + render_inline(s.substr(i + 1, end - i - 1)) + "</em>";
        i = end + 1;
        continue;
      }
    } else if (c == '[') {
      auto close = s.find("](", i + 1);
      auto end = close == std::string_view::npos ? close : s.find(')', close + 2);
      if (end != std::string_view::npos) {
        auto text = s.substr(i + 1, close - i - 1);
        auto url = s.substr(close + 2, end - close - 2);
        if (is_safe_link(url)) {
          out += "<a href=\"" + escape_html(url) + "\" rel=\"noopener noreferrer\">" +
                 render_inline(text) + "</a>";
        } else {
          out += render_inline(text);  // an unsafe target loses its link, keeps its words
        }
        i = end + 1;
        continue;
      }
    }
    out += escape_html(std::string_view(&s[i], 1));
    ++i;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "- x", "* x" -> ul; "12. x" -> ol. Sets item to the text after the marker.
const char* list_kind(std::string_view line, std::string_view& item) {
  if (line.size() > 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ') {
    item = trim(line.substr(2));
    return "ul";
  }
  std::size_t d = 0;
  while (d < line.size() && d < 9 && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
  if (d > 0 && line.size() > d + 2 && line[d] == '.' && line[d + 1] == ' ') {
    item = trim(line.substr(d + 2));
    return "ol";
  }
  return nullptr;
}

int heading_level(std::string_view line, std::string_view& text) {
  std::size_t n = 0;
  while (n < line.size() && line[n] == '#') ++n;
  if (n == 0 || n > 6 || n >= line.size() || line[n] != ' ') return 0;
  text = trim(line.substr(n + 1));
  return static_cast<int>(n);
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    lines.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string render_markdown(std::string_view markdown, int heading_offset) {
  std::string out;
  std::string paragraph;
  std::string open_list;  // "ul", "ol" or empty
  auto flush = [&] {
    if (!paragraph.empty()) out += "<p>" + render_inline(paragraph) + "</p>\n";
    paragraph.clear();
    if (!open_list.empty()) out += "</" + open_list + ">\n";
    open_list.clear();
  };
  auto lines = split_lines(markdown);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto line = trim(lines[i]);
    std::string_view text;
    if (line.substr(0, 3) == "```") {
      flush();
      std::string code;
      for (++i; i < lines.size() && trim(lines[i]).substr(0, 3) != "```"; ++i) {
        code += std::string(lines[i]) + "\n";
      }
      out += "<pre><code>" + escape_html(code) + "</code></pre>\n";
    } else if (line.empty()) {
      flush();
    } else if (int level = heading_level(line, text); level > 0) {
      flush();
      auto h = std::to_string(std::clamp(level + heading_offset, 1, 6));
      out += "<h" + h + ">" + render_inline(text) + "</h" + h + ">\n";
    } else if (const char* kind = list_kind(line, text); kind && paragraph.empty()) {
      if (open_list != kind) flush();
      if (open_list.empty()) out += std::string("<") + kind + ">\n";
      open_list = kind;
      out += "<li>" + render_inline(text) + "</li>\n";
    } else {
      if (!open_list.empty()) flush();
      if (!paragraph.empty()) paragraph += ' ';
      paragraph += line;
    }
  }
  flush();
  return out;
}

}  // namespace atelier::web
