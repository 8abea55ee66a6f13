// `atelier token create` (see token_commands.h): through store::Store's public API only;
// `atelier token list|revoke` through atelierd's API.
#include "controller/cli/token_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <chrono>
#include <iostream>
#include <optional>

#include "controller/api/http_types.h"
#include "controller/cli/commands.h"
#include "controller/cli/session_commands.h"
#include "controller/sessions/model.h"
#include "controller/store/store.h"

namespace atelier::cli {
namespace po = boost::program_options;

namespace {

// --expires as given, else the default: kDefaultTokenLifetime, none for a candidate token (it
// ends with its session).
Result<std::optional<std::chrono::seconds>> lifetime_of(sessions::Role role,
                                                        const std::string& expires) {
  if (!expires.empty()) return store::parse_token_lifetime(expires);
  if (role == sessions::Role::kCandidate) return std::optional<std::chrono::seconds>();
  return std::optional<std::chrono::seconds>(store::kDefaultTokenLifetime);
}

}  // namespace

int token_create(const std::vector<std::string>& args) {
  std::string state_dir, role_text, session, candidate, label, output, expires;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "state-dir", po::value(&state_dir)->default_value("/var/lib/atelier"),
      "atelierd's state directory")("role", po::value(&role_text),
                                    "trainer, evaluator or candidate")(
      "session", po::value(&session), "limit the token to this session (required for candidates)")(
      "candidate", po::value(&candidate), "the candidate a candidate token belongs to")(
      "label", po::value(&label), "a note kept with the token (who it is for)")(
      "expires", po::value(&expires),
      "lifetime: 90d, 12h, 30m or never (default: 90d; a candidate token ends with its session)")(
      "output", po::value(&output)->default_value("text"), "text (the token alone) or json");
  const char* usage =
      "usage: atelier token create --role trainer|evaluator|candidate [--session S --candidate C]\n"
      "                            [--state-dir DIR] [--label TEXT] [--expires 90d|12h|never]\n"
      "                            [--output text|json]\n"
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
  auto lifetime = lifetime_of(*role, expires);
  if (!lifetime.ok()) {
    std::cerr << "atelier token create: --expires: " << lifetime.error().message() << "\n";
    return kExitInvalid;
  }
  auto opened = store::Store::open(state_dir);
  if (!opened.ok()) {
    std::cerr << "atelier token create: " << opened.error().to_string() << "\n";
    return kExitFailure;
  }
  std::optional<std::string> s = session.empty() ? std::nullopt : std::optional(session);
  std::optional<std::string> c = candidate.empty() ? std::nullopt : std::optional(candidate);
  const auto now = sessions::Clock::now();
  std::optional<sessions::TimePoint> ends;
  if (*lifetime) ends = now + **lifetime;
  auto token = opened->create_token(*role, s, c, label, now, "cli", ends);
  if (!token.ok()) {
    std::cerr << "atelier token create: " << token.error().to_string() << "\n";
    return token.error().code() == ErrorCode::kInvalidArgument ||
                   token.error().code() == ErrorCode::kNotFound
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
                          {"candidate", c ? boost::json::value(*c) : nullptr},
                          {"expires_at", ends ? boost::json::value(api::iso8601(*ends)) : nullptr}};
    std::cout << boost::json::serialize(o) << "\n";
  } else {
    std::cout << *token << "\n";
  }
  return kExitOk;
}

int token_list(const std::vector<std::string>& args) {
  const std::string name = "token list";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help");
  add_client_options(opts);
  const std::string usage =
      "usage: atelier token list [--output text|json]\n"
      "Lists the tokens that are neither revoked nor expired (ids, never secrets). A trainer "
      "token\n"
      "limited to a session sees that session's tokens only.\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, {}, usage, vm)) return *code;
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  Answer a = call(name, *client, "GET", "/tokens");
  if (a.exit != kExitOk) return a.exit;
  if (vm["output"].as<std::string>() == "json") {
    std::cout << boost::json::serialize(a.body) << "\n";
    return kExitOk;
  }
  auto pad = [](const std::string& text, std::size_t width) {
    return text + std::string(text.size() < width ? width - text.size() : 1, ' ');
  };
  std::cout << pad("ID", 14) << pad("ROLE", 11) << pad("SESSION/CANDIDATE", 26)
            << pad("EXPIRES", 22) << "LABEL\n";
  for (const auto& t : a.body.at("tokens").as_array()) {
    std::string scope = str(t.at("session"));
    if (!t.at("candidate").is_null()) scope += "/" + str(t.at("candidate"));
    const std::string role = str(t.at("role"));
    std::string expires = t.at("expires_at").is_null()
                              ? (role == "candidate" ? "with session" : "never")
                              : str(t.at("expires_at"));
    std::cout << pad(str(t.at("id")), 14) << pad(role, 11) << pad(scope, 26) << pad(expires, 22)
              << str(t.at("label")) << "\n";
  }
  return kExitOk;
}

int token_revoke(const std::vector<std::string>& args) {
  const std::string name = "token revoke";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("id", po::value<std::string>(),
                                                 "the token's id (positional)");
  add_client_options(opts);
  po::positional_options_description pos;
  pos.add("id", 1);
  const std::string usage =
      "usage: atelier token revoke ID [--output text|json]\n"
      "Revokes the token with this id (`atelier token list` shows them): it gets 401 from now "
      "on.\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("id")) {
    std::cerr << "atelier " << name << ": give the token's ID\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  const std::string id = vm["id"].as<std::string>();
  Answer a = call(name, *client, "DELETE", "/tokens/" + id);
  if (a.exit != kExitOk) return a.exit;
  if (vm["output"].as<std::string>() == "json") {
    std::cout << boost::json::serialize(a.body) << "\n";
  } else {
    std::cout << "token " << id << " revoked\n";
  }
  return kExitOk;
}

}  // namespace atelier::cli
