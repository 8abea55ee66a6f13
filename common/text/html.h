// HTML escaping, the one copy for every page and report atelier renders (the web pages, the
// graded HTML exports).
#pragma once

#include <string>
#include <string_view>

namespace atelier::text {

// Escapes &, <, >, " and ' so the result is safe as element text and inside a quoted attribute.
std::string escape_html(std::string_view text);

}  // namespace atelier::text
