// `atelier results ...`: the evaluators' commands. `atelier results SESSION` exports a session's
// graded results through atelierd's API; annotate, override and collect are the evaluator's
// actions (docs/evaluator-guide.md). Server and token: --server/--token, else ATELIER_SERVER
// (or ATELIER_URL) and ATELIER_TOKEN, else ~/.config/atelier/cli.yaml (`server:`, `token:`).
// `render` works offline from a results-input JSON file with the same renderers.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// atelier results render --input FILE --format csv|json|junit|html|grid [--candidate C] [--out
// FILE]
//                        [--lang fr|en] [--now TIME] [--bom] [--lab PATH [--recipes DIR]]
int results_render(const std::vector<std::string>& args);

// atelier results SESSION --format csv|json|junit|html|grid [--candidate C] [--out FILE]
//                 [--lang fr|en] [--bom]
int results_export(const std::vector<std::string>& args);
// atelier results annotate SESSION CANDIDATE --text TEXT [--task T [--result ID]]
int results_annotate(const std::vector<std::string>& args);
// atelier results override SESSION CANDIDATE TASK --points N --justification TEXT
int results_override(const std::vector<std::string>& args);
// atelier results collect SESSION
int results_collect(const std::vector<std::string>& args);

}  // namespace atelier::cli
