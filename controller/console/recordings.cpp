// Listing ConsoleHub's recordings (recordings.h): names checked, headers read for the start time.
#include "controller/console/recordings.h"

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>

#include "controller/provider/naming.h"

namespace atelier::console {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// The header's "timestamp" (unix seconds), 0 when unreadable.
long long header_timestamp(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return 0;
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return 0;
  const json::value* t = v.as_object().if_contains("timestamp");
  return t && t->is_int64() ? t->as_int64() : 0;
}

}  // namespace

std::optional<RecordingName> parse_recording_name(std::string_view name) {
  if (!name.ends_with(".cast")) return std::nullopt;
  name.remove_suffix(5);
  std::size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  RecordingName r{std::string(name.substr(0, dash)), 0};
  for (char c : name.substr(dash + 1)) {
    if (c < '0' || c > '9' || r.connection > 1000000) return std::nullopt;
    r.connection = r.connection * 10 + (c - '0');
  }
  if (!provider::validate_ref({"s", "c", r.host}).ok()) return std::nullopt;
  return r;
}

std::vector<RecordingFile> list_recordings(const fs::path& root, const std::string& session,
                                           const std::string& candidate) {
  std::vector<RecordingFile> out;
  if (root.empty()) return out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / session / candidate, ec)) {
    std::string file = e.path().filename().string();
    auto name = parse_recording_name(file);
    if (!name || !e.is_regular_file(ec)) continue;
    std::uintmax_t bytes = fs::file_size(e.path(), ec);
    out.push_back(
        {file, std::move(*name), ec ? 0 : bytes,
         std::chrono::system_clock::time_point(std::chrono::seconds(header_timestamp(e.path())))});
  }
  std::sort(out.begin(), out.end(), [](const RecordingFile& a, const RecordingFile& b) {
    return a.name.host != b.name.host ? a.name.host < b.name.host
                                      : a.name.connection < b.name.connection;
  });
  return out;
}

}  // namespace atelier::console
