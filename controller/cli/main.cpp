// `atelier`: the command-line client for trainers, evaluators and lab authors.
// Dispatches "atelier GROUP VERB ..." to the command table below.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "controller/cli/action_commands.h"
#include "controller/cli/code_commands.h"
#include "controller/cli/commands.h"
#include "controller/cli/evidence_commands.h"
#include "controller/cli/image_commands.h"
#include "controller/cli/lab_commands.h"
#include "controller/cli/prove_commands.h"
#include "controller/cli/provider_commands.h"
#include "controller/cli/recipe_commands.h"
#include "controller/cli/results_commands.h"
#include "controller/cli/session_commands.h"
#include "controller/cli/token_commands.h"
#include "controller/cli/user_commands.h"

namespace atelier::cli {
namespace {

// Each command group declares its commands in its own header; list them here.
const Command kCommands[] = {
    {"version", "", "print atelier's version",
     [](const std::vector<std::string>&) {
       std::cout << "atelier " << ATELIER_VERSION << "\n";
       return kExitOk;
     }},
    {"lab", "validate", "validate lab files (errors as FILE:LINE:COL)", lab_validate},
    {"lab", "show", "show a lab resolved for one candidate", lab_show},
    {"lab", "prove", "prove a lab's grader on real VMs (fail, near-miss, solve)", lab_prove},
    {"image", "build", "build a guest image from its definition NAME.yaml (cached)", image_build},
    {"image", "show", "show where a built image is", image_show},
    {"provider", "list", "list atelier's libvirt objects (from their metadata)", provider_list},
    {"provider", "clean", "remove one session's libvirt objects now", provider_clean},
    {"results", "render", "grade a results file offline and export csv/json/junit/html",
     results_render},
    {"results", "annotate", "add an evaluator's note on a candidate, task or check result",
     results_annotate},
    {"results", "override", "replace a task's points, with a written justification",
     results_override},
    {"results", "collect", "freeze a session's results: they no longer change", results_collect},
    {"results", "bundle", "write a signed evidence archive per candidate (from the state folder)",
     results_bundle},
    {"results", "verify", "check a bundle or a signed export offline: OK, or what changed",
     results_verify},
    // After the verbs: `atelier results SESSION ...` takes any other word as the session.
    {"results", "", "export a session's graded results: csv, json, junit, html", results_export},
    {"session", "create", "start a session: a lab for a list of candidates", session_create},
    {"session", "list", "list sessions", session_list},
    {"session", "status", "show a session's candidate labs, step by step", session_status},
    {"session", "codes",
     "candidates' access codes for the web login (text, html slips); --regenerate", session_codes},
    {"session", "destroy", "mark a session destroyed (its labs are torn down)", session_destroy},
    {"lab", "reset", "bring a candidate's host (or whole lab) back to hand-over state", lab_reset},
    {"lab", "solve", "apply the lab's reference solution to a candidate's lab", lab_solve},
    {"check", "run", "run the checks of a session's ready labs now (results stored)", check_run},
    {"access", "", "how to reach a candidate's machines (console, SSH)", access_show},
    {"key", "show", "print atelierd's public signing key and its fingerprint, for the jury",
     key_show},
    {"token", "create", "make an API token in the store (bootstrap); --expires", token_create},
    {"token", "list", "list the valid tokens (ids, roles, expiry; never secrets)", token_list},
    {"token", "revoke", "revoke a token by its id: it gets 401 from now on", token_revoke},
    {"user", "create", "make an account for the pages (trainer, evaluator); password on stdin",
     user_create},
    {"user", "passwd", "set an account's password (its browser sessions end)", user_passwd},
    {"user", "disable", "disable an account: its browser sessions end at once", user_disable},
    {"user", "list", "list the accounts (names, roles, scope, state)", user_list},
    {"recipe", "apply", "apply a recipe to hosts (ssh, chroot, local); --dry-run", recipe_apply},
    {"recipe", "validate", "validate recipe files (errors as FILE:LINE:COL)", recipe_validate},
};

void print_usage(std::ostream& out) {
  out << "usage: atelier GROUP VERB [options]\n\ncommands:\n";
  for (const auto& c : kCommands) {
    std::string name = std::string(c.group) + (*c.verb ? std::string(" ") + c.verb : "");
    out << "  " << name << std::string(name.size() < 22 ? 22 - name.size() : 1, ' ') << c.summary
        << "\n";
  }
  out << "\n`atelier GROUP VERB --help` describes one command.\n";
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    print_usage(words.empty() ? std::cerr : std::cout);
    return words.empty() ? kExitInvalid : kExitOk;
  }
  for (const auto& c : kCommands) {
    if (words[0] != c.group) continue;
    if (*c.verb == '\0') return c.run({words.begin() + 1, words.end()});
    if (words.size() >= 2 && words[1] == c.verb) return c.run({words.begin() + 2, words.end()});
  }
  std::cerr << "atelier: unknown command '" << words[0] << (words.size() >= 2 ? " " + words[1] : "")
            << "'; run `atelier --help` for the list\n";
  return kExitInvalid;
}

}  // namespace atelier::cli

int main(int argc, char** argv) {
  try {
    return atelier::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "atelier: internal error: " << e.what() << "\n";
    return atelier::cli::kExitFailure;
  }
}
