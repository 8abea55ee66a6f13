// `atelier user ...` (see user_commands.h): through store::Store's public API only. The password
// is read from stdin: prompted without echo on a terminal, else the first line (scripts).
#include "controller/cli/user_commands.h"

#include <termios.h>
#include <unistd.h>
#include <boost/program_options.hpp>

#include <iostream>
#include <optional>

#include "controller/cli/commands.h"
#include "controller/sessions/model.h"
#include "controller/store/password.h"
#include "controller/store/store.h"

namespace atelier::cli {
namespace po = boost::program_options;

namespace {

struct Parsed {
  po::variables_map vm;
  std::string state_dir;
  std::string name;
};

// Parses NAME and --state-dir plus `extra`; nullopt after printing help or an error (`exit`).
std::optional<Parsed> parse_user_args(const std::string& verb, const std::vector<std::string>& args,
                                      const po::options_description& extra,
                                      const std::string& usage, int& exit, bool needs_name = true) {
  Parsed p;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "state-dir", po::value(&p.state_dir)->default_value("/var/lib/atelier"),
      "atelierd's state directory")("name", po::value(&p.name), "the account's name (positional)");
  opts.add(extra);
  po::positional_options_description pos;
  pos.add("name", 1);
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), p.vm);
    po::notify(p.vm);
  } catch (const po::error& e) {
    std::cerr << "atelier user " << verb << ": " << e.what() << "\n" << usage << opts;
    exit = kExitInvalid;
    return std::nullopt;
  }
  if (p.vm.count("help")) {
    std::cout << usage << opts;
    exit = kExitOk;
    return std::nullopt;
  }
  if (needs_name && p.name.empty()) {
    std::cerr << "atelier user " << verb << ": give the account's NAME\n" << usage << opts;
    exit = kExitInvalid;
    return std::nullopt;
  }
  return p;
}

// One line of stdin; on a terminal, prompted twice without echo and compared.
std::optional<std::string> read_password(const std::string& verb) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  auto line = [&](const char* prompt) -> std::optional<std::string> {
    termios old{};
    if (tty) {
      std::cerr << prompt << std::flush;
      tcgetattr(STDIN_FILENO, &old);
      termios quiet = old;
      quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string text;
    bool got = static_cast<bool>(std::getline(std::cin, text));
    if (tty) {
      tcsetattr(STDIN_FILENO, TCSANOW, &old);
      std::cerr << "\n";
    }
    if (!got) return std::nullopt;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
  };
  auto first = line("password: ");
  if (!first) {
    std::cerr << "atelier user " << verb << ": no password on stdin\n";
    return std::nullopt;
  }
  if (first->size() < store::kMinPasswordLength) {
    std::cerr << "atelier user " << verb << ": the password needs at least "
              << store::kMinPasswordLength << " characters\n";
    return std::nullopt;
  }
  if (tty) {
    auto again = line("again: ");
    if (!again || *again != *first) {
      std::cerr << "atelier user " << verb << ": the two passwords differ\n";
      return std::nullopt;
    }
  }
  return first;
}

int report(const std::string& verb, const Error& e) {
  std::cerr << "atelier user " << verb << ": " << e.to_string() << "\n";
  return e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kNotFound ||
                 e.code() == ErrorCode::kAlreadyExists
             ? kExitInvalid
             : kExitFailure;
}

store::AuditEntry audit(std::string action, const std::string& name, std::string detail = "") {
  return {0, store::Clock::now(), "cli", std::move(action), "user " + name, std::move(detail)};
}

}  // namespace

int user_create(const std::vector<std::string>& args) {
  std::string role_text, session;
  po::options_description extra("create");
  extra.add_options()("role", po::value(&role_text), "trainer or evaluator")(
      "session", po::value(&session), "limit the account to this session");
  const std::string usage =
      "usage: atelier user create NAME --role trainer|evaluator [--session S] [--state-dir DIR]\n"
      "Creates an account for the pages (/staff/login). The password is read from stdin (prompted\n"
      "without echo on a terminal), at least 10 characters; only its scrypt hash is kept.\n\n";
  int exit = kExitOk;
  auto p = parse_user_args("create", args, extra, usage, exit);
  if (!p) return exit;
  auto role = sessions::parse_role(role_text);
  if (!role || *role == sessions::Role::kCandidate) {
    std::cerr << "atelier user create: --role must be trainer or evaluator\n";
    return kExitInvalid;
  }
  if (!store::valid_user_name(p->name)) {
    return report(
        "create",
        Error(ErrorCode::kInvalidArgument,
              "the name may hold lowercase letters, digits, '.', '_' and '-' (at most 32)"));
  }
  auto password = read_password("create");
  if (!password) return kExitInvalid;
  auto hash = store::hash_password(*password);
  if (!hash.ok()) return report("create", hash.error());
  auto opened = store::Store::open(p->state_dir);
  if (!opened.ok()) return report("create", opened.error());
  std::optional<std::string> scope = session.empty() ? std::nullopt : std::optional(session);
  store::UserRecord user{p->name, *role, scope, false, store::Clock::now()};
  Status made = opened->create_user(
      user, *hash,
      audit("user.create", p->name, role_text + (scope ? " limited to session " + *scope : "")));
  if (!made.ok()) return report("create", made.error());
  std::cerr << "atelier user create: " << role_text << " " << p->name << " stored in "
            << store::Store::database_path(p->state_dir).string() << "\n";
  return kExitOk;
}

int user_passwd(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: atelier user passwd NAME [--state-dir DIR]\n"
      "Sets a new password (read from stdin) and ends the account's open browser sessions.\n\n";
  int exit = kExitOk;
  auto p = parse_user_args("passwd", args, po::options_description("passwd"), usage, exit);
  if (!p) return exit;
  auto password = read_password("passwd");
  if (!password) return kExitInvalid;
  auto hash = store::hash_password(*password);
  if (!hash.ok()) return report("passwd", hash.error());
  auto opened = store::Store::open(p->state_dir);
  if (!opened.ok()) return report("passwd", opened.error());
  Status set = opened->set_user_password(p->name, *hash, audit("user.passwd", p->name));
  if (!set.ok()) return report("passwd", set.error());
  std::cout << "password of " << p->name << " changed\n";
  return kExitOk;
}

int user_disable(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: atelier user disable NAME [--state-dir DIR]\n"
      "Disables the account: it can no longer sign in, and its open browser sessions end at "
      "once.\n\n";
  int exit = kExitOk;
  auto p = parse_user_args("disable", args, po::options_description("disable"), usage, exit);
  if (!p) return exit;
  auto opened = store::Store::open(p->state_dir);
  if (!opened.ok()) return report("disable", opened.error());
  Status done = opened->disable_user(p->name, audit("user.disable", p->name));
  if (!done.ok()) return report("disable", done.error());
  std::cout << "user " << p->name << " disabled\n";
  return kExitOk;
}

int user_list(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: atelier user list [--state-dir DIR]\nLists the accounts (never passwords).\n\n";
  int exit = kExitOk;
  auto p = parse_user_args("list", args, po::options_description("list"), usage, exit, false);
  if (!p) return exit;
  auto opened = store::Store::open(p->state_dir);
  if (!opened.ok()) return report("list", opened.error());
  auto users = opened->list_users();
  if (!users.ok()) return report("list", users.error());
  auto pad = [](const std::string& text, std::size_t width) {
    return text + std::string(text.size() < width ? width - text.size() : 1, ' ');
  };
  std::cout << pad("NAME", 20) << pad("ROLE", 11) << pad("SESSION", 26) << "STATE\n";
  for (const auto& u : *users) {
    std::cout << pad(u.name, 20) << pad(std::string(sessions::to_string(u.role)), 11)
              << pad(u.session.value_or("all"), 26) << (u.disabled ? "disabled" : "active") << "\n";
  }
  return kExitOk;
}

}  // namespace atelier::cli
