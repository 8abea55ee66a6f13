// --candidates of `atelier session create` (see candidate_args.h).
#include "controller/cli/candidate_args.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/api/candidate_list.h"

namespace atelier::cli {

namespace fs = std::filesystem;

Result<CandidateArg> read_candidates(const std::string& arg) {
  CandidateArg out;
  if (fs::is_regular_file(arg)) {
    std::ifstream in(arg);
    std::ostringstream all;
    all << in.rdbuf();
    for (auto& c : api::parse_candidate_list(all.str())) {
      if (!c.display.empty()) out.display_names[c.id] = std::move(c.display);
      out.ids.push_back(std::move(c.id));
    }
  } else {
    std::string current;
    for (char ch : arg + ",") {
      if (ch == ',' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
        if (!current.empty()) out.ids.push_back(current);
        current.clear();
        continue;
      }
      current.push_back(ch);
    }
  }
  if (out.ids.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--candidates \"" + arg +
                     "\" names no candidate; give a,b,c or a file with one candidate a line "
                     "(id or id,display name)");
  }
  return out;
}

}  // namespace atelier::cli
