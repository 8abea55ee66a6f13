// LibsshTransport: libssh's blocking API, one session per host, SFTP opened on first file use.
#include "ansible-free-recipes/transport/libssh_transport.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <atomic>

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
      return Error(ErrorCode::kIo, what + ": " + ssh_get_error(session) + " (sftp code " + std::to_string(code) + ")");
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
                       "): refusing to connect; if the host was rebuilt, remove its line from " + file);
    case SSH_KNOWN_HOSTS_OTHER:
      return Error(ErrorCode::kPermissionDenied, "host " + o.host + " offers a key of another type than the one in " + file +
                                                     ": refusing to connect");
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (o.host_key_policy == HostKeyPolicy::kStrict) {
        return Error(ErrorCode::kPermissionDenied,
                     "unknown host key for " + o.host + " (" + fingerprint(session) + ") and the policy is strict: add it to " +
                         file + " or use --host-key accept-new");
      }
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return Error(ErrorCode::kIo, "cannot record the host key in " + file + ": " + ssh_get_error(session));
      }
      return ok_status();
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return Error(ErrorCode::kIo, std::string("checking the host key: ") + ssh_get_error(session));
  }
}

}  // namespace

LibsshTransport::LibsshTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LibsshTransport::~LibsshTransport() = default;

std::string LibsshTransport::describe() const { return target_name(impl_->options); }

Result<std::unique_ptr<LibsshTransport>> LibsshTransport::connect(const SshOptions& o) {
  const std::string name = target_name(o);
  if (o.known_hosts_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no known_hosts file given").context("connect " + name);
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

  if (ssh_connect(s) != SSH_OK) {
    std::string msg = ssh_get_error(s);
    ErrorCode code = msg.find("imeout") != std::string::npos ? ErrorCode::kTimeout : ErrorCode::kUnavailable;
    return Error(code, "cannot connect: " + msg).context("connect " + name);
  }
  auto host_key = check_host_key(s, o);
  if (!host_key.ok()) return std::move(host_key).error().context("connect " + name);

  bool authenticated = false;
  std::string tried;
  if (o.identity_file) {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_file(o.identity_file->c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
      return Error(ErrorCode::kInvalidArgument, "cannot read private key " + *o.identity_file).context("connect " + name);
    }
    int rc = ssh_userauth_publickey(s, nullptr, key);
    ssh_key_free(key);
    if (rc == SSH_AUTH_SUCCESS) authenticated = true;
    else if (rc == SSH_AUTH_ERROR) {
      return Error(ErrorCode::kUnavailable, std::string("authentication failed: ") + ssh_get_error(s)).context("connect " + name);
    }
    tried = "key " + *o.identity_file;
  }
  if (!authenticated && o.password) {
    int rc = ssh_userauth_password(s, nullptr, o.password->c_str());
    if (rc == SSH_AUTH_SUCCESS) authenticated = true;
    else if (rc == SSH_AUTH_ERROR) {
      return Error(ErrorCode::kUnavailable, std::string("authentication failed: ") + ssh_get_error(s)).context("connect " + name);
    }
    tried += std::string(tried.empty() ? "" : " and ") + "password";
  }
  if (!authenticated) {
    if (tried.empty()) tried = "nothing (give --identity or --password-file)";
    return Error(ErrorCode::kPermissionDenied, "authentication as " + o.user + " refused; tried " + tried)
        .context("connect " + name);
  }
  return std::unique_ptr<LibsshTransport>(new LibsshTransport(std::move(impl)));
}

Result<ExecResult> LibsshTransport::exec(const std::string& command, std::chrono::seconds timeout) {
  ssh_session s = impl_->session;
  auto fail = [&](ssh_channel ch, const std::string& what) -> Error {
    Error e(ErrorCode::kUnavailable, what + ": " + ssh_get_error(s));
    if (ch) {
      ssh_channel_close(ch);
      ssh_channel_free(ch);
    }
    return e;
  };
  ssh_channel ch = ssh_channel_new(s);
  if (!ch) return fail(nullptr, "open channel");
  if (ssh_channel_open_session(ch) != SSH_OK) return fail(ch, "open session channel");
  if (ssh_channel_request_exec(ch, command.c_str()) != SSH_OK) return fail(ch, "start command");

  ExecResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      ssh_channel_close(ch);
      ssh_channel_free(ch);
      return Error(ErrorCode::kTimeout, "command did not finish within " + std::to_string(timeout.count()) + " s");
    }
    int n = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, 50);
    if (n == SSH_ERROR) return fail(ch, "read command output");
    if (n > 0) result.stdout_text.append(buf, static_cast<size_t>(n));
    int m = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 1);
    if (m == SSH_ERROR) return fail(ch, "read command errors");
    if (m > 0) result.stderr_text.append(buf, static_cast<size_t>(m));
    if (n <= 0 && m <= 0 && ssh_channel_is_eof(ch)) break;
  }
  ssh_channel_send_eof(ch);
  result.exit_code = ssh_channel_get_exit_status(ch);
  ssh_channel_close(ch);
  ssh_channel_free(ch);
  return result;
}

Status LibsshTransport::ensure_sftp() {
  if (impl_->sftp) return ok_status();
  impl_->sftp = sftp_new(impl_->session);
  if (!impl_->sftp) return Error(ErrorCode::kUnavailable, std::string("start SFTP: ") + ssh_get_error(impl_->session));
  if (sftp_init(impl_->sftp) != SSH_OK) {
    sftp_free(impl_->sftp);
    impl_->sftp = nullptr;
    return Error(ErrorCode::kUnavailable, std::string("start SFTP (is the sftp subsystem enabled?): ") + ssh_get_error(impl_->session));
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
  if (slash == std::string::npos) return Error(ErrorCode::kInvalidArgument, "path must be absolute: " + path);
  std::string tmp = path.substr(0, slash + 1) + ".atelier-" + std::to_string(counter++) + "-" + path.substr(slash + 1);
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
  auto mv = exec("mv -f -- " + shell_quote(tmp) + " " + shell_quote(path), std::chrono::seconds(30));
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
