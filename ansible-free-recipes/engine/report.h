// Reports of a run for people (a per-step table, diffs, the summary line) and for programs (JSON).
#pragma once

#include <string>
#include <vector>

#include "ansible-free-recipes/engine/engine.h"

namespace atelier::recipes {

// One table per host, then "HOST: ok=N changed=N failed=N skipped=N"; diffs under changed steps
// when show_diff.
std::string render_text(const std::vector<HostReport>& reports, bool show_diff);
// {"hosts":[{"target","error","facts","steps":[{name,op,handler,status,message,diff,ms}],"summary"}],"summary"}
std::string render_json(const std::vector<HostReport>& reports);

}  // namespace atelier::recipes
