// `atelier user create|passwd|disable|list`: people's accounts for the pages (trainers,
// evaluators), written to the store directly like `atelier token create` (run on atelierd's
// machine, as the user owning its state folder). Passwords come from stdin, never argv.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int user_create(const std::vector<std::string>& args);
int user_passwd(const std::vector<std::string>& args);
int user_disable(const std::vector<std::string>& args);
int user_list(const std::vector<std::string>& args);

}  // namespace atelier::cli
