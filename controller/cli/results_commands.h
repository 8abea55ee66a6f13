// `atelier results ...`: evaluator exports. `render` works offline from a results-input JSON
// file (lab summary, runs, overrides, freeze); the API-backed `atelier results SESSION` comes
// with the controller's API and uses the same renderers (controller/grading/export.h).
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// atelier results render --input FILE --format csv|json|junit|html|grid [--candidate C] [--out FILE]
//                        [--lang fr|en] [--now TIME] [--bom] [--lab PATH [--recipes DIR]]
int results_render(const std::vector<std::string>& args);

}  // namespace atelier::cli
