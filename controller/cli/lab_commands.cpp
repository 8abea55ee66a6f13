// `atelier lab validate` and `atelier lab show`: thin wrappers over common/lab's loader.
#include "controller/cli/lab_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <iostream>

#include "common/lab/lab_json.h"
#include "common/lab/loader.h"
#include "common/lab/variant.h"
#include "controller/cli/commands.h"
#include "controller/cli/shipped_paths.h"

namespace atelier::cli {

namespace po = boost::program_options;

namespace {

// Parses args into vm; prints usage and returns an exit code when parsing should stop.
std::optional<int> parse(const std::vector<std::string>& args,
                         const po::options_description& visible,
                         const po::positional_options_description& positional, const char* usage,
                         po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(args).options(visible).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier: " << e.what() << "\n" << usage << visible;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << usage << visible;
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace

int lab_validate(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "recipes", po::value<std::string>(),
      "recipes folder (default: the installed or built atelier's)")(
      "path", po::value<std::vector<std::string>>(), "lab folder or lab.yaml (positional)");
  po::positional_options_description pos;
  pos.add("path", -1);
  const char* usage =
      "usage: atelier lab validate PATH... [--recipes DIR]\n"
      "Loads and validates each lab (a folder or its lab.yaml). Errors go to stderr as\n"
      "FILE:LINE:COL: error: MESSAGE; advice (a task of an exam lab graded only from the\n"
      "candidate's own hosts) as FILE:LINE:COL: warning: MESSAGE, which does not fail.\n"
      "Exit 0: all valid; 2: some lab is invalid; 1: a file could not be read.\n\n";
  po::variables_map vm;
  if (auto code = parse(args, opts, pos, usage, vm)) return *code;
  if (!vm.count("path")) {
    std::cerr << "atelier lab validate: give at least one lab PATH\n" << usage << opts;
    return kExitInvalid;
  }
  lab::LoadOptions options;
  options.recipes_root = recipes_root_or_default(
      vm.count("recipes") ? std::optional<std::string>(vm["recipes"].as<std::string>())
                          : std::nullopt);
  bool invalid = false;
  bool failed = false;
  for (const auto& path : vm["path"].as<std::vector<std::string>>()) {
    auto report = lab::load_lab_report(path, options);
    std::cerr << report.to_string();
    if (report.io_failure) {
      failed = true;
    } else if (!report.ok()) {
      invalid = true;
    } else {
      for (const auto& w : lab::grading_warnings(*report.lab)) std::cerr << w.to_string() << "\n";
      std::cout << path << ": ok (lab " << report.lab->id << ", " << report.lab->hosts.size()
                << " hosts, " << report.lab->tasks.size() << " tasks)\n";
    }
  }
  if (failed) return kExitFailure;
  return invalid ? kExitInvalid : kExitOk;
}

int lab_show(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("candidate", po::value<std::string>(),
                                                 "the candidate's name (required)")(
      "seed", po::value<std::uint64_t>(), "the session's seed (required)")(
      "output", po::value<std::string>()->default_value("text"), "json or text")(
      "recipes", po::value<std::string>(),
      "recipes folder (default: the installed or built atelier's)")(
      "path", po::value<std::string>(), "lab folder or lab.yaml (positional)");
  po::positional_options_description pos;
  pos.add("path", 1);
  const char* usage =
      "usage: atelier lab show PATH --candidate NAME --seed N [--output json|text]\n"
      "Prints the lab as one candidate gets it: variables drawn from (seed, candidate),\n"
      "every {{template}} replaced. Exit 2 when the lab is invalid.\n\n";
  po::variables_map vm;
  if (auto code = parse(args, opts, pos, usage, vm)) return *code;
  if (!vm.count("path") || !vm.count("candidate") || !vm.count("seed")) {
    std::cerr << "atelier lab show: PATH, --candidate and --seed are required\n" << usage << opts;
    return kExitInvalid;
  }
  const std::string output = vm["output"].as<std::string>();
  if (output != "json" && output != "text") {
    std::cerr << "atelier lab show: --output must be json or text\n";
    return kExitInvalid;
  }
  lab::LoadOptions options;
  options.recipes_root = recipes_root_or_default(
      vm.count("recipes") ? std::optional<std::string>(vm["recipes"].as<std::string>())
                          : std::nullopt);
  auto report = lab::load_lab_report(vm["path"].as<std::string>(), options);
  if (!report.ok()) {
    std::cerr << report.to_string();
    return report.io_failure ? kExitFailure : kExitInvalid;
  }
  auto resolved =
      lab::resolve(*report.lab, vm["candidate"].as<std::string>(), vm["seed"].as<std::uint64_t>());
  if (!resolved) {
    std::cerr << "atelier lab show: " << resolved.error().to_string() << "\n";
    return kExitInvalid;
  }
  if (output == "json") {
    std::cout << boost::json::serialize(lab::to_json(*resolved)) << "\n";
  } else {
    std::cout << lab::to_text(*resolved);
  }
  return kExitOk;
}

}  // namespace atelier::cli
