// Store-internal: how the store keeps time in SQLite (integer milliseconds since the epoch), and
// the error for a stored value it cannot read back. Included only by the store's .cpp files.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

#include "controller/sessions/model.h"

namespace atelier::store {

inline std::int64_t to_millis(sessions::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline sessions::TimePoint from_millis(std::int64_t ms) {
  return sessions::TimePoint(
      std::chrono::duration_cast<sessions::Clock::duration>(std::chrono::milliseconds(ms)));
}

// A column holding what no version of the store writes (a hand-edited or damaged database).
inline Error corrupt(std::string what) {
  return Error(ErrorCode::kInternal, "the store holds an unexpected value: " + std::move(what));
}

}  // namespace atelier::store
