// atelierd: the controller daemon. For now it starts, reports, and stops cleanly on SIGTERM or
// SIGINT; the sessions, the reconciler and the API grow behind this entry point.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <string>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description options("atelierd options");
  std::string state_dir;
  options.add_options()("help,h", "describe the options")(
      "state-dir", po::value(&state_dir)->default_value("/var/lib/atelier"),
      "where the store, images and sockets live");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelierd: " << e.what() << "; run `atelierd --help`\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "usage: atelierd [options]\n" << options;
    return 0;
  }

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    std::cerr << "atelierd: signal " << signal << ", stopping\n";
    io.stop();
  });
  std::cerr << "atelierd: started, state directory " << state_dir << "\n";
  io.run();
  std::cerr << "atelierd: stopped\n";
  return 0;
}
