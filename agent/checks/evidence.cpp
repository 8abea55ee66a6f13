// Evidence text helpers shared by every executor; compiled into the agent library and into
// the probe module (which cannot call back into the executable).
#include "agent/checks/check.h"

namespace atelier::agent {

std::string quote(std::string_view text, std::size_t max) {
  std::string out = "\"";
  std::string_view shown = text.substr(0, max);
  for (char ch : shown) {
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '"') {
      out += "\\\"";
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += '?';
    } else {
      out += ch;
    }
  }
  out += "\"";
  if (text.size() > max) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace atelier::agent
