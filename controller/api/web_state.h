// What the candidate web edge needs beside the store: atelierd's access-code key, cookie and
// asset settings (WebOptions, fixed at start), and the failed-login limiter and the spacing of
// candidates' check runs (WebState, shared by every request). Codes are derived here from (key,
// session, candidate, generation), never stored.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
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
  // Where GET /assets/*, /assets/xterm/* and /assets/player/* read from; empty: 404.
  std::filesystem::path assets_dir;
  std::filesystem::path xterm_dir = "/usr/local/share/atelier/xterm";
  std::filesystem::path player_dir = "/usr/local/share/atelier/asciinema-player";
  // Debian's novnc package: its ES modules (core/, vendor/) serve the screens' pages.
  std::filesystem::path novnc_dir = "/usr/share/novnc";
  // Console recordings: DIR/<session>/<candidate>/<host>-<n>.cast (ConsoleHub); empty: none.
  std::filesystem::path recordings_dir;
  int max_failed_logins = 10;  // per client address in login_window
  std::chrono::seconds login_window{std::chrono::minutes(10)};
  // A candidate's "check my work" may start one check run per this time (atelierd
  // --candidate-check-every); 0: no limit.
  std::chrono::seconds candidate_check_every{60};
};

// One action per key per `every` (the candidate's "check my work": key "SESSION/CANDIDATE").
// Pure bookkeeping over the caller's clock; the caller holds WebState's lock.
class ActionSpacing {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ActionSpacing(std::chrono::seconds every) : every_(every) {}
  // Seconds until `key` may act again (0: now), rounded up.
  long long wait_seconds(const std::string& key, Clock::time_point now) const {
    auto it = last_.find(key);
    if (it == last_.end() || now - it->second >= every_) return 0;
    auto left = every_ - (now - it->second);
    return std::chrono::ceil<std::chrono::seconds>(left).count();
  }
  void note(const std::string& key, Clock::time_point now) { last_[key] = now; }

 private:
  std::chrono::seconds every_;
  std::map<std::string, Clock::time_point> last_;  // one entry per candidate who checked
};

// Shared by the handlers; the limiter has its own lock (handlers may one day run on several
// threads).
class WebState {
 public:
  explicit WebState(const WebOptions& o)
      : limiter_(o.max_failed_logins, o.login_window), check_spacing_(o.candidate_check_every) {}
  template <typename F>
  auto with_limiter(F&& f) {
    std::lock_guard lock(mutex_);
    return f(limiter_);
  }
  template <typename F>
  auto with_check_spacing(F&& f) {
    std::lock_guard lock(mutex_);
    return f(check_spacing_);
  }

 private:
  std::mutex mutex_;
  sessions::LoginRateLimiter limiter_;
  ActionSpacing check_spacing_;
};

// The candidate's code of `generation`, in canonical form "XXX-XXX-XXX": HMAC-SHA-256 of
// "atelier-access-code\0SESSION\0CANDIDATE\0GENERATION" under the key, read as nine symbols of
// kAccessCodeAlphabet (41.8 bits; the modulo bias of 2^64 over 25^9 is below 2^-21).
std::string derive_access_code(std::string_view key, std::string_view session,
                               std::string_view candidate, std::int64_t generation);

// Reads STATE_DIR's key file, or creates it (32 random bytes as hex, mode 0600) when absent.
Result<std::string> load_or_create_access_key(const std::filesystem::path& file);

}  // namespace atelier::api
