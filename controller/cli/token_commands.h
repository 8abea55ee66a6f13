// `atelier token create`: makes an API token by writing to the store directly (the bootstrap:
// the first trainer token cannot come from the API). Prints the secret once.
// `atelier token list|revoke`: a trainer's view of the valid tokens, over atelierd's API.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int token_create(const std::vector<std::string>& args);
int token_list(const std::vector<std::string>& args);
int token_revoke(const std::vector<std::string>& args);

}  // namespace atelier::cli
