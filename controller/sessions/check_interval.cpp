// A session's check interval: parsing, formatting and precedence (see check_interval.h).
#include "controller/sessions/check_interval.h"

#include <algorithm>

#include "common/lab/loader.h"

namespace atelier::sessions {

Result<std::chrono::seconds> parse_check_interval(std::string_view text) {
  const std::string expect =
      "expected a duration like 30s, 2m or 1h30m (whole seconds, 1s to 24h), or off";
  if (text == "off" || text == "0") return std::chrono::seconds(0);
  auto d = lab::parse_duration(text);
  if (!d)
    return Error(ErrorCode::kInvalidArgument,
                 "check interval \"" + std::string(text) + "\": " + expect);
  if (d->count() % 1000 != 0) {
    return Error(ErrorCode::kInvalidArgument, "check interval \"" + std::string(text) +
                                                  "\" is not a whole number of seconds; " + expect);
  }
  auto s = std::chrono::duration_cast<std::chrono::seconds>(*d);
  // A zero duration ("0s") is not a way to say off: the documented range starts at 1s.
  if (s.count() < 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "check interval \"" + std::string(text) + "\" is below 1s; " + expect);
  }
  if (s > kMaxCheckInterval) {
    return Error(ErrorCode::kInvalidArgument,
                 "check interval \"" + std::string(text) + "\" is above 24h; " + expect);
  }
  return s;
}

std::string format_check_interval(std::chrono::seconds interval) {
  long long s = interval.count();
  if (s <= 0) return "off";
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60 > 0) out += std::to_string(s % 60) + "s";
  return out;
}

std::string_view to_string(IntervalSource s) {
  switch (s) {
    case IntervalSource::kSession:
      return "session";
    case IntervalSource::kLab:
      return "lab";
    case IntervalSource::kDaemon:
      return "atelierd";
  }
  return "?";
}

EffectiveInterval effective_check_interval(std::optional<std::chrono::seconds> session,
                                           std::chrono::seconds lab, std::chrono::seconds daemon) {
  if (session) return {std::max(*session, std::chrono::seconds(0)), IntervalSource::kSession};
  if (lab.count() > 0) return {lab, IntervalSource::kLab};
  return {std::max(daemon, std::chrono::seconds(0)), IntervalSource::kDaemon};
}

}  // namespace atelier::sessions
