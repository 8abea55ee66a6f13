// asciicast v2 writer: see asciicast.h.
#include "controller/console/asciicast.h"

#include <cstdio>

namespace atelier::console {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  }
  return n;
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
    i += n;
  }
  return out;
}

Result<AsciicastWriter> AsciicastWriter::open(const std::string& path, int width, int height,
                                              long long unix_timestamp, Clock::time_point start,
                                              std::string_view title) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  if (!out) return Error(ErrorCode::kIo, "cannot create the recording " + path);
  out << "{\"version\": 2, \"width\": " << width << ", \"height\": " << height
      << ", \"timestamp\": " << unix_timestamp;
  if (!title.empty()) out << ", \"title\": \"" << json_escape(title) << "\"";
  out << "}\n";
  out.flush();
  if (!out) return Error(ErrorCode::kIo, "cannot write the recording " + path);
  return AsciicastWriter(std::move(out), start);
}

Status AsciicastWriter::event(Clock::time_point when, std::string_view kind, std::string_view bytes) {
  double t = std::chrono::duration<double>(when - start_).count();
  char time[32];
  std::snprintf(time, sizeof time, "%.6f", t < 0 ? 0.0 : t);
  out_ << "[" << time << ", \"" << kind << "\", \"" << json_escape(bytes) << "\"]\n";
  out_.flush();  // a crash loses at most the event being written
  if (!out_) return Error(ErrorCode::kIo, "cannot append to the recording");
  return ok_status();
}

}  // namespace atelier::console
