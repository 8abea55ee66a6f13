// LibsshTransport: libssh's blocking API, one session per host, SFTP opened on first file use
// and kept; commands read through one ssh_event on the session (see exec).
#include "ansible-free-recipes/transport/libssh_transport.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <vector>

namespace atelier::transport {

struct LibsshTransport::Impl {
  ssh_session session = nullptr;
  sftp_session sftp = nullptr;
  SshOptions options;
  ~Impl() {
    if (sftp) sftp_free(sftp);
    if (session) {
      ssh_disconnect(session);
      ssh_free(session);
    }
  }
};

namespace {

std::string target_name(const SshOptions& o) {
  return "ssh://" + o.user + "@" + o.host + ":" + std::to_string(o.port);
}

Error sftp_error(sftp_session sftp, ssh_session session, const std::string& what) {
  int code = sftp ? sftp_get_error(sftp) : SSH_FX_FAILURE;
  switch (code) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH:
      return Error(ErrorCode::kNotFound, what + ": no such file");
    case SSH_FX_PERMISSION_DENIED:
      return Error(ErrorCode::kPermissionDenied, what + ": permission denied");
    case SSH_FX_CONNECTION_LOST:
    case SSH_FX_NO_CONNECTION:
      return Error(ErrorCode::kUnavailable, what + ": connection lost");
    default:
      return Error(ErrorCode::kIo, what + ": " + ssh_get_error(session) + " (sftp code " +
                                       std::to_string(code) + ")");
  }
}

std::string fingerprint(ssh_session session) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session, &key) != SSH_OK) return "?";
  unsigned char* hash = nullptr;
  size_t len = 0;
  std::string out = "?";
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) == 0) {
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    if (text) {
      out = text;
      ssh_string_free_char(text);
    }
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
  return out;
}

Status check_host_key(ssh_session session, const SshOptions& o) {
  const std::string file = o.known_hosts_file;
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      return ok_status();
    case SSH_KNOWN_HOSTS_CHANGED:
      return Error(ErrorCode::kPermissionDenied,
                   "host key of " + o.host + " CHANGED (now " + fingerprint(session) +
                       "): refusing to connect; if the host was rebuilt, remove its line from " +
                       file);
    case SSH_KNOWN_HOSTS_OTHER:
      return Error(ErrorCode::kPermissionDenied,
                   "host " + o.host + " offers a key of another type than the one in " + file +
                       ": refusing to connect");
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (o.host_key_policy == HostKeyPolicy::kStrict) {
        return Error(ErrorCode::kPermissionDenied, "unknown host key for " + o.host + " (" +
                                                       fingerprint(session) +
                                                       ") and the policy is strict: add it to " +
                                                       file + " or use --host-key accept-new");
      }
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return Error(ErrorCode::kIo,
                     "cannot record the host key in " + file + ": " + ssh_get_error(session));
      }
      return ok_status();
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return Error(ErrorCode::kIo, std::string("checking the host key: ") + ssh_get_error(session));
  }
}

// What authentication tried, for the refusal message: "agent (no key accepted), key X (refused)".
struct AuthLog {
  std::vector<std::string> tried;
  std::string text() const {
    std::string out;
    for (const auto& t : tried) out += (out.empty() ? "" : ", ") + t;
    return out;
  }
};

// One key file: kSuccess, kDenied (refused or unreadable, noted in log) or an error.
Result<bool> try_key_file(ssh_session s, const std::string& path, AuthLog& log, bool must_read) {
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
    if (must_read) return Error(ErrorCode::kInvalidArgument, "cannot read private key " + path);
    log.tried.push_back("key " + path + " (unreadable or passphrase-protected: skipped)");
    return false;
  }
  int rc = ssh_userauth_publickey(s, nullptr, key);
  ssh_key_free(key);
  if (rc == SSH_AUTH_SUCCESS) return true;
  if (rc == SSH_AUTH_ERROR)
    return Error(ErrorCode::kUnavailable,
                 std::string("authentication failed: ") + ssh_get_error(s));
  log.tried.push_back("key " + path + " (refused)");
  return false;
}

std::string default_ssh_dir(const SshOptions& o) {
  if (!o.ssh_dir.empty()) return o.ssh_dir;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.ssh";
}

// Like OpenSSH: the given key; or the agent, then the default keys that exist; then the password.
Status authenticate(ssh_session s, const SshOptions& o) {
  AuthLog log;
  auto done = [](Result<bool>& r) { return !r.ok() || *r; };
  if (o.identity_file) {
    auto r = try_key_file(s, *o.identity_file, log, true);
    if (done(r)) return r.ok() ? ok_status() : Status(std::move(r).error());
  } else {
    if (o.use_agent) {
      const char* sock = std::getenv("SSH_AUTH_SOCK");
      if (sock && *sock) {
        int rc = ssh_userauth_agent(s, nullptr);
        if (rc == SSH_AUTH_SUCCESS) return ok_status();
        if (rc == SSH_AUTH_ERROR) {
          return Error(ErrorCode::kUnavailable,
                       std::string("authentication failed: ") + ssh_get_error(s));
        }
        log.tried.push_back(std::string("the agent at ") + sock + " (no key accepted)");
      }
    }
    const std::string dir = default_ssh_dir(o);
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      const std::string path = dir + "/" + name;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      auto r = try_key_file(s, path, log, false);
      if (done(r)) return r.ok() ? ok_status() : Status(std::move(r).error());
    }
  }
  if (o.password) {
    int rc = ssh_userauth_password(s, nullptr, o.password->c_str());
    if (rc == SSH_AUTH_SUCCESS) return ok_status();
    if (rc == SSH_AUTH_ERROR)
      return Error(ErrorCode::kUnavailable,
                   std::string("authentication failed: ") + ssh_get_error(s));
    log.tried.push_back("password (refused)");
  }
  std::string tried = log.text();
  if (tried.empty()) {
    tried = "nothing (no agent, no " + default_ssh_dir(o) +
            "/id_ed25519, id_ecdsa or id_rsa; give --identity or --password-file)";
  }
  return Error(ErrorCode::kPermissionDenied,
               "authentication as " + o.user + " refused; tried " + tried);
}

}  // namespace

LibsshTransport::LibsshTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LibsshTransport::~LibsshTransport() = default;

std::string LibsshTransport::describe() const {
  return target_name(impl_->options);
}

Result<std::unique_ptr<LibsshTransport>> LibsshTransport::connect(const SshOptions& o) {
  const std::string name = target_name(o);
  if (o.known_hosts_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no known_hosts file given")
        .context("connect " + name);
  }
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  impl->session = ssh_new();
  if (!impl->session) return Error(ErrorCode::kInternal, "ssh_new failed");
  ssh_session s = impl->session;
  long timeout = static_cast<long>(o.connect_timeout.count());
  unsigned int port = static_cast<unsigned int>(o.port);
  int no = 0;
  ssh_options_set(s, SSH_OPTIONS_HOST, o.host.c_str());
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  ssh_options_set(s, SSH_OPTIONS_USER, o.user.c_str());
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, o.known_hosts_file.c_str());
  // Only our file decides: not /etc/ssh/ssh_known_hosts, not ~/.ssh/config.
  ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, o.known_hosts_file.c_str());
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
  // Every step is a few small request/answer round trips (SFTP stat, open, write, close): with
  // Nagle's algorithm each could wait for the peer's delayed ACK (up to 40 ms).
  int yes = 1;
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes);

  if (ssh_connect(s) != SSH_OK) {
    std::string msg = ssh_get_error(s);
    ErrorCode code =
        msg.find("imeout") != std::string::npos ? ErrorCode::kTimeout : ErrorCode::kUnavailable;
    return Error(code, "cannot connect: " + msg).context("connect " + name);
  }
  auto host_key = check_host_key(s, o);
  if (!host_key.ok()) return std::move(host_key).error().context("connect " + name);

  auto auth = authenticate(s, o);
  if (!auth.ok()) return std::move(auth).error().context("connect " + name);
  return std::unique_ptr<LibsshTransport>(new LibsshTransport(std::move(impl)));
}

namespace {

// Moves whatever libssh already holds for one stream into `out`; SSH_ERROR on a broken channel.
int drain(ssh_channel ch, int is_stderr, std::string& out) {
  char buf[65536];
  for (;;) {
    int n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), is_stderr);
    if (n == SSH_ERROR) return SSH_ERROR;
    if (n <= 0) return SSH_OK;
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

// The channel is read as libssh means it: one ssh_event on the session wakes when any packet
// arrives (stdout, stderr, EOF, exit status), both streams are drained without waiting, and the
// loop ends at EOF or close. No fixed poll interval: a command costs its own round trips only.
Result<ExecResult> LibsshTransport::exec(const std::string& command, std::chrono::seconds timeout) {
  ssh_session s = impl_->session;
  ssh_channel ch = ssh_channel_new(s);
  ssh_event ev = nullptr;
  auto release = [&] {
    if (ev) {
      ssh_event_remove_session(ev, s);
      ssh_event_free(ev);
      ev = nullptr;
    }
    if (ch) {
      ssh_channel_close(ch);
      ssh_channel_free(ch);
      ch = nullptr;
    }
  };
  auto fail = [&](const std::string& what) -> Error {
    Error e(ErrorCode::kUnavailable, what + ": " + ssh_get_error(s));
    release();
    return e;
  };
  if (!ch) return fail("open channel");
  if (ssh_channel_open_session(ch) != SSH_OK) return fail("open session channel");
  if (ssh_channel_request_exec(ch, command.c_str()) != SSH_OK) return fail("start command");
  ssh_channel_send_eof(ch);  // stdin is closed (the Transport contract)

  ExecResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ev = ssh_event_new();
  if (!ev || ssh_event_add_session(ev, s) != SSH_OK) return fail("poll the session");
  for (;;) {
    if (drain(ch, 0, result.stdout_text) == SSH_ERROR) return fail("read command output");
    if (drain(ch, 1, result.stderr_text) == SSH_ERROR) return fail("read command errors");
    if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch)) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      release();
      return Error(ErrorCode::kTimeout,
                   "command did not finish within " + std::to_string(timeout.count()) + " s");
    }
    if (ssh_event_dopoll(ev, static_cast<int>(std::min<long long>(left, INT_MAX))) == SSH_ERROR) {
      return fail("wait for command output");
    }
  }
  ssh_event_remove_session(ev, s);
  ssh_event_free(ev);
  ev = nullptr;
  // EOF came; the exit status is in the same burst or the next packet (blocks at most the
  // session timeout, the connect timeout).
  result.exit_code = ssh_channel_get_exit_status(ch);
  release();
  return result;
}

Status LibsshTransport::ensure_sftp() {
  if (impl_->sftp) return ok_status();
  impl_->sftp = sftp_new(impl_->session);
  if (!impl_->sftp)
    return Error(ErrorCode::kUnavailable,
                 std::string("start SFTP: ") + ssh_get_error(impl_->session));
  if (sftp_init(impl_->sftp) != SSH_OK) {
    sftp_free(impl_->sftp);
    impl_->sftp = nullptr;
    return Error(ErrorCode::kUnavailable,
                 std::string("start SFTP (is the sftp subsystem enabled?): ") +
                     ssh_get_error(impl_->session));
  }
  return ok_status();
}

Result<std::string> LibsshTransport::get_file(const std::string& path) {
  ATELIER_RETURN_IF_ERROR(ensure_sftp());
  sftp_file f = sftp_open(impl_->sftp, path.c_str(), O_RDONLY, 0);
  if (!f) return sftp_error(impl_->sftp, impl_->session, "open " + path);
  std::string out;
  char buf[32768];
  for (;;) {
    ssize_t n = sftp_read(f, buf, sizeof(buf));
    if (n < 0) {
      auto e = sftp_error(impl_->sftp, impl_->session, "read " + path);
      sftp_close(f);
      return e;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  sftp_close(f);
  return out;
}

Status LibsshTransport::put_file(const std::string& path, const std::string& content, uint32_t mode,
                                 const FileOwner& owner) {
  ATELIER_RETURN_IF_ERROR(ensure_sftp());
  static std::atomic<unsigned> counter{0};
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return Error(ErrorCode::kInvalidArgument, "path must be absolute: " + path);
  std::string tmp = path.substr(0, slash + 1) + ".atelier-" + std::to_string(counter++) + "-" +
                    path.substr(slash + 1);
  sftp_file f = sftp_open(impl_->sftp, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!f) return sftp_error(impl_->sftp, impl_->session, "create " + path);
  auto fail = [&](const std::string& what) -> Status {
    auto e = sftp_error(impl_->sftp, impl_->session, what + " " + path);
    sftp_unlink(impl_->sftp, tmp.c_str());
    return e;
  };
  size_t done = 0;
  while (done < content.size()) {
    size_t chunk = std::min<size_t>(content.size() - done, 32768);
    ssize_t n = sftp_write(f, content.data() + done, chunk);
    if (n <= 0) {
      sftp_close(f);
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (sftp_close(f) != SSH_OK) return fail("close");
  if (owner.uid || owner.gid) {
    uid_t uid = 0;
    gid_t gid = 0;
    if (!owner.uid || !owner.gid) {
      sftp_attributes a = sftp_stat(impl_->sftp, tmp.c_str());
      if (!a) return fail("stat");
      uid = a->uid;
      gid = a->gid;
      sftp_attributes_free(a);
    }
    if (owner.uid) uid = *owner.uid;
    if (owner.gid) gid = *owner.gid;
    if (sftp_chown(impl_->sftp, tmp.c_str(), uid, gid) != SSH_OK) return fail("chown");
  }
  if (sftp_chmod(impl_->sftp, tmp.c_str(), mode & 07777) != SSH_OK) return fail("chmod");
  // A new file: SFTP's rename is enough (no extra command). SFTP v3 rename refuses an existing
  // target, so a replacement goes through mv -f, an atomic rename(2) on the host.
  if (sftp_rename(impl_->sftp, tmp.c_str(), path.c_str()) == SSH_OK) return ok_status();
  auto mv =
      exec("mv -f -- " + shell_quote(tmp) + " " + shell_quote(path), std::chrono::seconds(30));
  if (!mv.ok() || mv->exit_code != 0) {
    sftp_unlink(impl_->sftp, tmp.c_str());
    if (!mv.ok()) return std::move(mv).error().context("rename into " + path);
    return Error(ErrorCode::kIo, "rename into " + path + ": " + mv->stderr_text);
  }
  return ok_status();
}

Result<FileStat> LibsshTransport::stat(const std::string& path) {
  ATELIER_RETURN_IF_ERROR(ensure_sftp());
  sftp_attributes a = sftp_stat(impl_->sftp, path.c_str());
  if (!a) return sftp_error(impl_->sftp, impl_->session, "stat " + path);
  FileStat out;
  out.type = a->type == SSH_FILEXFER_TYPE_REGULAR     ? FileType::kRegular
             : a->type == SSH_FILEXFER_TYPE_DIRECTORY ? FileType::kDirectory
             : a->type == SSH_FILEXFER_TYPE_SYMLINK   ? FileType::kSymlink
                                                      : FileType::kOther;
  out.mode = a->permissions & 07777;
  out.uid = a->uid;
  out.gid = a->gid;
  out.size = a->size;
  sftp_attributes_free(a);
  return out;
}

}  // namespace atelier::transport
