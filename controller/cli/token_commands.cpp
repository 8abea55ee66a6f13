// `atelier token create` (see token_commands.h): through store::Store's public API only.
#include "controller/cli/token_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>
#include <optional>

#include "controller/cli/commands.h"
#include "controller/sessions/model.h"
#include "controller/store/store.h"

namespace atelier::cli {
namespace po = boost::program_options;

int token_create(const std::vector<std::string>& args) {
  std::string state_dir, role_text, session, candidate, label, output;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "state-dir", po::value(&state_dir)->default_value("/var/lib/atelier"), "atelierd's state directory")(
      "role", po::value(&role_text), "trainer, evaluator or candidate")(
      "session", po::value(&session), "limit the token to this session (required for candidates)")(
      "candidate", po::value(&candidate), "the candidate a candidate token belongs to")(
      "label", po::value(&label), "a note kept with the token (who it is for)")(
      "output", po::value(&output)->default_value("text"), "text (the token alone) or json");
  const char* usage =
      "usage: atelier token create --role trainer|evaluator|candidate [--session S --candidate C]\n"
      "                            [--state-dir DIR] [--label TEXT] [--output text|json]\n"
      "Creates an API token in the store of DIR and prints it. Only its hash is kept: save it.\n\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier token create: " << e.what() << "\n" << usage << opts;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  auto role = sessions::parse_role(role_text);
  if (!role) {
    std::cerr << "atelier token create: --role must be trainer, evaluator or candidate\n";
    return kExitInvalid;
  }
  if (output != "text" && output != "json") {
    std::cerr << "atelier token create: --output must be text or json\n";
    return kExitInvalid;
  }
  auto opened = store::Store::open(state_dir);
  if (!opened.ok()) {
    std::cerr << "atelier token create: " << opened.error().to_string() << "\n";
    return kExitFailure;
  }
  std::optional<std::string> s = session.empty() ? std::nullopt : std::optional(session);
  std::optional<std::string> c = candidate.empty() ? std::nullopt : std::optional(candidate);
  auto token = opened->create_token(*role, s, c, label, sessions::Clock::now(), "cli");
  if (!token.ok()) {
    std::cerr << "atelier token create: " << token.error().to_string() << "\n";
    return token.error().code() == ErrorCode::kInvalidArgument || token.error().code() == ErrorCode::kNotFound
               ? kExitInvalid
               : kExitFailure;
  }
  // Said on stderr so that a mistyped --state-dir (a new, empty store) is noticed.
  std::cerr << "atelier token create: " << role_text << " token stored in "
            << store::Store::database_path(state_dir).string() << "\n";
  if (output == "json") {
    boost::json::object o{{"token", *token},
                          {"id", store::sha256_hex(*token).substr(0, 12)},
                          {"role", sessions::to_string(*role)},
                          {"session", s ? boost::json::value(*s) : nullptr},
                          {"candidate", c ? boost::json::value(*c) : nullptr}};
    std::cout << boost::json::serialize(o) << "\n";
  } else {
    std::cout << *token << "\n";
  }
  return kExitOk;
}

}  // namespace atelier::cli
