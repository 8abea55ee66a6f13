// `atelier lab ...`: validate lab files and show a lab resolved for one candidate.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// atelier lab validate PATH... [--recipes DIR]
int lab_validate(const std::vector<std::string>& args);
// atelier lab show PATH --candidate NAME --seed N [--output json|text] [--recipes DIR]
int lab_show(const std::vector<std::string>& args);

}  // namespace atelier::cli
