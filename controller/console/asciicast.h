// asciicast v2 recording of one console connection: a JSON header line, then one JSON array
// per event, [seconds since start, "o" (output) or "i" (input), data]. Replayable with
// asciinema; evaluators use it to see how a ticket was handled.
#pragma once

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>

#include "common/result.h"

namespace atelier::console {

// Escapes text as a JSON string body (quotes not included). Invalid UTF-8 bytes become U+FFFD,
// so a console's stray bytes never make the file unreadable.
std::string json_escape(std::string_view bytes);

class AsciicastWriter {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates path and writes the header. unix_timestamp is the wall-clock start (seconds);
  // start is the monotonic time event times are measured from.
  static Result<AsciicastWriter> open(const std::string& path, int width, int height,
                                      long long unix_timestamp, Clock::time_point start,
                                      std::string_view title = {});

  Status output(Clock::time_point when, std::string_view bytes) { return event(when, "o", bytes); }
  Status input(Clock::time_point when, std::string_view bytes) { return event(when, "i", bytes); }

 private:
  AsciicastWriter(std::ofstream out, Clock::time_point start) : out_(std::move(out)), start_(start) {}
  Status event(Clock::time_point when, std::string_view kind, std::string_view bytes);

  std::ofstream out_;
  Clock::time_point start_;
};

}  // namespace atelier::console
