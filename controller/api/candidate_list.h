// The candidate list of the new-session form and of `atelier session create --candidates FILE`:
// one candidate a line, "id[,display name]", or a pasted CSV (separator ',' ';' or tab, fields
// optionally in double quotes, a "name,..." header skipped). Pure: the ids it returns are validated
// by the session service, as POST /sessions's are.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace atelier::api {

struct CandidateLine {
  std::string id;       // the first field, trimmed (not validated here)
  std::string display;  // the second field, trimmed: the name people read, "" when none
};

// Blank lines and lines starting with '#' are skipped; so is a first line whose first field is a
// header word (name, nom, id, candidate, candidat) followed by a separator. Never fails: what the
// ids are worth is the session service's to say.
std::vector<CandidateLine> parse_candidate_list(std::string_view text);

}  // namespace atelier::api
