// `atelier results`: SESSION exports, annotate, override and collect through atelierd's API;
// `render` grades a results-input JSON file offline (the wall clock is read here, at the edge,
// or taken from --now for reproducible output).
#include "controller/cli/results_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "common/lab/loader.h"
#include "controller/api/http_client.h"
#include "controller/cli/commands.h"
#include "controller/cli/session_commands.h"
#include "controller/cli/shipped_paths.h"
#include "controller/evidence/detached.h"
#include "controller/grading/export.h"
#include "controller/grading/grade.h"
#include "controller/grading/json.h"

namespace atelier::cli {

namespace po = boost::program_options;

namespace {

// The results-input file's text, or standard input's for "-".
bool read_input(const std::string& path, std::string& text) {
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  text = buf.str();
  return true;
}

// --lab (and --recipes): the lab whose tasks and `scoring:` keys replace the file's. Prints the
// lab's diagnostics and returns the exit code when it cannot be loaded; kExitOk otherwise.
int load_lab_for_render(const po::variables_map& vm, std::optional<grading::LabSpec>& spec,
                        std::optional<grading::GradingPolicy>& policy) {
  lab::LoadOptions load_options;
  load_options.recipes_root = recipes_root_or_default(
      vm.count("recipes") ? std::optional<std::string>(vm["recipes"].as<std::string>())
                          : std::nullopt);
  auto report = lab::load_lab_report(vm["lab"].as<std::string>(), load_options);
  if (!report.ok()) {
    std::cerr << report.to_string();
    return report.io_failure ? kExitFailure : kExitInvalid;
  }
  spec = grading::lab_spec_from_lab(*report.lab);
  policy = grading::policy_from_lab(*report.lab);
  return kExitOk;
}

// TEXT to --out's file, else to standard output; false (after saying so) if it cannot be written.
bool write_out(const std::string& name, const po::variables_map& vm, const std::string& text) {
  if (!vm.count("out")) {
    std::cout << text;
    std::cout.flush();
    return true;
  }
  const std::string path = vm["out"].as<std::string>();
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    std::cerr << "atelier " << name << ": cannot write " << path << "\n";
    return false;
  }
  return true;
}

// `results render`'s options and the text its --help and errors show.
po::options_description render_options() {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "input,i", po::value<std::string>(),
      "results-input JSON file (format atelier.results-input/1); - for stdin")(
      "format,f", po::value<std::string>(), "csv, json, junit, html or grid (a text table)")(
      "candidate,c", po::value<std::string>(),
      "only this candidate (else every candidate; html: a sheet each)")(
      "out,o", po::value<std::string>(), "write to this file instead of stdout")(
      "lang", po::value<std::string>()->default_value("fr"),
      "html labels and first titles: fr or en")(
      "now", po::value<std::string>(),
      "grade as of this UTC time (2026-11-30T10:00:00Z) instead of the clock")(
      "bom", "csv: start with a UTF-8 byte order mark (for spreadsheets that need it)")(
      "lab", po::value<std::string>(),
      "take the tasks from this lab (folder or lab.yaml) instead of the file's \"lab\"")(
      "recipes", po::value<std::string>(),
      "with --lab: the recipes folder (default: the installed or built atelier's)");
  return opts;
}

constexpr const char* kRenderUsage =
    "usage: atelier results render --input FILE --format csv|json|junit|html|grid\n"
    "                              [--candidate C] [--out FILE] [--lang fr|en] [--now TIME] "
    "[--bom] [--lab PATH]\n"
    "Grades the check runs, overrides and freeze in FILE and prints one export: CSV (a row\n"
    "per candidate x task), JSON (everything), JUnit XML (a test case per check) or the\n"
    "printable HTML report (a sheet per candidate). docs/evaluator-guide.md describes the file "
    "and\n"
    "the columns. Exit 0: written; 2: invalid input or options; 1: a file could not be read\n"
    "or written.\n\n";

// --lang, --bom, --candidate and --now into `options` and `now`; false after saying which is wrong.
bool render_settings(const po::variables_map& vm, grading::ExportOptions& options,
                     grading::TimePoint& now) {
  const auto lang = grading::parse_language(vm["lang"].as<std::string>());
  if (!lang) {
    std::cerr << "atelier results render: --lang must be fr or en\n";
    return false;
  }
  options.language = *lang;
  options.csv_bom = vm.count("bom") > 0;
  if (vm.count("candidate")) options.candidate = vm["candidate"].as<std::string>();
  if (vm.count("now")) {
    auto t = grading::time_from_json(vm["now"].as<std::string>());
    if (!t) {
      std::cerr << "atelier results render: --now must be a UTC time like 2026-11-30T10:00:00Z\n";
      return false;
    }
    now = *t;
  }
  return true;
}

}  // namespace

int results_render(const std::vector<std::string>& args) {
  const po::options_description opts = render_options();
  const char* usage = kRenderUsage;
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
  grading::TimePoint now = grading::Clock::now();
  if (!render_settings(vm, options, now)) return kExitInvalid;
  const std::string input_path = vm["input"].as<std::string>();
  std::string text;
  if (!read_input(input_path, text)) {
    std::cerr << "atelier results render: cannot read " << input_path << "\n";
    return kExitFailure;
  }
  std::optional<grading::LabSpec> lab_spec;
  std::optional<grading::GradingPolicy> lab_policy;
  if (vm.count("lab")) {
    if (int rc = load_lab_for_render(vm, lab_spec, lab_policy); rc != kExitOk) return rc;
  }
  auto input = grading::session_input_from_json_text(text, lab_spec ? &*lab_spec : nullptr);
  if (!input) {
    std::cerr << "atelier results render: " << input_path << ": " << input.error().to_string()
              << "\n";
    return kExitInvalid;
  }
  if (lab_policy) {  // the lab's `scoring:` keys win over the file's policy
    for (const auto& [task, mode] : lab_policy->task_modes) input->policy.task_modes[task] = mode;
  }
  auto catalog = grading::builtin_competency_catalog();
  if (!catalog) {
    std::cerr << "atelier results render: " << catalog.error().to_string() << "\n";
    return kExitFailure;
  }
  auto grades = grading::grade_session(*input, *catalog, now);
  if (!grades) {
    std::cerr << "atelier results render: " << input_path << ": " << grades.error().to_string()
              << "\n";
    return kExitInvalid;
  }
  auto out = grading::render(*grades, *format, options);
  if (!out) {
    std::cerr << "atelier results render: " << out.error().to_string() << "\n";
    return kExitInvalid;
  }
  if (!write_out("results render", vm, *out)) return kExitFailure;
  return kExitOk;
}

}  // namespace atelier::cli

// ---- through atelierd's API ---------------------------------------------------------------

namespace atelier::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

void add_results_client_options(po::options_description& opts) {
  opts.add_options()("server", po::value<std::string>(),
                     "atelierd's URL (default http://127.0.0.1:8440)")(
      "token", po::value<std::string>(), "API token (an evaluator's or a trainer's)")(
      "ca-file", po::value<std::string>(),
      "https: PEM file of the CA to trust (default: the system's)");
}

// Percent-encodes a query value (ids are plain, but a value is never trusted to be).
std::string query_value(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json::value body_json(const api::HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  return ec ? json::value(nullptr) : v;
}

// POSTs `body` to /sessions/SESSION/WHAT; prints the answer as JSON (--output json), else with
// `print_text`. Gives the exit code.
int post_and_print(const std::string& name, const Client& client, const po::variables_map& vm,
                   const std::string& what, const std::string& body,
                   const std::function<void(const json::value&)>& print_text) {
  RawAnswer a =
      call_raw(name, client, "POST",
               "/sessions/" + query_value(vm["session"].as<std::string>()) + "/" + what, body);
  if (a.exit != kExitOk) return a.exit;
  json::value v = body_json(a.response);
  if (vm["output"].as<std::string>() == "json") {
    std::cout << json::serialize(v) << "\n";
  } else {
    print_text(v);
  }
  return kExitOk;
}

// Writes FILE.sig, atelierd's detached signature of the export (evidence/detached.h), when this
// machine holds atelierd's key; says on stderr when it does not (an evaluator's remote CLI).
int sign_export(const std::string& name, const std::string& path, const std::string& data,
                const std::string& state_dir) {
  auto key = evidence::SigningKey::load(fs::path(state_dir) / evidence::kSigningKeyFile);
  if (!key.ok()) {
    std::cerr << "atelier " << name << ": " << path << " is not signed: " << key.error().to_string()
              << " (run on atelierd's host, or give its --state-dir)\n";
    return kExitOk;
  }
  const std::string sig =
      evidence::make_detached_signature(fs::path(path).filename().string(), data, *key);
  std::ofstream file(path + ".sig", std::ios::binary | std::ios::trunc);
  file << sig;
  file.close();
  if (!file) {
    std::cerr << "atelier " << name << ": cannot write " << path << ".sig\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int results_export(const std::vector<std::string>& args) {
  const std::string name = "results";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("session", po::value<std::string>(),
                                                 "the session")(
      "format,f", po::value<std::string>(), "csv, json, junit, html or grid (a text table)")(
      "candidate,c", po::value<std::string>(),
      "only this candidate (else every candidate; html: a sheet each)")(
      "out,o", po::value<std::string>(), "write to this file instead of stdout")(
      "lang", po::value<std::string>(), "html labels and first titles: fr (default) or en")(
      "bom", "csv: start with a UTF-8 byte order mark (for spreadsheets that need it)")(
      "state-dir", po::value<std::string>()->default_value("/var/lib/atelier"),
      "with --out: sign the export with this atelierd's key (FILE.sig)");
  add_results_client_options(opts);
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage =
      "usage: atelier results SESSION --format csv|json|junit|html|grid [--candidate C] [--out "
      "FILE]\n"
      "                       [--lang fr|en] [--bom] [--server URL] [--token T] [--state-dir DIR]\n"
      "       atelier results annotate|override|collect|render ... (each has --help)\n"
      "Exports the session's graded results from atelierd: CSV (a row per candidate x task), JSON\n"
      "(everything), JUnit XML (a test case per check), the printable HTML report (a page per "
      "candidate),\n"
      "or a text grid. With --out, FILE.sig beside it holds atelierd's signature of FILE (when\n"
      "DIR/signing.key can be read; `atelier results verify FILE` checks it). "
      "docs/evaluator-guide.md\n"
      "explains the columns. Exit 0: written; 2: invalid\n"
      "input or an unknown session/candidate; 1: the server could not be reached or said no.\n\n";
  po::variables_map vm;
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session") || !vm.count("format")) {
    std::cerr << "atelier results: SESSION and --format are required\n" << usage << opts;
    return kExitInvalid;
  }
  const std::string format = vm["format"].as<std::string>();
  if (!grading::parse_format(format)) {
    std::cerr << "atelier results: --format must be csv, json, junit, html or grid, not \""
              << format << "\"\n";
    return kExitInvalid;
  }
  auto client = client_or_report("results", vm, read_environment());
  if (!client) return kExitInvalid;
  const std::string session = vm["session"].as<std::string>();
  // With a candidate, their own resource: a candidate's token may read it (feedback on).
  std::string target = "/sessions/" + query_value(session);
  if (vm.count("candidate"))
    target += "/candidates/" + query_value(vm["candidate"].as<std::string>());
  target += "/results?format=" + query_value(format);
  if (vm.count("lang")) target += "&lang=" + query_value(vm["lang"].as<std::string>());
  if (vm.count("bom")) target += "&bom=1";
  RawAnswer a = call_raw(name, *client, "GET", target);
  if (a.exit != kExitOk) return a.exit;
  if (!write_out(name, vm, a.response.body)) return kExitFailure;
  return vm.count("out") ? sign_export(name, vm["out"].as<std::string>(), a.response.body,
                                       vm["state-dir"].as<std::string>())
                         : kExitOk;
}

int results_annotate(const std::vector<std::string>& args) {
  const std::string name = "results annotate";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "session", po::value<std::string>(), "the session")("candidate", po::value<std::string>(),
                                                          "the candidate")(
      "text", po::value<std::string>(), "the note")("task", po::value<std::string>(),
                                                    "about this task (else about the candidate)")(
      "result", po::value<std::string>(), "about this check result of the task (its result_id)")(
      "output", po::value<std::string>()->default_value("text"), "text or json");
  add_results_client_options(opts);
  po::positional_options_description pos;
  pos.add("session", 1).add("candidate", 1);
  const std::string usage =
      "usage: atelier results annotate SESSION CANDIDATE --text TEXT [--task T [--result ID]]\n"
      "Adds an evaluator's note on a candidate, a task or one check result. Notes do not change\n"
      "scores; they show in the JSON and HTML exports (not to candidates) and in the audit "
      "log.\n\n";
  po::variables_map vm;
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session") || !vm.count("candidate") || !vm.count("text")) {
    std::cerr << "atelier " << name << ": SESSION, CANDIDATE and --text are required\n"
              << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  json::object body{{"candidate", vm["candidate"].as<std::string>()},
                    {"text", vm["text"].as<std::string>()}};
  if (vm.count("task")) body["task"] = vm["task"].as<std::string>();
  if (vm.count("result")) body["result_id"] = vm["result"].as<std::string>();
  return post_and_print(
      name, *client, vm, "annotations", json::serialize(body), [](const json::value& v) {
        std::cout << "note " << str(v.at("id")) << " on " << str(v.at("candidate"))
                  << (v.at("task").is_null() ? "" : " " + str(v.at("task"))) << " by "
                  << str(v.at("who")) << " at " << str(v.at("at")) << "\n";
      });
}

int results_override(const std::vector<std::string>& args) {
  const std::string name = "results override";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "session", po::value<std::string>(), "the session")("candidate", po::value<std::string>(),
                                                          "the candidate")(
      "task", po::value<std::string>(), "the task")("points", po::value<double>(),
                                                    "the task's new points, from 0 to its maximum")(
      "justification", po::value<std::string>(),
      "why, in writing (required; kept in the audit log)")(
      "output", po::value<std::string>()->default_value("text"), "text or json");
  add_results_client_options(opts);
  po::positional_options_description pos;
  pos.add("session", 1).add("candidate", 1).add("task", 1);
  const std::string usage =
      "usage: atelier results override SESSION CANDIDATE TASK --points N --justification TEXT\n"
      "Replaces a task's computed points for one candidate. The written justification is\n"
      "required; who and when are recorded, and the exports show both scores. Refused (exit 2)\n"
      "once the session's results are collected.\n\n";
  po::variables_map vm;
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session") || !vm.count("candidate") || !vm.count("task") || !vm.count("points")) {
    std::cerr << "atelier " << name << ": SESSION, CANDIDATE, TASK and --points are required\n"
              << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  // A missing justification is sent as is: the server's refusal says what is expected.
  json::object body{{"candidate", vm["candidate"].as<std::string>()},
                    {"task", vm["task"].as<std::string>()},
                    {"points", vm["points"].as<double>()}};
  if (vm.count("justification")) body["justification"] = vm["justification"].as<std::string>();
  return post_and_print(name, *client, vm, "overrides", json::serialize(body),
                        [](const json::value& v) {
                          std::cout << str(v.at("candidate")) << " " << str(v.at("task")) << ": "
                                    << str(v.at("points")) << " points (override by "
                                    << str(v.at("who")) << " at " << str(v.at("when")) << ")\n";
                        });
}

int results_collect(const std::vector<std::string>& args) {
  const std::string name = "results collect";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("session", po::value<std::string>(),
                                                 "the session")(
      "output", po::value<std::string>()->default_value("text"), "text or json");
  add_results_client_options(opts);
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage =
      "usage: atelier results collect SESSION\n"
      "Freezes the session's results: from now on they no longer change (later check results\n"
      "are ignored, overrides refused; notes stay allowed). Collecting again changes nothing.\n\n";
  po::variables_map vm;
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session")) {
    std::cerr << "atelier " << name << ": SESSION is required\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  return post_and_print(name, *client, vm, "collect", "{}", [](const json::value& v) {
    std::cout << "session " << str(v.at("session")) << ": results "
              << (v.at("already").as_bool() ? "already frozen" : "frozen") << " at "
              << str(v.at("frozen_at")) << " by " << str(v.at("who")) << "\n";
  });
}

}  // namespace atelier::cli
