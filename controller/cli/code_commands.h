// `atelier session codes SESSION [--format text|html] [--regenerate CANDIDATE]`: the candidates'
// access codes (text, or an HTML sheet of slips to print and cut), and a trainer's regeneration.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int session_codes(const std::vector<std::string>& args);

}  // namespace atelier::cli
