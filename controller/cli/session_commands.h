// `atelier session create|list|status|destroy`: a trainer's commands, talking to atelierd's
// HTTP API (docs/api.md). Server and token come from --server/--token, else ATELIER_SERVER
// (or ATELIER_URL) and ATELIER_TOKEN, else ~/.config/atelier/cli.yaml (`server:`, `token:`).
#pragma once

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/api/http_types.h"

namespace atelier::cli {

// ---- shared by the client commands (session, action and results commands) ----

// What the process environment says, read once at the command's entry and passed down.
struct Environment {
  std::string server;  // ATELIER_SERVER, else ATELIER_URL
  std::string token;   // ATELIER_TOKEN
  std::filesystem::path
      config_file;  // $XDG_CONFIG_HOME/atelier/cli.yaml or ~/.config/atelier/cli.yaml
};
Environment read_environment();

struct Client {
  std::string server;
  std::string token;
  std::string ca_file;  // https: the CA to trust (else the system's)
};
// Flags win over the environment, which wins over the config file.
Result<Client> resolve_client(const boost::program_options::variables_map& vm,
                              const Environment& env);
// resolve_client for a command: on error prints "atelier NAME: <error>" and gives nullopt (the
// caller exits with kExitInvalid).
std::optional<Client> client_or_report(const std::string& name,
                                       const boost::program_options::variables_map& vm,
                                       const Environment& env);
// --server, --token, --ca-file, --output text|json.
void add_client_options(boost::program_options::options_description& opts);
// Parses; returns an exit code when the command should stop (help or a usage error).
std::optional<int> parse_command_line(
    const std::string& name, const std::vector<std::string>& args,
    const boost::program_options::options_description& opts,
    const boost::program_options::positional_options_description& pos, const std::string& usage,
    boost::program_options::variables_map& vm);
// parse_command_line, and --output must be text or json.
std::optional<int> parse(const std::string& name, const std::vector<std::string>& args,
                         const boost::program_options::options_description& opts,
                         const boost::program_options::positional_options_description& pos,
                         const std::string& usage, boost::program_options::variables_map& vm);
// An API call; prints the error and gives the exit code when it fails or answers with an error
// (2 for 400/404/409/413: the caller's input; 1 otherwise).
struct Answer {
  int exit = 0;
  boost::json::value body;
};
Answer call(const std::string& name, const Client& client, const std::string& method,
            const std::string& target, const std::string& body = "");
// The same call for answers that are not JSON (CSV, HTML, XML exports): the response as it came.
struct RawAnswer {
  int exit = 0;
  api::HttpResponse response;
};
RawAnswer call_raw(const std::string& name, const Client& client, const std::string& method,
                   const std::string& target, const std::string& body = "");
// A JSON value as text: strings bare, null as "-".
std::string str(const boost::json::value& v);

// Prints the session's access codes (all, or only candidate `only`) for the web login; a failed
// call is reported on stderr and otherwise ignored.
void print_access_codes(const std::string& name, const Client& client, const std::string& session,
                        const std::string& only);

int session_create(const std::vector<std::string>& args);
int session_list(const std::vector<std::string>& args);
int session_status(const std::vector<std::string>& args);
int session_destroy(const std::vector<std::string>& args);

}  // namespace atelier::cli
