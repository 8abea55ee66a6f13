// atelier-agent: the guest service (`serve`, over the virtio-serial channel) and the
// standalone check runner (`run --checks FILE`). Wires the parts; the logic is in the library.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <boost/program_options.hpp>

#include "agent/checks/check.h"
#include "agent/facts.h"
#include "agent/report.h"
#include "agent/runner.h"
#include "agent/server.h"
#include "common/lab/loader.h"
#include "common/protocol/codec.h"

namespace po = boost::program_options;
using namespace atelier;

namespace {

constexpr const char* kVersion = "0.1.0";
agent::AgentServer* g_server = nullptr;

void on_signal(int) {
  if (g_server) g_server->stop();
}

void usage() {
  std::cout
      << "usage: atelier-agent serve [--port PATH] [--spool DIR] [--identity FILE] "
         "[--heartbeat-ms N]\n"
         "       atelier-agent run --checks FILE [--output text|json|junit]\n"
         "       atelier-agent grade < RUN_CHECKS_LINE\n"
         "       atelier-agent version\n"
         "serve: the guest service; talks to the controller over the virtio-serial port.\n"
         "run:   runs a check file here; exit 0 all pass, 1 a check failed or errored, 2 "
         "invalid input.\n"
         "grade: atelierd's grader endpoint: reads one run_checks message on stdin, runs its\n"
         "       protocol checks (any other kind is an error result), writes the results.\n";
}

int cmd_serve(const std::vector<std::string>& args) {
  po::options_description opts("atelier-agent serve");
  std::string port, spool, identity_file;
  long heartbeat_ms = 10000;
  opts.add_options()("help,h", "show this help")(
      "port", po::value(&port)->default_value(protocol::kDefaultGuestPort),
      "virtio-serial port (or a UNIX socket)")(
      "spool", po::value(&spool)->default_value("/var/spool/atelier-agent"),
      "folder for undelivered results")("identity", po::value(&identity_file)->default_value(""),
                                        "key=value file: session, candidate, host")(
      "heartbeat-ms", po::value(&heartbeat_ms)->default_value(10000), "heartbeat interval");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier-agent serve: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  auto identity = agent::load_identity(identity_file);
  if (!identity) {
    std::cerr << "atelier-agent: " << identity.error().to_string() << "\n";
    return 2;
  }
  agent::ServerOptions options;
  options.port_path = port;
  options.spool_dir = spool;
  options.identity = *identity;
  options.agent_version = kVersion;
  options.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  agent::AgentServer server(options);
  g_server = &server;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto ran = server.run();
  g_server = nullptr;
  if (!ran) {
    std::cerr << "atelier-agent: " << ran.error().to_string() << "\n";
    return 1;
  }
  return 0;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("atelier-agent run");
  std::string checks_file, output;
  opts.add_options()("help,h", "show this help")("checks", po::value(&checks_file),
                                                 "check file (YAML)")(
      "output", po::value(&output)->default_value("text"), "text, json or junit");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier-agent run: " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  agent::ReportFormat format;
  if (output == "text") {
    format = agent::ReportFormat::kText;
  } else if (output == "json") {
    format = agent::ReportFormat::kJson;
  } else if (output == "junit") {
    format = agent::ReportFormat::kJunit;
  } else {
    std::cerr << "atelier-agent run: --output must be text, json or junit, not \"" << output
              << "\"\n";
    return 2;
  }
  if (checks_file.empty()) {
    std::cerr << "atelier-agent run: --checks FILE is required\n";
    return 2;
  }
  auto checks = lab::load_check_file(checks_file);
  if (!checks) {
    std::cerr << "atelier-agent run: " << checks.error().to_string() << "\n";
    return 2;
  }
  protocol::RunChecks bundle{"standalone-" + std::to_string(agent::unix_ms_now()),
                             std::move(*checks)};
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  auto results = agent::run_bundle(bundle, host);
  std::cout << agent::render_report(results, format);
  int code = 0;
  for (const auto& r : results.results) {
    if (r.status != protocol::CheckStatus::kPass) code = 1;
  }
  // A check the runner stopped waiting for may still run on its thread: leave without running
  // static destructors under it.
  std::cout.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

// The grader endpoint's runner (issue 20): atelierd starts it in the lab's grader network
// namespace, unprivileged, with one run_checks line on stdin; the results go to stdout as one
// protocol line. Only protocol probes run: the endpoint has no lab state of its own to read.
int cmd_grade() try {
  std::string line;
  if (!std::getline(std::cin, line)) {
    std::cerr << "atelier-agent grade: expected one run_checks message on stdin\n";
    return 2;
  }
  auto message = protocol::decode(line);
  if (!message) {
    std::cerr << "atelier-agent grade: " << message.error().to_string() << "\n";
    return 2;
  }
  const auto* bundle = std::get_if<protocol::RunChecks>(&message->body);
  if (bundle == nullptr) {
    std::cerr << "atelier-agent grade: expected a run_checks message, not \""
              << protocol::type_name(message->body) << "\"\n";
    return 2;
  }
  agent::RunOptions options;
  options.execute = [](const checks::Check& check) {
    if (checks::is_protocol_check(check.kind)) return agent::run_check(check);
    return agent::Evidence{protocol::CheckStatus::kError, "a protocol check",
                           std::string("a ") + checks::kind_name(check.kind) +
                               " check reads a host's own state; the grader runs protocol "
                               "checks only"};
  };
  protocol::Envelope reply{message->id + 1, message->id,
                           agent::run_bundle(*bundle, lab::kGraderHost, options)};
  std::cout << protocol::encode(reply);
  std::cout.flush();
  std::fflush(nullptr);
  std::_Exit(0);  // as cmd_run: a check left behind on its thread must not hold the exit
} catch (const std::exception& e) {
  std::cerr << "atelier-agent grade: " << e.what() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "serve") return cmd_serve(rest);
  if (command == "run") return cmd_run(rest);
  if (command == "grade") return cmd_grade();
  if (command == "version" || command == "--version") {
    std::cout << "atelier-agent " << kVersion << " (protocol " << protocol::kProtocolVersion
              << ")\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    usage();
    return 0;
  }
  std::cerr << "atelier-agent: unknown command \"" << command << "\"\n";
  usage();
  return 2;
}
