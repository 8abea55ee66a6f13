// How often the controller runs a session's checks: the trainer's per-session value (text as
// in the lab format, "30s", "2m", or "off"), and which of session, lab and atelierd wins.
// Pure functions, table-tested in tests/unit/sessions/check_interval_test.cpp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::sessions {

// A session's own interval: at least 1s and at most this, or 0 for "off".
inline constexpr std::chrono::seconds kMaxCheckInterval{std::chrono::hours(24)};

// "30s", "2m", "1h30m" (whole seconds, 1s..24h), or "off" / "0" / "0s": no periodic checks in
// this session. kInvalidArgument with a message that names the accepted forms otherwise.
Result<std::chrono::seconds> parse_check_interval(std::string_view text);

// The canonical text of an interval: "off" for 0, else "1h30m", "2m", "45s" (what
// parse_check_interval reads back to the same value).
std::string format_check_interval(std::chrono::seconds interval);

// Where the interval in force comes from.
enum class IntervalSource { kSession, kLab, kDaemon };
std::string_view to_string(IntervalSource s);  // "session", "lab", "atelierd"

struct EffectiveInterval {
  std::chrono::seconds every{0};  // 0: no periodic checks
  IntervalSource from = IntervalSource::kDaemon;
  friend bool operator==(const EffectiveInterval&, const EffectiveInterval&) = default;
};

// The session's value when set (0 included: "off" turns periodic checks off even when the lab
// or atelierd sets an interval), else the lab's `check_interval:` when above zero, else
// atelierd's --check-interval (0: none).
EffectiveInterval effective_check_interval(std::optional<std::chrono::seconds> session,
                                           std::chrono::seconds lab, std::chrono::seconds daemon);

}  // namespace atelier::sessions
