// Seed rendering (pure) and the FAT seed disk writer (mkfs.vfat -C + mtools).
#include "controller/images/seed.h"

#include <unistd.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <system_error>

#include "common/process/run_process.h"

namespace atelier::images {
namespace {

namespace fs = std::filesystem;

Error invalid(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, what).context("render seed");
}

bool has_control(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// A JSON string is a valid YAML double-quoted scalar.
std::string yq(const std::string& s) {
  return boost::json::serialize(boost::json::value(s));
}

bool valid_ipv4_cidr(const std::string& s, bool need_prefix) {
  static const std::regex kRe(R"(^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(/(\d{1,2}))?$)");
  std::smatch m;
  if (!std::regex_match(s, m, kRe)) return false;
  for (int i = 1; i <= 4; ++i) {
    if (std::stoi(m[i].str()) > 255) return false;
  }
  if (m[5].matched) return std::stoi(m[6].str()) <= 32;
  return !need_prefix;
}

}  // namespace

std::string shell_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

// Every field a seed file carries, checked: ids, names, keys and arguments end up in YAML and
// shell files, so anything that could break out of its quoting is refused here.
Status validate_seed(const SeedSpec& spec) {
  static const std::regex kHostRe("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  static const std::regex kIdRe("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$");
  static const std::regex kMacRe("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$");
  static const std::regex kKeyRe("^(ssh|ecdsa|sk)-[a-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\\n]*)?$");
  static const std::regex kWordRe("^[^\\s'\"\\\\$`]+$");

  if (!std::regex_match(spec.instance_id, kIdRe))
    return invalid("instance_id '" + spec.instance_id + "': expected [A-Za-z0-9_.:-], at most 128");
  if (!std::regex_match(spec.hostname, kHostRe))
    return invalid("hostname '" + spec.hostname + "': expected a-z, 0-9 and '-', at most 63");
  for (const auto* id : {&spec.session, &spec.candidate, &spec.host}) {
    if (!std::regex_match(*id, kIdRe))
      return invalid("agent identity '" + *id + "': expected [A-Za-z0-9_.:-], at most 128");
  }
  if (has_control(spec.root_password)) return invalid("root_password: control characters");
  for (const auto& k : spec.authorized_keys) {
    if (!std::regex_match(k, kKeyRe))
      return invalid("authorized key '" + k.substr(0, 40) +
                     "...': expected an OpenSSH public key line");
  }
  for (const auto& a : spec.agent_args) {
    if (!std::regex_match(a, kWordRe))
      return invalid("agent argument '" + a + "': expected one word without quotes, '$' or '\\'");
  }
  for (std::size_t i = 0; i < spec.nics.size(); ++i) {
    const auto& n = spec.nics[i];
    std::string where = "nic " + std::to_string(i);
    if (!std::regex_match(n.mac, kMacRe))
      return invalid(where + ": MAC '" + n.mac + "': expected lower-case aa:bb:cc:dd:ee:ff");
    for (std::size_t j = 0; j < i; ++j) {
      if (spec.nics[j].mac == n.mac) return invalid(where + ": MAC " + n.mac + " used twice");
    }
    for (const auto& a : n.addresses) {
      if (!valid_ipv4_cidr(a, true))
        return invalid(where + ": address '" + a + "': expected CIDR such as 10.0.0.1/24");
    }
    if (n.gateway && !valid_ipv4_cidr(*n.gateway, false))
      return invalid(where + ": gateway '" + *n.gateway + "': expected an IPv4 address");
  }
  return ok_status();
}

// cloud-init's network-config (version 2): each NIC matched by its MAC, static addresses only.
std::string network_config(const SeedSpec& spec) {
  std::string net = "version: 2\nethernets:\n";
  if (spec.nics.empty()) net = "version: 2\n";
  for (std::size_t i = 0; i < spec.nics.size(); ++i) {
    const auto& n = spec.nics[i];
    net += "  nic" + std::to_string(i) + ":\n";
    net += "    match:\n      macaddress: " + yq(n.mac) + "\n";
    net += "    dhcp4: false\n    dhcp6: false\n";
    if (!n.addresses.empty()) {
      net += "    addresses:\n";
      for (const auto& a : n.addresses) net += "      - " + a + "\n";
    }
    if (n.gateway) net += "    routes:\n      - to: default\n        via: " + *n.gateway + "\n";
  }
  return net;
}

}  // namespace

Result<std::vector<SeedFile>> render_seed(const SeedSpec& spec) {
  ATELIER_RETURN_IF_ERROR(validate_seed(spec));
  std::vector<SeedFile> files;

  // --- NoCloud -----------------------------------------------------------------------------
  files.push_back({"meta-data", "instance-id: " + yq(spec.instance_id) +
                                    "\nlocal-hostname: " + yq(spec.hostname) + "\n"});

  files.push_back({"network-config", network_config(spec)});

  std::string agent_env = "ATELIER_SESSION=" + spec.session +
                          "\nATELIER_CANDIDATE=" + spec.candidate + "\nATELIER_HOST=" + spec.host +
                          "\n";
  std::string args;
  for (const auto& a : spec.agent_args) args += (args.empty() ? "" : " ") + a;
  agent_env += "ATELIER_AGENT_ARGS=" + args + "\n";

  std::string ud = "#cloud-config\n";
  ud += "hostname: " + yq(spec.hostname) + "\n";
  ud += "manage_etc_hosts: true\n";
  ud += "disable_root: false\n";
  if (!spec.root_password.empty()) {
    ud += "ssh_pwauth: true\n";
    ud += "chpasswd:\n  expire: false\n  users:\n    - name: root\n      password: " +
          yq(spec.root_password) + "\n      type: text\n";
  }
  if (!spec.authorized_keys.empty()) {
    ud += "ssh_authorized_keys:\n";
    for (const auto& k : spec.authorized_keys) ud += "  - " + yq(k) + "\n";
  }
  ud += "write_files:\n  - path: /etc/atelier/agent.env\n    permissions: \"0644\"\n    content: " +
        yq(agent_env) + "\n";
  files.push_back({"user-data", ud});

  // --- atelier's own layout (read by atelier-firstboot) ---------------------------------------
  std::string env;
  auto kv = [&](const char* k, const std::string& v) {
    env += std::string(k) + "=" + shell_quote(v) + "\n";
  };
  kv("ATELIER_INSTANCE_ID", spec.instance_id);
  kv("ATELIER_HOSTNAME", spec.hostname);
  kv("ATELIER_ROOT_PASSWORD", spec.root_password);
  kv("ATELIER_SESSION", spec.session);
  kv("ATELIER_CANDIDATE", spec.candidate);
  kv("ATELIER_HOST", spec.host);
  kv("ATELIER_AGENT_ARGS", args);
  kv("ATELIER_DISPLAY", spec.display ? "1" : "0");
  files.push_back({"atelier/host.env", env});

  std::string nics = "# MAC ADDRESSES(comma-separated CIDR, or -) [GATEWAY]\n";
  for (const auto& n : spec.nics) {
    std::string addrs;
    for (const auto& a : n.addresses) addrs += (addrs.empty() ? "" : ",") + a;
    nics +=
        n.mac + " " + (addrs.empty() ? "-" : addrs) + (n.gateway ? " " + *n.gateway : "") + "\n";
  }
  files.push_back({"atelier/nics", nics});

  std::string keys;
  for (const auto& k : spec.authorized_keys) keys += k + "\n";
  files.push_back({"atelier/authorized_keys", keys});
  return files;
}

Status write_seed_disk(const std::vector<SeedFile>& files,
                       const std::optional<std::string>& agent_binary,
                       const std::string& out_path) {
  auto fail = [&](Error e) { return std::move(e).context("write seed disk " + out_path); };
  std::error_code ec;
  fs::path out(out_path);
  fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  fs::path staging = dir / (".seed-" + out.filename().string() + "-" + std::to_string(getpid()));
  fs::remove_all(staging, ec);
  if (!fs::create_directories(staging / "atelier", ec) && ec) {
    return fail(Error(ErrorCode::kIo, "create " + staging.string() + ": " + ec.message()));
  }
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{staging};

  std::uintmax_t total = 0;
  for (const auto& f : files) {
    fs::path p = staging / "tree" / f.path;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream o(p, std::ios::binary);
    o << f.content;
    if (!o) return fail(Error(ErrorCode::kIo, "write " + p.string()));
    total += f.content.size() + 4096;
  }
  fs::path agent_copy;
  if (agent_binary) {
    if (!fs::exists(*agent_binary)) {
      return fail(Error(ErrorCode::kNotFound, "agent binary " + *agent_binary + " does not exist"));
    }
    agent_copy = staging / "tree" / "atelier" / "atelier-agent";
    fs::create_directories(agent_copy.parent_path(), ec);
    auto stripped = process::run_process(
        {.argv = {"strip", "--strip-debug", "-o", agent_copy.string(), *agent_binary},
         .timeout = std::chrono::seconds(60)});
    if (!stripped.ok() || stripped->exit_code != 0) {
      fs::copy_file(*agent_binary, agent_copy, fs::copy_options::overwrite_existing, ec);
      if (ec) return fail(Error(ErrorCode::kIo, "copy agent binary: " + ec.message()));
    }
    total += fs::file_size(agent_copy, ec) + 4096;
  }
  // FAT overhead, with room to spare; whole MiB.
  std::uintmax_t kib = ((total + (total / 8) + (2u << 20)) / (1u << 20)) * 1024;
  fs::path image = staging / "seed.img";
  auto mk = process::run_checked(
      {.argv = {"mkfs.vfat", "-n", "CIDATA", "-C", image.string(), std::to_string(kib)},
       .timeout = std::chrono::seconds(60)});
  if (!mk.ok()) return fail(std::move(mk).error());

  // mtools: copy the tree in (mcopy -s copies folders recursively).
  std::vector<std::string> argv = {"mcopy", "-i", image.string(), "-s", "-o"};
  for (auto& entry : fs::directory_iterator(staging / "tree"))
    argv.push_back(entry.path().string());
  argv.push_back("::/");
  auto cp = process::run_checked(
      {.argv = argv, .env = {"MTOOLS_SKIP_CHECK=1"}, .timeout = std::chrono::seconds(120)});
  if (!cp.ok()) return fail(std::move(cp).error());

  fs::permissions(image, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(image, out, ec);
  if (ec) return fail(Error(ErrorCode::kIo, "rename to " + out.string() + ": " + ec.message()));
  return ok_status();
}

}  // namespace atelier::images
