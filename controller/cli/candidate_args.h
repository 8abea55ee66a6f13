// --candidates of `atelier session create`: a file read as the new-session page reads its list,
// or "a,b,c" on the command line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace atelier::cli {

struct CandidateArg {
  std::vector<std::string> ids;
  std::map<std::string, std::string> display_names;  // id -> the name people read
};

// A file: one candidate a line, "id[,display name]", a CSV with a header line, '#' comment lines
// (api::parse_candidate_list). Otherwise "a,b,c" (ids only; spaces also separate). The ids are
// the session service's to validate. kInvalidArgument when no candidate is named.
Result<CandidateArg> read_candidates(const std::string& arg);

}  // namespace atelier::cli
