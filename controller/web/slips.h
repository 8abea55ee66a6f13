// The trainer's printable sheet of access-code slips: one slip per candidate, to cut out and
// hand over (the address to open, the candidate's name, the code; French, English under it).
#pragma once

#include <string>
#include <vector>

namespace atelier::web {

struct CodeSlip {
  std::string candidate;
  std::string code;  // "7KQ-M4F-2XP"
};

// A whole HTML document (inline print stylesheet: it is printed, not served); every value escaped.
std::string render_code_slips(const std::string& address, const std::string& session,
                              const std::vector<CodeSlip>& slips);

}  // namespace atelier::web
