// atelierd's configuration: command-line flags and an optional INI-style file with the same
// keys (`listen = 127.0.0.1:8440`), flags winning. Parsed once in main and passed down.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace atelier::daemon {

struct HypervisorHost {
  std::string name;  // "local", or the NAME of NAME=URI
  std::string uri;   // libvirt URI
};

struct Config {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8440;
  std::filesystem::path state_dir = "/var/lib/atelier";
  std::filesystem::path labs_dir;  // absolute after parse
  std::filesystem::path
      recipes_dir;  // --recipes-dir; empty: labs naming a role or recipe fail to load
  std::vector<HypervisorHost> hosts;  // from --libvirt-uri; default one "local" qemu:///system
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_connections = 512;             // open at once, in all
  std::size_t max_connections_per_client = 128;  // open at once from one address
  std::filesystem::path port_file;               // written with the bound port once listening
  // The pages' files (GET /assets/*), xterm.js (GET /assets/xterm/*) and asciinema-player
  // (GET /assets/player/*), noVNC (GET /assets/novnc/*).
  std::filesystem::path web_assets_dir;  // default: beside atelierd (install_layout.h)
  std::filesystem::path xterm_dir = "/usr/local/share/atelier/xterm";
  std::filesystem::path player_dir = "/usr/local/share/atelier/asciinema-player";
  std::filesystem::path novnc_dir = "/usr/share/novnc";

  // The reconciler (controller/reconciler/).
  bool reconcile = true;          // false: API only, sessions stay pending (tests)
  std::filesystem::path run_dir;  // per lab files (seeds, sockets, logs); <state-dir>/labs
  std::filesystem::path overlay_dir = "/var/lib/atelier/overlays";
  std::string overlay_pool = "atelier-overlays";
  std::filesystem::path image_definitions;                     // NAME.yaml (shipped by default)
  std::filesystem::path image_state_dir = "/var/lib/atelier";  // built images under images/
  bool build_images = false;           // build a missing image (debootstrap) instead of failing
  std::filesystem::path agent_binary;  // put on every guest's seed disk
  std::chrono::seconds boot_timeout{300};
  std::chrono::seconds check_interval{0};  // periodic checks when the lab sets none; 0: none
  std::chrono::milliseconds reconcile_interval{2000};
  std::chrono::seconds orphan_interval{60};
  // Remove objects of sessions the store does not know when their id starts with this prefix
  // ("" = all); unset: leave them alone (someone else's).
  std::optional<std::string> orphan_prefix;
  std::string console = "log";  // log (file per host) or pty (virsh console)
  // A browser console (WebSocket) that sends nothing for this long is closed; 0: never.
  std::chrono::seconds console_idle_timeout{1800};
  std::chrono::seconds candidate_check_every{60};  // a candidate's "check my work" spacing
  bool unsafe_disk_cache = false;                  // tests: no flushes
  unsigned max_parallel_labs = 0;                  // per host; 0: its CPU count
};

struct ParseOutcome {
  bool help = false;  // --help was given: `text` holds the usage
  std::string text;
  Config config;
};

// Parses argv (and the file named by --config). `cwd` makes relative paths absolute.
// Errors (kInvalidArgument) say which flag or key is wrong and what is expected.
Result<ParseOutcome> parse_config(int argc, const char* const* argv,
                                  const std::filesystem::path& cwd);

// "HOST:PORT", "[V6]:PORT" -> address, port. Errors name the input.
Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);

}  // namespace atelier::daemon
