// atelierd's flags and config file (see config.h).
#include "controller/daemon/config.h"

#include <boost/program_options.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/files/install_layout.h"

namespace atelier::daemon {
namespace po = boost::program_options;

Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument, "--listen \"" + std::string(text) + "\" " + why +
                                                  "; expected HOST:PORT, e.g. 127.0.0.1:8440");
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("has no port");
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return bad("has no host");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("has a bad port");
  }
  return std::pair<std::string, std::uint16_t>(host, static_cast<std::uint16_t>(port));
}

namespace {

// The options as given (flags, then the config file), before they are checked and made absolute.
struct RawOptions {
  std::string config_file, listen, state_dir, labs_dir, recipes_dir, tls_cert, tls_key, port_file,
      web_assets, xterm, player, novnc;
  std::vector<std::string> uris;
  std::size_t max_body = 0;
  std::string run_dir, overlay_dir, overlay_pool, image_defs, image_state, agent, orphan_prefix,
      console;
  bool has_orphan_prefix = false;  // --orphan-prefix= (empty) differs from no --orphan-prefix
  bool no_reconcile = false, build_images = false;
  long boot_timeout = 300, check_interval = 0, reconcile_ms = 2000, orphan_interval = 60;
  long console_idle = 1800, candidate_check_every = 60;
  unsigned max_parallel = 0;
  std::size_t max_connections = 512, max_connections_per_client = 128;
};

void add_options(po::options_description& cli, RawOptions& r, Config& c) {
  // What ships beside atelierd (common/files/install_layout.h): the defaults of two paths.
  const auto shipped = layout::of_running_program();
  const std::string shipped_assets = shipped ? shipped->web_assets.string() : "";
  const std::string shipped_images = shipped ? shipped->images.string() : "";
  const std::string shipped_agent = shipped ? shipped->agent.string() : "";
  cli.add_options()("help,h", "describe the options")("config", po::value(&r.config_file),
                                                      "read options from FILE (INI: key = value)")(
      "listen", po::value(&r.listen)->default_value("127.0.0.1:8440"),
      "HOST:PORT of the HTTP API (port 0: any)")(
      "state-dir", po::value(&r.state_dir)->default_value("/var/lib/atelier"),
      "where the store (atelier.db) lives")("labs-dir",
                                            po::value(&r.labs_dir)->default_value("labs"),
                                            "the folder sessions take their labs from")(
      "recipes-dir", po::value(&r.recipes_dir),
      "recipes root, e.g. ansible-free-recipes/recipes (no default: a lab naming a role or recipe "
      "needs it)")("libvirt-uri", po::value(&r.uris)->composing(),
                   "a hypervisor host: URI or NAME=URI (repeatable; default qemu:///system)")(
      "tls-cert", po::value(&r.tls_cert),
      "TLS certificate chain (PEM); with --tls-key, the API speaks HTTPS only")(
      "tls-key", po::value(&r.tls_key), "TLS private key (PEM)")(
      "max-body-bytes", po::value(&r.max_body)->default_value(r.max_body),
      "larger request bodies get 413")(
      "max-connections", po::value(&r.max_connections)->default_value(r.max_connections),
      "connections open at once; one more is closed at once")(
      "max-connections-per-client",
      po::value(&r.max_connections_per_client)->default_value(r.max_connections_per_client),
      "connections open at once from one client address (a classroom behind NAT is one address)")(
      "port-file", po::value(&r.port_file), "write the bound port to FILE once listening")(
      "web-assets-dir", po::value(&r.web_assets)->default_value(shipped_assets),
      "the pages' stylesheet and scripts (installed: PREFIX/share/atelier/web/assets)")(
      "xterm-dir", po::value(&r.xterm)->default_value("/usr/local/share/atelier/xterm"),
      "xterm.js and xterm.css (@xterm/xterm, pinned and installed by scripts/install-deps)")(
      "player-dir",
      po::value(&r.player)->default_value("/usr/local/share/atelier/asciinema-player"),
      "asciinema-player's script and stylesheet for the console recordings on the evaluator's "
      "pages (pinned and installed by scripts/install-deps)")(
      "novnc-dir", po::value(&r.novnc)->default_value("/usr/share/novnc"),
      "noVNC's modules for the screens of hosts with `display: true` (Debian's novnc package)")(
      "no-reconcile", po::bool_switch(&r.no_reconcile),
      "serve the API only: sessions are recorded, not provisioned")(
      "run-dir", po::value(&r.run_dir),
      "per-lab files: seeds, agent sockets, console logs (default STATE-DIR/labs)")(
      "overlay-dir", po::value(&r.overlay_dir)->default_value("/var/lib/atelier/overlays"),
      "the overlay storage pool's directory on the hypervisor hosts")(
      "overlay-pool", po::value(&r.overlay_pool)->default_value("atelier-overlays"),
      "the overlay storage pool's name")(
      "images-dir", po::value(&r.image_defs)->default_value(shipped_images),
      "image definitions NAME.yaml (installed: PREFIX/share/atelier/images)")(
      "image-state-dir", po::value(&r.image_state)->default_value("/var/lib/atelier"),
      "where built images are cached (under images/)")(
      "build-images", po::bool_switch(&r.build_images),
      "build an image that is not cached (debootstrap, minutes)")(
      "agent", po::value(&r.agent)->default_value(shipped_agent),
      "the atelier-agent binary put on every guest's seed disk (installed: "
      "PREFIX/lib/atelier/atelier-agent)")(
      "boot-timeout", po::value(&r.boot_timeout)->default_value(r.boot_timeout),
      "seconds a lab's guests have to answer")(
      "check-interval", po::value(&r.check_interval)->default_value(r.check_interval),
      "seconds between check runs of ready labs when neither the session nor the lab sets a check "
      "interval (0: none)")("reconcile-interval-ms",
                            po::value(&r.reconcile_ms)->default_value(r.reconcile_ms),
                            "how often the reconciler looks")(
      "orphan-interval", po::value(&r.orphan_interval)->default_value(r.orphan_interval),
      "seconds between searches for libvirt objects that belong to no lab")(
      "orphan-prefix", po::value(&r.orphan_prefix),
      "also remove objects of sessions unknown to the store whose id starts with this "
      "(--orphan-prefix= for all); default: leave them to their owner")(
      "console", po::value(&r.console)->default_value("log"),
      "guest serial console: log (a file per host) or pty")(
      "console-idle-timeout", po::value(&r.console_idle)->default_value(r.console_idle),
      "seconds after which a browser console that sent nothing is closed (0: never)")(
      "candidate-check-every",
      po::value(&r.candidate_check_every)->default_value(r.candidate_check_every),
      "seconds a candidate waits between two \"check my work\" runs (0: no wait)")(
      "unsafe-disk-cache", po::bool_switch(&c.unsafe_disk_cache), "no disk flushes (tests)")(
      "max-parallel-labs", po::value(&r.max_parallel)->default_value(0),
      "labs provisioned at once per host (0: its CPUs)");
}

// Each --libvirt-uri, URI or NAME=URI, as a host (one unnamed URI is "local").
Status add_hosts(std::vector<std::string> uris, Config& c) {
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
      return Error(ErrorCode::kInvalidArgument,
                   "--libvirt-uri \"" + u + "\" is empty on one side; expected URI or NAME=URI");
    }
    c.hosts.push_back(std::move(h));
  }
  return ok_status();
}

// The checked, absolute configuration from the raw options; kInvalidArgument names the flag.
Status fill_config(const RawOptions& r, const std::filesystem::path& cwd, Config& c) {
  auto absolute = [&](const std::string& p) -> std::filesystem::path {
    if (p.empty()) return {};
    std::filesystem::path path(p);
    return (path.is_relative() ? cwd / path : path).lexically_normal();
  };
  auto l = parse_listen(r.listen);
  if (!l.ok()) return std::move(l).error();
  c.listen_address = l->first;
  c.listen_port = l->second;
  c.state_dir = absolute(r.state_dir);
  c.labs_dir = absolute(r.labs_dir);
  c.recipes_dir = absolute(r.recipes_dir);
  c.tls_cert = absolute(r.tls_cert);
  c.tls_key = absolute(r.tls_key);
  c.port_file = absolute(r.port_file);
  c.web_assets_dir = r.web_assets.empty() ? std::filesystem::path() : absolute(r.web_assets);
  c.xterm_dir = absolute(r.xterm);
  c.player_dir = absolute(r.player);
  c.novnc_dir = absolute(r.novnc);
  c.max_body_bytes = r.max_body;
  if (r.max_connections == 0 || r.max_connections_per_client == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "--max-connections and --max-connections-per-client must be positive");
  }
  c.max_connections = r.max_connections;
  c.max_connections_per_client = r.max_connections_per_client;
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--tls-cert and --tls-key go together; give both or neither");
  }
  c.reconcile = !r.no_reconcile;
  c.run_dir = r.run_dir.empty() ? c.state_dir / "labs" : absolute(r.run_dir);
  c.overlay_dir = absolute(r.overlay_dir);
  c.overlay_pool = r.overlay_pool;
  c.image_definitions = absolute(r.image_defs);
  c.image_state_dir = absolute(r.image_state);
  c.build_images = r.build_images;
  c.agent_binary = r.agent.empty() ? std::filesystem::path() : absolute(r.agent);
  if (c.reconcile && c.agent_binary.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "no atelier-agent beside atelierd (installed: PREFIX/lib/atelier/atelier-agent): "
                 "give --agent PATH, or --no-reconcile to serve the API only");
  }
  if (r.boot_timeout <= 0 || r.check_interval < 0 || r.reconcile_ms <= 0 ||
      r.orphan_interval <= 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "--boot-timeout, --reconcile-interval-ms and --orphan-interval must be positive, "
                 "--check-interval zero or positive");
  }
  c.boot_timeout = std::chrono::seconds(r.boot_timeout);
  c.check_interval = std::chrono::seconds(r.check_interval);
  c.reconcile_interval = std::chrono::milliseconds(r.reconcile_ms);
  c.orphan_interval = std::chrono::seconds(r.orphan_interval);
  if (r.has_orphan_prefix) c.orphan_prefix = r.orphan_prefix;
  if (r.console != "log" && r.console != "pty") {
    return Error(ErrorCode::kInvalidArgument,
                 "--console \"" + r.console + "\": expected log or pty");
  }
  c.console = r.console;
  if (r.console_idle < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "--console-idle-timeout must be zero (never) or positive seconds");
  }
  c.console_idle_timeout = std::chrono::seconds(r.console_idle);
  if (r.candidate_check_every < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "--candidate-check-every must be zero or positive seconds");
  }
  c.candidate_check_every = std::chrono::seconds(r.candidate_check_every);
  c.max_parallel_labs = r.max_parallel;
  return add_hosts(r.uris, c);
}

}  // namespace

Result<ParseOutcome> parse_config(int argc, const char* const* argv,
                                  const std::filesystem::path& cwd) {
  ParseOutcome out;
  RawOptions r;
  r.max_body = out.config.max_body_bytes;
  po::options_description cli("atelierd options (the config file takes the same keys, without --)");
  add_options(cli, r, out.config);
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
    text << "usage: atelierd [--config FILE] [--listen HOST:PORT] [--state-dir DIR] [options]\n"
         << cli;
    out.help = true;
    out.text = text.str();
    return out;
  }
  r.has_orphan_prefix = vm.count("orphan-prefix") > 0;
  ATELIER_RETURN_IF_ERROR(fill_config(r, cwd, out.config));
  return out;
}

}  // namespace atelier::daemon
