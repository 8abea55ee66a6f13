// HTML building blocks for the server-rendered pages: text and attribute escaping, and a safe
// Markdown subset for tickets. Every byte of input is escaped; no raw HTML passes through.
#pragma once

#include <string>
#include <string_view>

#include "common/text/html.h"

namespace atelier::web {

// Escapes &, <, >, " and ' (common/text/html.h, shared with the graded exports).
using text::escape_html;

// Whether url may become an href: absolute http:// or https:// only (case-insensitive scheme),
// no control characters or spaces. Relative links, javascript:, data: and the rest are refused.
bool is_safe_link(std::string_view url);

// Renders ticket Markdown to HTML. Supported: ATX headings (# to ######, shifted down by
// heading_offset so a ticket's "#" sits under the page's own headings), paragraphs, "-"/"*"
// and "1." lists (one level), fenced code blocks (```), inline `code`, **strong**, *em* and
// _em_, [text](http(s)://...) links (rel="noopener noreferrer"). Anything else is text.
std::string render_markdown(std::string_view markdown, int heading_offset = 2);

}  // namespace atelier::web
