// `atelier lab prove`: proves a lab's grader on real VMs (issue 8's proof).
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int lab_prove(const std::vector<std::string>& args);

}  // namespace atelier::cli
