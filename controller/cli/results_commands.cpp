// `atelier results render`: grade a results-input JSON file and print one export. The wall
// clock is read here, at the edge (or taken from --now for reproducible output).
#include "controller/cli/results_commands.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "common/lab/loader.h"
#include "controller/cli/commands.h"
#include "controller/grading/export.h"
#include "controller/grading/grade.h"
#include "controller/grading/json.h"

namespace atelier::cli {

namespace po = boost::program_options;

int results_render(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "input,i", po::value<std::string>(), "results-input JSON file (format atelier.results-input/1); - for stdin")(
      "format,f", po::value<std::string>(), "csv, json, junit, html or grid (a text table)")(
      "candidate,c", po::value<std::string>(), "only this candidate (html: the report's candidate)")(
      "out,o", po::value<std::string>(), "write to this file instead of stdout")(
      "lang", po::value<std::string>()->default_value("fr"), "html labels and first titles: fr or en")(
      "now", po::value<std::string>(), "grade as of this UTC time (2026-11-30T10:00:00Z) instead of the clock")(
      "bom", "csv: start with a UTF-8 byte order mark (for spreadsheets that need it)")(
      "lab", po::value<std::string>(), "take the tasks from this lab (folder or lab.yaml) instead of the file's \"lab\"")(
      "recipes", po::value<std::string>(), "with --lab: the recipes folder (default: found above the lab)");
  const char* usage =
      "usage: atelier results render --input FILE --format csv|json|junit|html|grid\n"
      "                              [--candidate C] [--out FILE] [--lang fr|en] [--now TIME] [--bom] [--lab PATH]\n"
      "Grades the check runs, overrides and freeze in FILE and prints one export: CSV (a row\n"
      "per candidate x task), JSON (everything), JUnit XML (a test case per check) or the\n"
      "printable HTML report of one candidate. docs/evaluator-guide.md describes the file and\n"
      "the columns. Exit 0: written; 2: invalid input or options; 1: a file could not be read\n"
      "or written.\n\n";
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier results render: " << e.what() << "\n" << usage << opts;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  if (!vm.count("input") || !vm.count("format")) {
    std::cerr << "atelier results render: --input and --format are required\n" << usage << opts;
    return kExitInvalid;
  }
  const auto format = grading::parse_format(vm["format"].as<std::string>());
  if (!format) {
    std::cerr << "atelier results render: --format must be csv, json, junit, html or grid, not \""
              << vm["format"].as<std::string>() << "\"\n";
    return kExitInvalid;
  }
  grading::ExportOptions options;
  const auto lang = grading::parse_language(vm["lang"].as<std::string>());
  if (!lang) {
    std::cerr << "atelier results render: --lang must be fr or en\n";
    return kExitInvalid;
  }
  options.language = *lang;
  options.csv_bom = vm.count("bom") > 0;
  if (vm.count("candidate")) options.candidate = vm["candidate"].as<std::string>();
  grading::TimePoint now = grading::Clock::now();
  if (vm.count("now")) {
    auto t = grading::time_from_json(vm["now"].as<std::string>());
    if (!t) {
      std::cerr << "atelier results render: --now must be a UTC time like 2026-11-30T10:00:00Z\n";
      return kExitInvalid;
    }
    now = *t;
  }

  const std::string input_path = vm["input"].as<std::string>();
  std::string text;
  if (input_path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(input_path, std::ios::binary);
    if (!in) {
      std::cerr << "atelier results render: cannot read " << input_path << "\n";
      return kExitFailure;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  std::optional<grading::LabSpec> lab_spec;
  if (vm.count("lab")) {
    lab::LoadOptions load_options;
    if (vm.count("recipes")) load_options.recipes_root = vm["recipes"].as<std::string>();
    auto report = lab::load_lab_report(vm["lab"].as<std::string>(), load_options);
    if (!report.ok()) {
      std::cerr << report.to_string();
      return report.io_failure ? kExitFailure : kExitInvalid;
    }
    lab_spec = grading::lab_spec_from_lab(*report.lab);
  }
  auto input = grading::session_input_from_json_text(text, lab_spec ? &*lab_spec : nullptr);
  if (!input) {
    std::cerr << "atelier results render: " << input_path << ": " << input.error().to_string() << "\n";
    return kExitInvalid;
  }
  if (*format == grading::Format::kHtml && !options.candidate && input->candidates.size() == 1) {
    options.candidate = input->candidates[0].candidate;
  }
  auto catalog = grading::builtin_competency_catalog();
  if (!catalog) {
    std::cerr << "atelier results render: " << catalog.error().to_string() << "\n";
    return kExitFailure;
  }
  auto grades = grading::grade_session(*input, *catalog, now);
  if (!grades) {
    std::cerr << "atelier results render: " << input_path << ": " << grades.error().to_string() << "\n";
    return kExitInvalid;
  }
  auto out = grading::render(*grades, *format, options);
  if (!out) {
    std::cerr << "atelier results render: " << out.error().to_string() << "\n";
    return kExitInvalid;
  }
  if (vm.count("out")) {
    const std::string path = vm["out"].as<std::string>();
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << *out;
    file.close();
    if (!file) {
      std::cerr << "atelier results render: cannot write " << path << "\n";
      return kExitFailure;
    }
  } else {
    std::cout << *out;
    std::cout.flush();
  }
  return kExitOk;
}

}  // namespace atelier::cli
