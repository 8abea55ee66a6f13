// atelierd's flags and config file (see config.h).
#include "controller/daemon/config.h"

#include <boost/program_options.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace atelier::daemon {
namespace po = boost::program_options;

Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument,
                 "--listen \"" + std::string(text) + "\" " + why + "; expected HOST:PORT, e.g. 127.0.0.1:8440");
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("has no port");
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return bad("has no host");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("has a bad port");
  }
  return std::pair<std::string, std::uint16_t>(host, static_cast<std::uint16_t>(port));
}

Result<ParseOutcome> parse_config(int argc, const char* const* argv, const std::filesystem::path& cwd) {
  ParseOutcome out;
  std::string config_file, listen, state_dir, labs_dir, recipes_dir, tls_cert, tls_key, port_file;
  std::vector<std::string> uris;
  std::size_t max_body = out.config.max_body_bytes;
  po::options_description cli("atelierd options (the config file takes the same keys, without --)");
  cli.add_options()("help,h", "describe the options")(
      "config", po::value(&config_file), "read options from FILE (INI: key = value)")(
      "listen", po::value(&listen)->default_value("127.0.0.1:8440"), "HOST:PORT of the HTTP API (port 0: any)")(
      "state-dir", po::value(&state_dir)->default_value("/var/lib/atelier"), "where the store (atelier.db) lives")(
      "labs-dir", po::value(&labs_dir)->default_value("labs"), "the folder sessions take their labs from")(
      "recipes-dir", po::value(&recipes_dir), "recipes root (default: ansible-free-recipes/recipes next to the lab)")(
      "libvirt-uri", po::value(&uris)->composing(), "a hypervisor host: URI or NAME=URI (repeatable; default qemu:///system)")(
      "tls-cert", po::value(&tls_cert), "TLS certificate chain (PEM); with --tls-key, the API speaks HTTPS only")(
      "tls-key", po::value(&tls_key), "TLS private key (PEM)")(
      "max-body-bytes", po::value(&max_body)->default_value(max_body), "larger request bodies get 413")(
      "port-file", po::value(&port_file), "write the bound port to FILE once listening");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, cli), vm);
    if (vm.count("config")) {
      std::filesystem::path file = vm["config"].as<std::string>();
      if (file.is_relative()) file = cwd / file;
      std::ifstream in(file);
      if (!in) {
        return Error(ErrorCode::kInvalidArgument, "cannot read the config file " + file.string());
      }
      po::store(po::parse_config_file(in, cli), vm);  // flags were stored first and win
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return Error(ErrorCode::kInvalidArgument, std::string(e.what()) + "; run `atelierd --help`");
  }
  if (vm.count("help")) {
    std::ostringstream text;
    text << "usage: atelierd [--config FILE] [--listen HOST:PORT] [--state-dir DIR] [options]\n" << cli;
    out.help = true;
    out.text = text.str();
    return out;
  }
  auto absolute = [&](const std::string& p) -> std::filesystem::path {
    if (p.empty()) return {};
    std::filesystem::path path(p);
    return (path.is_relative() ? cwd / path : path).lexically_normal();
  };
  auto l = parse_listen(listen);
  if (!l.ok()) return std::move(l).error();
  Config& c = out.config;
  c.listen_address = l->first;
  c.listen_port = l->second;
  c.state_dir = absolute(state_dir);
  c.labs_dir = absolute(labs_dir);
  c.recipes_dir = absolute(recipes_dir);
  c.tls_cert = absolute(tls_cert);
  c.tls_key = absolute(tls_key);
  c.port_file = absolute(port_file);
  c.max_body_bytes = max_body;
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--tls-cert and --tls-key go together; give both or neither");
  }
  if (uris.empty()) uris.push_back("qemu:///system");
  for (std::size_t i = 0; i < uris.size(); ++i) {
    const std::string& u = uris[i];
    auto eq = u.find('=');
    auto scheme = u.find(':');
    HypervisorHost h;
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      h.name = u.substr(0, eq);
      h.uri = u.substr(eq + 1);
    } else {
      h.name = uris.size() == 1 ? "local" : "host" + std::to_string(i);
      h.uri = u;
    }
    if (h.name.empty() || h.uri.empty()) {
      return Error(ErrorCode::kInvalidArgument, "--libvirt-uri \"" + u + "\" is empty on one side; expected URI or NAME=URI");
    }
    c.hosts.push_back(std::move(h));
  }
  return out;
}

}  // namespace atelier::daemon
