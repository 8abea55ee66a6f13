// asciicast v2 recording of one console connection: a JSON header line, then one JSON array
// per event, [seconds since start, "o" (output) or "i" (input), data]. Replayable with
// asciinema; evaluators use it to see how a ticket was handled.
#pragma once

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace atelier::console {

// Escapes text as a JSON string body (quotes not included). Invalid UTF-8 bytes become U+FFFD,
// so a console's stray bytes never make the file unreadable.
std::string json_escape(std::string_view bytes);

// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet (0-3):
// a console stream cuts its chunks anywhere, so the writer keeps them for the next event.
std::size_t incomplete_utf8_tail(std::string_view bytes);

struct AsciicastEvent {
  double time = 0;   // seconds since the start
  std::string kind;  // "o" or "i"
  std::string data;
};

// Reads a recording's events (header skipped). A console's text is cut into events wherever the
// stream delivered it, so what a viewer saw is the concatenation of the "o" events (text_of).
// kIo: unreadable; kInvalidArgument: not asciicast v2 (with the line number).
Result<std::vector<AsciicastEvent>> read_asciicast(const std::string& path);
std::string text_of(const std::vector<AsciicastEvent>& events, std::string_view kind);

class AsciicastWriter {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates path and writes the header. unix_timestamp is the wall-clock start (seconds);
  // start is the monotonic time event times are measured from.
  static Result<AsciicastWriter> open(const std::string& path, int width, int height,
                                      long long unix_timestamp, Clock::time_point start,
                                      std::string_view title = {});

  // A UTF-8 sequence cut at the end of `bytes` is written with the next event of its kind, so
  // that a character split across two stream chunks is recorded whole, not as two U+FFFD.
  Status output(Clock::time_point when, std::string_view bytes) {
    return event(when, "o", bytes, out_tail_);
  }
  Status input(Clock::time_point when, std::string_view bytes) {
    return event(when, "i", bytes, in_tail_);
  }

 private:
  AsciicastWriter(std::ofstream out, Clock::time_point start)
      : out_(std::move(out)), start_(start) {}
  Status event(Clock::time_point when, std::string_view kind, std::string_view bytes,
               std::string& tail);

  std::ofstream out_;
  Clock::time_point start_;
  std::string out_tail_, in_tail_;  // incomplete UTF-8 sequences held for the next event
};

}  // namespace atelier::console
