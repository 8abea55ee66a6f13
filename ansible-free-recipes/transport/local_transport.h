// LocalTransport runs on this machine; ChrootTransport runs inside a root folder (to bake images):
// commands through `chroot DIR /bin/sh -c`, files through openat2(RESOLVE_IN_ROOT) so that a
// symlink inside the root never escapes to the host's files.
#pragma once

#include <string>
#include <vector>

#include "ansible-free-recipes/transport/transport.h"

namespace atelier::transport {

class LocalTransport : public Transport {
 public:
  // root "/" is this machine; any other absolute folder is a chroot. The folder must exist;
  // open() checks it.
  static Result<std::unique_ptr<LocalTransport>> open(const std::string& root);
  ~LocalTransport() override;

  TransportKind kind() const override {
    return chroot_ ? TransportKind::kChroot : TransportKind::kLocal;
  }
  std::string describe() const override;
  Result<ExecResult> exec(const std::string& command, std::chrono::seconds timeout) override;
  Status put_file(const std::string& path, const std::string& content, uint32_t mode,
                  const FileOwner& owner) override;
  Result<std::string> get_file(const std::string& path) override;
  Result<FileStat> stat(const std::string& path) override;

 protected:
  LocalTransport(std::string root, int root_fd);

 private:
  std::string root_;
  int root_fd_;
  bool chroot_;
};

// The same transport, named for what it is used for: ChrootTransport::open("/srv/image-root").
class ChrootTransport {
 public:
  static Result<std::unique_ptr<LocalTransport>> open(const std::string& root) {
    if (root.empty() || root == "/") {
      return Error(ErrorCode::kInvalidArgument, "a chroot target needs a folder other than /");
    }
    return LocalTransport::open(root);
  }
};

// Runs argv (no shell) on this machine with a deadline; the process group is killed on timeout.
// Exposed for tests and for LocalTransport; argv[0] is searched in PATH.
Result<ExecResult> run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout);

}  // namespace atelier::transport
