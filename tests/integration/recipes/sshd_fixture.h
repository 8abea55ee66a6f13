// A real OpenSSH server for tests: its own host key, authorized key, config and pid file in a temp
// folder, listening on 127.0.0.1 at a free port, run as `sshd -D -f CONFIG`, stopped (by its pid)
// and cleaned up in the destructor. Needs root (sshd privilege separation).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/unit/recipes/test_roots.h"

namespace atelier::recipes::testing {

inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

inline bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

class SshdFixture {
 public:
  SshdFixture() {
    namespace fs = std::filesystem;
    const auto d = dir_.path();
    if (std::system(("ssh-keygen -q -t ed25519 -N '' -f " + (d / "host_key").string() +
                     " && ssh-keygen -q -t ed25519 -N '' -f " + (d / "client_key").string() +
                     " && ssh-keygen -q -t ed25519 -N '' -f " + (d / "other_host_key").string())
                        .c_str()) != 0) {
      throw std::runtime_error("ssh-keygen failed");
    }
    fs::copy_file(d / "client_key.pub", d / "authorized_keys");
    // sshd needs its privilege-separation folder; Debian's package creates it at boot only.
    fs::create_directories("/run/sshd");
    port_ = free_port();
    write_text(d / "sshd_config",
               "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " +
                   (d / "host_key").string() + "\nPidFile " + (d / "sshd.pid").string() +
                   "\nAuthorizedKeysFile " + (d / "authorized_keys").string() +
                   "\nPermitRootLogin yes\nPasswordAuthentication "
                   "yes\nKbdInteractiveAuthentication no\nUsePAM no\n"
                   "StrictModes no\nSubsystem sftp internal-sftp\nLogLevel ERROR\nMaxStartups "
                   "50\nMaxSessions 50\n");
    std::string config = (d / "sshd_config").string();
    std::string log = (d / "sshd.log").string();
    const char* argv[] = {"/usr/sbin/sshd", "-D", "-e", "-f", config.c_str(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, const_cast<char* const*>(argv), environ) != 0) {
      throw std::runtime_error("cannot start sshd");
    }
    posix_spawn_file_actions_destroy(&fa);
    if (!test_support::wait_until([&] { return port_open(port_); }, std::chrono::seconds(5),
                                  "sshd to listen"))
      throw std::runtime_error("sshd did not listen: " + read_text(log));
  }
  ~SshdFixture() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
  }
  int port() const { return port_; }
  std::string dir() const { return dir_.str(); }
  std::string client_key() const { return (dir_.path() / "client_key").string(); }
  std::string host_pub() const { return read_text(dir_.path() / "host_key.pub"); }
  std::string other_host_pub() const { return read_text(dir_.path() / "other_host_key.pub"); }
  std::string log() const { return read_text(dir_.path() / "sshd.log"); }

 private:
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace atelier::recipes::testing
