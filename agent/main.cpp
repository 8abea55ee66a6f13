// atelier-agent: the guest service (`serve`, over the virtio-serial channel) and the
// standalone check runner (`run --checks FILE`). Wires the parts; the logic is in the library.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <boost/program_options.hpp>

#include "agent/facts.h"
#include "agent/report.h"
#include "agent/runner.h"
#include "agent/server.h"
#include "common/lab/loader.h"

namespace po = boost::program_options;
using namespace atelier;

namespace {

constexpr const char* kVersion = "0.1.0";
agent::AgentServer* g_server = nullptr;

void on_signal(int) {
  if (g_server) g_server->stop();
}

void usage() {
  std::cout << "usage: atelier-agent serve [--port PATH] [--spool DIR] [--identity FILE] "
               "[--heartbeat-ms N]\n"
               "       atelier-agent run --checks FILE [--output text|json|junit]\n"
               "       atelier-agent version\n"
               "serve: the guest service; talks to the controller over the virtio-serial port.\n"
               "run:   runs a check file here; exit 0 all pass, 1 a check failed or errored, 2 "
               "invalid input.\n";
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
