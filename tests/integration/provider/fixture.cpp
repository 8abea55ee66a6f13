// Per-test fixtures for the provider's integration tests.
#include "tests/integration/provider/fixture.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <pugixml.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace atelier::provider::testing {

std::string make_fixture(const TempDir& dir, const std::vector<std::string>& extra) {
  pugi::xml_document doc;
  std::string base = std::string(ATELIER_PROVIDER_FIXTURES) + "/base.xml";
  if (!doc.load_file(base.c_str())) {
    throw std::runtime_error("cannot load " + base);
  }
  pugi::xml_node node = doc.child("node");
  for (const std::string& fragment : extra) {
    pugi::xml_document part;
    if (!part.load_string(fragment.c_str())) {
      throw std::runtime_error("bad fixture fragment: " + fragment);
    }
    for (pugi::xml_node child : part.children()) {
      node.append_copy(child);
    }
  }
  std::filesystem::path out = dir.path() / "node.xml";
  if (!doc.save_file(out.c_str())) {
    throw std::runtime_error("cannot write " + out.string());
  }
  return "test://" + out.string();
}

namespace {

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

PrivateSshd::PrivateSshd(const std::filesystem::path& dir) : dir_(dir) {
  std::filesystem::create_directories(dir_);
  ::chmod(dir_.c_str(), 0755);
  std::string d = dir_.string();
  int status = 0;
  run("ssh-keygen -q -t ed25519 -N '' -f " + d + "/hostkey && ssh-keygen -q -t ed25519 -N '' -f " +
          d + "/clientkey && cp " + d + "/clientkey.pub " + d + "/authorized_keys",
      &status);
  if (status != 0) {
    return;
  }
  port_ = free_loopback_port();
  {
    std::ofstream config(dir_ / "sshd_config");
    config << "Port " << port_ << "\nListenAddress 127.0.0.1\nHostKey " << d
           << "/hostkey\nAuthorizedKeysFile " << d << "/authorized_keys\n"
           << "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
           << "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile " << d
           << "/sshd.pid\n";
  }
  std::filesystem::create_directories("/run/sshd");  // sshd's privilege-separation directory
  run("/usr/sbin/sshd -f " + d + "/sshd_config -E " + d + "/sshd.log", &status);
  if (status != 0) {
    return;
  }
  EXPECT_TRUE(test_support::wait_until(
      [&] {
        std::ifstream pidfile(dir_ / "sshd.pid");
        return static_cast<bool>(pidfile >> pid_) && pid_ > 0;
      },
      std::chrono::seconds(5), "sshd's pid file"));
}

PrivateSshd::~PrivateSshd() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
  }
}

std::string PrivateSshd::qemu_uri() const {
  return "qemu+ssh://root@127.0.0.1:" + std::to_string(port_) +
         "/system?keyfile=" + (dir_ / "clientkey").string() + "&no_verify=1";
}

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    if (status) *status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  int rc = ::pclose(pipe);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

LibvirtOptions system_options(const TempDir& dir, const std::string& session) {
  LibvirtOptions opts;
  opts.uri = "qemu:///system";
  opts.overlay_dir = (dir.path() / "overlays").string();
  opts.overlay_pool = "atelier-test-" + session;
  opts.call_timeout = std::chrono::minutes(5);
  return opts;
}

}  // namespace atelier::provider::testing
