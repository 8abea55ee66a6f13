// Unit tests of the asciicast v2 recorder: the header's fields, "o"/"i" events with relative
// times, and JSON escaping of control bytes and invalid UTF-8 (each line parses as JSON).
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "controller/console/asciicast.h"

namespace atelier::console {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TEST(Asciicast, HeaderAndEventsParseAsV2) {
  auto dir =
      std::filesystem::temp_directory_path() / ("asciicast-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "c01-srv1-1.cast").string();
  const auto t0 = AsciicastWriter::Clock::time_point{} + std::chrono::hours(1);
  {
    auto w = AsciicastWriter::open(path, 80, 24, 1764943200, t0, "c01 srv1");
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    ASSERT_TRUE(w.value().output(t0 + std::chrono::milliseconds(250), "login: ").ok());
    ASSERT_TRUE(w.value().input(t0 + std::chrono::milliseconds(1500), "root\r").ok());
    ASSERT_TRUE(w.value().output(t0 + std::chrono::seconds(2), "\x1b[1m\"é\"\\\xff\n").ok());
  }
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 4u);
  auto header = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(header.at("version").as_int64(), 2);
  EXPECT_EQ(header.at("width").as_int64(), 80);
  EXPECT_EQ(header.at("height").as_int64(), 24);
  EXPECT_EQ(header.at("timestamp").as_int64(), 1764943200);
  EXPECT_EQ(header.at("title").as_string(), "c01 srv1");
  struct Want {
    double t;
    const char* kind;
    std::string data;
  };
  const Want want[] = {
      {0.25, "o", "login: "}, {1.5, "i", "root\r"}, {2.0, "o", "\x1b[1m\"é\"\\\xef\xbf\xbd\n"}};
  for (int i = 0; i < 3; ++i) {
    auto ev = boost::json::parse(lines[i + 1]).as_array();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_DOUBLE_EQ(ev[0].to_number<double>(), want[i].t);
    EXPECT_EQ(ev[1].as_string(), want[i].kind);
    EXPECT_EQ(std::string(ev[2].as_string()), want[i].data) << lines[i + 1];
  }
  std::filesystem::remove_all(dir);
}

TEST(Asciicast, UnwritablePathIsAnIoError) {
  auto w = AsciicastWriter::open("/nonexistent-dir/x.cast", 80, 24, 0, {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), ErrorCode::kIo);
}

TEST(Asciicast, JsonEscape) {
  EXPECT_EQ(json_escape("a\"b\\c\td\x01"), "a\\\"b\\\\c\\u0009d\\u0001");
  EXPECT_EQ(json_escape("ça"), "ça");
  EXPECT_EQ(json_escape("\xc3"), "\\ufffd") << "truncated sequence";
}

TEST(Asciicast, IncompleteUtf8Tail) {
  EXPECT_EQ(incomplete_utf8_tail(""), 0u);
  EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("a\xc3"), 1u);
  EXPECT_EQ(incomplete_utf8_tail("a\xc3\xa7"), 0u) << "ç is whole";
  EXPECT_EQ(incomplete_utf8_tail("\xe2\x82"), 2u) << "two bytes of €";
  EXPECT_EQ(incomplete_utf8_tail("\xf0\x9f\x98"), 3u);
  EXPECT_EQ(incomplete_utf8_tail("\xf0\x9f\x98\x80"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("a\x80"), 0u) << "a stray continuation byte is not held";
}

// A console stream cuts its output anywhere: a line split over events reads back whole, and a
// character split between two chunks is recorded as itself, not as two U+FFFD.
TEST(Asciicast, ChunksCutAnywhereReadBackAsTheTextTheViewerSaw) {
  auto dir =
      std::filesystem::temp_directory_path() / ("asciicast-read-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "srv-1.cast").string();
  const auto t0 = AsciicastWriter::Clock::now();
  {
    auto w = AsciicastWriter::open(path, 80, 24, 0, t0);
    ASSERT_TRUE(w.ok());
    for (std::string_view chunk :
         {"# echo atelier-4", "2\r\natelier-4", "2\r\nd\xc3", "\xa9j\xc3\xa0\r\n"}) {
      ASSERT_TRUE(w.value().output(t0, chunk).ok());
    }
    ASSERT_TRUE(w.value().input(t0, "ls\r").ok());
  }
  auto events = read_asciicast(path);
  ASSERT_TRUE(events.ok()) << events.error().to_string();
  EXPECT_EQ(events->size(), 5u);
  EXPECT_EQ(text_of(*events, "o"), "# echo atelier-42\r\natelier-42\r\nd\xc3\xa9j\xc3\xa0\r\n");
  EXPECT_EQ(text_of(*events, "i"), "ls\r");
  std::ofstream(path, std::ios::app) << "[1.0, \"o\"]\n";
  auto bad = read_asciicast(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().to_string().find(":7:"), std::string::npos) << bad.error().to_string();
  EXPECT_EQ(read_asciicast((dir / "none.cast").string()).error().code(), ErrorCode::kIo);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atelier::console
