// The console recordings ConsoleHub leaves on disk, as readers see them: which names are
// recordings (so that no request names a path outside them), and one candidate's recordings with
// host, size and start time, for the API's list and the evaluator's cell page.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::console {

struct RecordingName {
  std::string host;
  long long connection = 0;  // ConsoleHub's n, counting up from 1 per host
};

// "<host>-<n>.cast" as ConsoleHub names them; nullopt for anything else (a path, "..", another
// extension), so that a name it accepts is always a plain file name inside the folder.
std::optional<RecordingName> parse_recording_name(std::string_view name);

struct RecordingFile {
  std::string file;  // "server-1.cast"
  RecordingName name;
  std::uintmax_t bytes = 0;
  // The header's "timestamp" (wall clock when the connection opened); the epoch when unreadable.
  std::chrono::system_clock::time_point started_at{};
};

// The recordings of one candidate lab under root/<session>/<candidate>/, ordered by host then
// connection. A folder that does not exist (no console was opened) or cannot be read gives none;
// files that are not recordings are skipped. Reads each file's first line only.
std::vector<RecordingFile> list_recordings(const std::filesystem::path& root,
                                           const std::string& session,
                                           const std::string& candidate);

}  // namespace atelier::console
