// `atelier session create|list|status|destroy`: a trainer's commands, talking to atelierd's
// HTTP API (docs/api.md). Server and token come from --server/--token, else ATELIER_SERVER
// (or ATELIER_URL) and ATELIER_TOKEN, else ~/.config/atelier/cli.yaml (`server:`, `token:`).
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

int session_create(const std::vector<std::string>& args);
int session_list(const std::vector<std::string>& args);
int session_status(const std::vector<std::string>& args);
int session_destroy(const std::vector<std::string>& args);

}  // namespace atelier::cli
