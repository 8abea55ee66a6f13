// `atelier lab reset|solve`, `atelier check run`, `atelier access`: a trainer's actions on running
// candidate labs, over atelierd's HTTP API (docs/api.md, "Actions"). Each action runs in atelierd;
// the command waits for it (unless --no-wait) and prints its outcome.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int lab_reset(const std::vector<std::string>& args);
int lab_solve(const std::vector<std::string>& args);
int check_run(const std::vector<std::string>& args);
int access_show(const std::vector<std::string>& args);

}  // namespace atelier::cli
