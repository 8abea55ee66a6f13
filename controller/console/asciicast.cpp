// asciicast v2 writer: see asciicast.h.
#include "controller/console/asciicast.h"

#include <boost/json.hpp>

#include <cstdio>

namespace atelier::console {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xe  ? 3
                  : (b >> 3) == 0x1e ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  }
  return n;
}

// Length the UTF-8 sequence starting with lead byte b announces (0: not a lead byte).
std::size_t utf8_announced(unsigned char b) {
  return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
}

}  // namespace

std::size_t incomplete_utf8_tail(std::string_view s) {
  // Walk back over at most three continuation bytes to a lead byte announcing more than is there.
  for (std::size_t back = 1; back <= 4 && back <= s.size(); ++back) {
    auto b = static_cast<unsigned char>(s[s.size() - back]);
    if ((b >> 6) == 0x2) continue;  // a continuation byte
    std::size_t n = utf8_announced(b);
    return n > back ? back : 0;
  }
  return 0;
}

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

Status AsciicastWriter::event(Clock::time_point when, std::string_view kind, std::string_view chunk,
                              std::string& tail) {
  std::string bytes = std::move(tail);
  bytes.append(chunk);
  tail = bytes.substr(bytes.size() - incomplete_utf8_tail(bytes));
  bytes.resize(bytes.size() - tail.size());
  if (bytes.empty()) return ok_status();
  double t = std::chrono::duration<double>(when - start_).count();
  char time[32];
  std::snprintf(time, sizeof time, "%.6f", t < 0 ? 0.0 : t);
  out_ << "[" << time << ", \"" << kind << "\", \"" << json_escape(bytes) << "\"]\n";
  out_.flush();  // a crash loses at most the event being written
  if (!out_) return Error(ErrorCode::kIo, "cannot append to the recording");
  return ok_status();
}

}  // namespace atelier::console

namespace atelier::console {

Result<std::vector<AsciicastEvent>> read_asciicast(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read the recording " + path);
  std::vector<AsciicastEvent> events;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto bad = [&](std::string_view what) {
      return Error(ErrorCode::kInvalidArgument,
                   path + ":" + std::to_string(n) + ": " + std::string(what));
    };
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec) return bad("not JSON: " + ec.message());
    if (n == 1) {
      const auto* header = v.if_object();
      const auto* version = header ? header->if_contains("version") : nullptr;
      if (!version || !version->is_int64() || version->as_int64() != 2) {
        return bad("expected an asciicast v2 header {\"version\": 2, ...}");
      }
      continue;
    }
    const auto* ev = v.if_array();
    if (!ev || ev->size() != 3 || !(*ev)[0].is_number() || !(*ev)[1].is_string() ||
        !(*ev)[2].is_string()) {
      return bad("expected an event [time, kind, data]");
    }
    events.push_back({(*ev)[0].to_number<double>(), std::string((*ev)[1].as_string()),
                      std::string((*ev)[2].as_string())});
  }
  if (events.empty() && in.bad()) return Error(ErrorCode::kIo, "cannot read the recording " + path);
  return events;
}

std::string text_of(const std::vector<AsciicastEvent>& events, std::string_view kind) {
  std::string text;
  for (const auto& e : events) {
    if (e.kind == kind) text += e.data;
  }
  return text;
}

}  // namespace atelier::console
