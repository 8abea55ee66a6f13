// Transport: how the recipe engine reaches one host — run a command, write, read and stat a
// file. Backends: LocalTransport/ChrootTransport (local_transport.h), LibsshTransport
// (libssh_transport.h). Ops are written only against this interface, so they behave the same
// whatever the transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace atelier::transport {

// What a command did. exit_code is the command's own status; -1 when it died on a signal.
struct ExecResult {
  int exit_code = 0;
  std::string stdout_text;
  std::string stderr_text;
};

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

// What stat() observed. Owners are numeric: names are resolved by the caller from the target's
// own /etc/passwd and /etc/group, which is the only resolution valid for a chroot.
struct FileStat {
  FileType type = FileType::kRegular;
  uint32_t mode = 0;  // permission bits only (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
};

// Numeric owner for put_file; unset fields are left as the transport creates them.
struct FileOwner {
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

// Where a transport runs commands: ops use it to decide what can be done (a chroot has no
// running services) and reports use it to name the host.
enum class TransportKind { kLocal, kChroot, kSsh, kAgent };

// The contract every backend keeps:
// - One Transport is one connection to one host, used by one thread at a time; the engine
//   creates it once per host and reuses it for every step (no reconnect per step).
// - Methods return errors as values: kUnavailable when the host cannot be reached or the
//   connection broke, kTimeout when a deadline passed, kNotFound for a missing path,
//   kPermissionDenied when the target refused, kIo for other failures. A command that runs
//   and exits non-zero is NOT an error: exec() returns its ExecResult.
// - Paths are absolute paths on the target (inside the chroot for ChrootTransport).
//
// The agent transport (TransportKind::kAgent, agent_transport.h) implements these four primitives
// over the controller<->agent channel (common/protocol); nothing in the engine depends on which
// backend it talks to. open_transport() (target.h) opens the backends a target URI can name.
class Transport {
 public:
  virtual ~Transport() = default;

  virtual TransportKind kind() const = 0;
  // A human name for reports and errors: "ssh://root@10.0.0.5:22", "chroot:///srv/img".
  virtual std::string describe() const = 0;

  // Runs `command` with /bin/sh -c on the target, stdin closed, and waits at most `timeout`.
  // On timeout the command (its process group where the backend can) is killed and kTimeout
  // returned. Not idempotent by itself: the command decides.
  virtual Result<ExecResult> exec(const std::string& command, std::chrono::seconds timeout) = 0;

  // Writes `content` to `path` atomically (temporary file in the same folder, then rename), sets
  // the permission bits to `mode` and, if given, the owner. The parent folder must exist
  // (kNotFound otherwise). Idempotent: writing the same content again leaves the same file.
  virtual Status put_file(const std::string& path, const std::string& content, uint32_t mode,
                          const FileOwner& owner) = 0;

  // Reads a whole file. kNotFound when it does not exist. Works for /proc files (size 0).
  virtual Result<std::string> get_file(const std::string& path) = 0;

  // Stats a path, following symlinks. kNotFound when it does not exist. Never changes anything.
  virtual Result<FileStat> stat(const std::string& path) = 0;
};

// Quotes one word for /bin/sh: 'it'\''s' style. Every value an op puts on a command line goes
// through this.
std::string shell_quote(const std::string& word);

}  // namespace atelier::transport
