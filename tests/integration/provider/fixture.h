// Helpers of the provider's integration tests: per-test libvirt test-driver fixtures and temp
// directories that clean up after themselves.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "controller/provider/provider.h"
#include "tests/support/test_support.h"

namespace atelier::provider::testing {

// A temporary directory (mode 0755, so libvirt-qemu can traverse it), removed at destruction.
class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("atelier-provider", std::filesystem::perms(0755)) {}
};

// Writes fixtures/base.xml plus `extra` top-level elements (domains, networks, pools: XML
// fragments) into dir/node.xml and returns the test-driver URI for it.
std::string make_fixture(const TempDir& dir, const std::vector<std::string>& extra = {});

// A private sshd on 127.0.0.1 (free port, own host key, root login with a fresh client key
// only), for qemu+ssh:// URIs to this machine. Stopped (by its pid) at destruction.
class PrivateSshd {
 public:
  explicit PrivateSshd(const std::filesystem::path& dir);
  ~PrivateSshd();
  bool started() const { return pid_ > 0; }
  // qemu+ssh://root@127.0.0.1:PORT/system?keyfile=...&no_verify=1
  std::string qemu_uri() const;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  int pid_ = -1;
};

// Options for the real qemu:///system with the test's own overlay pool ("atelier-test-SESSION",
// in dir/overlays) and a call deadline of 5 minutes: a libvirtd that re-probes QEMU on every
// capabilities lookup (docs/provider.md) needs minutes per define on a loaded 2-core host.
LibvirtOptions system_options(const TempDir& dir, const std::string& session);

// Runs a shell command; returns its stdout (and exit status through *status).
std::string run(const std::string& command, int* status = nullptr);

}  // namespace atelier::provider::testing

// EXPECT/ASSERT that a Result or Status is ok, printing its error otherwise.
#define ATELIER_EXPECT_OK(expr)                                                         \
  do {                                                                                  \
    auto&& atelier_r_ = (expr);                                                         \
    EXPECT_TRUE(atelier_r_.ok()) << #expr << ": "                                       \
                                 << (atelier_r_.ok() ? std::string()                    \
                                                     : atelier_r_.error().to_string()); \
  } while (false)
#define ATELIER_ASSERT_OK(expr)                                                         \
  do {                                                                                  \
    auto&& atelier_r_ = (expr);                                                         \
    ASSERT_TRUE(atelier_r_.ok()) << #expr << ": "                                       \
                                 << (atelier_r_.ok() ? std::string()                    \
                                                     : atelier_r_.error().to_string()); \
  } while (false)
