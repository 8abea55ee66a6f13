// `atelier recipe apply|validate`: parses options, wires the transports and the engine, prints
// the per-step table (or JSON) and the summary line.
#include "controller/cli/recipe_commands.h"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "ansible-free-recipes/engine/engine.h"
#include "ansible-free-recipes/engine/loader.h"
#include "ansible-free-recipes/engine/report.h"
#include "ansible-free-recipes/transport/target.h"
#include "controller/cli/commands.h"

namespace po = boost::program_options;

namespace atelier::cli {

namespace {

// The --target hosts with the ssh options they share (--host-key, --password-file, --known-hosts,
// --identity, --connect-timeout), appended to `hosts`. Prints what is wrong and returns the exit
// code when an option cannot be used; kExitOk otherwise.
int recipe_targets(const po::variables_map& vm, std::vector<recipes::HostTarget>& hosts) {
  transport::HostKeyPolicy policy;
  const std::string host_key = vm["host-key"].as<std::string>();
  if (host_key == "strict")
    policy = transport::HostKeyPolicy::kStrict;
  else if (host_key == "accept-new")
    policy = transport::HostKeyPolicy::kAcceptNew;
  else {
    std::cerr << "atelier recipe apply: --host-key is strict or accept-new\n";
    return kExitInvalid;
  }
  std::optional<std::string> password;
  if (vm.count("password-file")) {
    std::ifstream in(vm["password-file"].as<std::string>());
    std::string line;
    if (!in || !std::getline(in, line)) {
      std::cerr << "atelier recipe apply: cannot read the password file "
                << vm["password-file"].as<std::string>() << "\n";
      return kExitFailure;
    }
    password = line;
  }
  std::string known_hosts;
  if (vm.count("known-hosts")) {
    known_hosts = vm["known-hosts"].as<std::string>();
  } else {
    const char* home = std::getenv("HOME");
    known_hosts = std::string(home ? home : "/root") + "/.ssh/known_hosts";
  }

  for (const auto& text : vm["target"].as<std::vector<std::string>>()) {
    auto spec = transport::parse_target(text);
    if (!spec.ok()) {
      std::cerr << "atelier recipe apply: " << spec.error().message() << "\n";
      return kExitInvalid;
    }
    spec->ssh.identity_file =
        vm.count("identity") ? std::optional(vm["identity"].as<std::string>()) : std::nullopt;
    spec->ssh.password = password;
    spec->ssh.known_hosts_file = known_hosts;
    spec->ssh.host_key_policy = policy;
    spec->ssh.connect_timeout = std::chrono::seconds(vm["connect-timeout"].as<int>());
    transport::TargetSpec copy = *spec;
    hosts.push_back({text, [copy] { return transport::open_transport(copy); }});
  }
  return kExitOk;
}

// The --var name=value pairs into `vars`; false (after saying which) on one without a name.
bool parse_vars(const po::variables_map& vm, std::map<std::string, std::string>& vars) {
  if (!vm.count("var")) return true;
  for (const auto& kv : vm["var"].as<std::vector<std::string>>()) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "atelier recipe apply: --var takes name=value, got '" << kv << "'\n";
      return false;
    }
    vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return true;
}

}  // namespace

int recipe_apply(const std::vector<std::string>& args) {
  po::options_description opts("atelier recipe apply RECIPE --target TARGET [options]");
  opts.add_options()("help,h", "this help")(
      "target,t", po::value<std::vector<std::string>>(),
      "ssh://user@host[:port], chroot:///folder or local; repeat for many hosts")(
      "identity,i", po::value<std::string>(), "private key file for ssh")(
      "password-file", po::value<std::string>(), "file whose first line is the ssh password")(
      "known-hosts", po::value<std::string>(), "known_hosts file (default ~/.ssh/known_hosts)")(
      "host-key", po::value<std::string>()->default_value("accept-new"),
      "host-key policy: accept-new or strict")(
      "connect-timeout", po::value<int>()->default_value(10), "seconds to connect")(
      "dry-run,n", "report what would change, change nothing")(
      "var,e", po::value<std::vector<std::string>>(), "parameter value k=v (repeatable)")(
      "parallel,p", po::value<size_t>()->default_value(4), "hosts at once")(
      "diff", "show diffs under changed steps (text output)")(
      "output,o", po::value<std::string>()->default_value("text"), "text or json");
  po::options_description hidden;
  hidden.add_options()("recipe", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("recipe", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier recipe apply: " << e.what() << "\n" << opts;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (!vm.count("recipe") || !vm.count("target")) {
    std::cerr << "atelier recipe apply: give a recipe file and at least one --target\n" << opts;
    return kExitInvalid;
  }
  const std::string output = vm["output"].as<std::string>();
  if (output != "text" && output != "json") {
    std::cerr << "atelier recipe apply: --output is text or json\n";
    return kExitInvalid;
  }
  auto recipe = recipes::load_recipe_file(vm["recipe"].as<std::string>());
  if (!recipe.ok()) {
    std::cerr << recipe.error().message() << "\n";
    return recipe.error().code() == ErrorCode::kNotFound ? kExitFailure : kExitInvalid;
  }
  std::map<std::string, std::string> vars;
  if (!parse_vars(vm, vars)) return kExitInvalid;
  auto params = recipes::bind_params(*recipe, vars);
  if (!params.ok()) {
    std::cerr << params.error().message() << "\n";
    return kExitInvalid;
  }

  std::vector<recipes::HostTarget> hosts;
  if (int rc = recipe_targets(vm, hosts); rc != kExitOk) return rc;
  recipes::RunOptions run;
  run.dry_run = vm.count("dry-run") > 0;
  run.params = std::move(params).value();
  auto reports =
      recipes::run_on_hosts(*recipe, hosts, run, std::max<size_t>(1, vm["parallel"].as<size_t>()));
  if (output == "json")
    std::cout << recipes::render_json(reports);
  else
    std::cout << recipes::render_text(reports, vm.count("diff") > 0 || run.dry_run);
  for (const auto& h : reports) {
    if (h.failed()) return kExitFailure;
  }
  return kExitOk;
}

int recipe_validate(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "atelier recipe validate FILE...: load and check recipe files; errors as "
                 "FILE:LINE:COL: error: ...\n";
    return args.empty() ? kExitInvalid : kExitOk;
  }
  int rc = kExitOk;
  for (const auto& f : args) {
    auto r = recipes::load_recipe_file(f);
    if (!r.ok()) {
      std::cerr << r.error().message() << "\n";
      rc = kExitInvalid;
    } else {
      std::cout << f << ": ok (recipe " << r->id << ", " << r->steps.size() << " steps, "
                << r->handlers.size() << " handlers)\n";
    }
  }
  return rc;
}

}  // namespace atelier::cli
