// The `atelier` command line: one table of commands (group + verb), each a function that parses
// its own options. Exit codes: 0 success, 1 failure of the environment, 2 invalid input or usage.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInvalid = 2;

// args are the words after "atelier GROUP VERB".
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* group;    // "lab"
  const char* verb;     // "validate"
  const char* summary;  // one line for `atelier --help`
  CommandFn run;
};

}  // namespace atelier::cli
