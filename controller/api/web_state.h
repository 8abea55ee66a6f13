// What the candidate web edge needs beside the store: atelierd's access-code key, cookie and
// asset settings (WebOptions, fixed at start), and the failed-login limiter (WebState, shared by
// every request). Codes are derived here from (key, session, candidate, generation), never stored.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/sessions/access_code.h"

namespace atelier::api {

struct WebOptions {
  // The secret the codes are derived from and hashed with (atelierd keeps it in
  // STATE_DIR/access.key, mode 0600). Empty: the code and login endpoints answer 503.
  std::string access_key;
  bool secure_cookies = false;  // atelierd serves TLS: cookies get Secure
  std::chrono::seconds web_session_ttl{std::chrono::hours(12)};
  // Where GET /assets/* and /assets/xterm/* read from; empty: 404.
  std::filesystem::path assets_dir;
  std::filesystem::path xterm_dir = "/usr/local/share/atelier/xterm";
  // Console recordings: DIR/<session>/<candidate>/<host>-<n>.cast (ConsoleHub); empty: none.
  std::filesystem::path recordings_dir;
  int max_failed_logins = 10;  // per client address in login_window
  std::chrono::seconds login_window{std::chrono::minutes(10)};
};

// Shared by the handlers; the limiter has its own lock (handlers may one day run on several
// threads).
class WebState {
 public:
  explicit WebState(const WebOptions& o) : limiter_(o.max_failed_logins, o.login_window) {}
  template <typename F>
  auto with_limiter(F&& f) {
    std::lock_guard lock(mutex_);
    return f(limiter_);
  }

 private:
  std::mutex mutex_;
  sessions::LoginRateLimiter limiter_;
};

// The candidate's code of `generation`, in canonical form "XXX-XXX-XXX": HMAC-SHA-256 of
// "atelier-access-code\0SESSION\0CANDIDATE\0GENERATION" under the key, read as nine symbols of
// kAccessCodeAlphabet (41.8 bits; the modulo bias of 2^64 over 25^9 is below 2^-21).
std::string derive_access_code(std::string_view key, std::string_view session,
                               std::string_view candidate, std::int64_t generation);

// Reads STATE_DIR's key file, or creates it (32 random bytes as hex, mode 0600) when absent.
Result<std::string> load_or_create_access_key(const std::filesystem::path& file);

}  // namespace atelier::api
