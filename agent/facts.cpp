// Host facts and identity for the agent's hello (see facts.h).
#include "agent/facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "agent/checks/parsers.h"
#include "common/process/run_process.h"

namespace atelier::agent {

protocol::HostFacts gather_facts() {
  protocol::HostFacts f;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) f.hostname = host;
  utsname u{};
  if (uname(&u) == 0) f.kernel = u.release;
  std::ifstream os("/etc/os-release");
  std::string line;
  while (std::getline(os, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      f.os = line.substr(12);
      if (f.os.size() >= 2 && f.os.front() == '"') f.os = f.os.substr(1, f.os.size() - 2);
    }
  }
  auto r =
      process::run_process({{"ip", "-j", "addr", "show"}, {}, "", "", std::chrono::seconds(5)});
  if (r && r->exit_code == 0) {
    if (auto parsed = parse_ip_addr_json(r->out)) {
      for (const auto& e : *parsed)
        f.interfaces.push_back({e.name, e.name == "lo" ? "" : e.mac, e.admin_up(), e.addresses});
    }
  }
  return f;
}

Result<protocol::Identity> load_identity(const std::string& path) {
  protocol::Identity id;
  if (!path.empty()) {
    std::error_code ec;
    std::ifstream in(path);
    // A missing file is normal before the host's seed is written: the identity stays empty.
    if (!in && std::filesystem::exists(path, ec))
      return Error(ErrorCode::kIo, "identity file " + path + " cannot be read");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) {
        return Error(ErrorCode::kInvalidArgument,
                     path + ":" + std::to_string(number) + ": expected key=value");
      }
      std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "session") {
        id.session = value;
      } else if (key == "candidate") {
        id.candidate = value;
      } else if (key == "host") {
        id.host = value;
      }  // other keys belong to other readers of the seed (hostname, addresses): ignored
    }
  }
  if (id.host.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) id.host = host;
  }
  return id;
}

protocol::AgentInstance new_instance() {
  protocol::AgentInstance instance;
  unsigned char bytes[16] = {};
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    instance.nonce += kHex[b >> 4];
    instance.nonce += kHex[b & 15];
  }
  instance.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::getline(boot, instance.boot_id);
  return instance;
}

}  // namespace atelier::agent
