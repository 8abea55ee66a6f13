// The broken-lab corpus: each corpus/NAME.yaml must give exactly the diagnostics in
// NAME.expected (file names relative to the corpus folder), and valid.yaml none.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/lab/loader.h"
#include "tests/unit/lab/test_util.h"

namespace atelier::lab {
namespace {

using testing::corpus_dir;
using testing::read_text;

std::vector<std::string> corpus_cases(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string relative_output(const std::string& text, const std::string& prefix) {
  std::string out = text;
  for (std::size_t pos; (pos = out.find(prefix)) != std::string::npos;)
    out.erase(pos, prefix.size());
  return out;
}

TEST(LabCorpus, HasAtLeastFortyBrokenLabs) {
  auto names = corpus_cases(corpus_dir());
  EXPECT_GE(names.size() - 1, 40u);  // all but valid.yaml are broken
}

TEST(LabCorpus, EveryCaseGivesItsExactDiagnostics) {
  LoadOptions options;
  options.recipes_root = corpus_dir() / "recipes";
  std::size_t broken = 0;
  for (const auto& name : corpus_cases(corpus_dir())) {
    SCOPED_TRACE(name);
    auto path = corpus_dir() / (name + ".yaml");
    ASSERT_TRUE(std::filesystem::exists(corpus_dir() / (name + ".expected"))) << "no .expected";
    std::string expected = read_text(corpus_dir() / (name + ".expected"));
    auto report = load_lab_report(path, options);
    EXPECT_FALSE(report.io_failure);
    EXPECT_EQ(relative_output(report.to_string(), corpus_dir().string() + "/"), expected);
    EXPECT_EQ(report.ok(), expected.empty());
    if (!expected.empty()) {
      ++broken;
      for (const auto& d : report.diagnostics) {
        EXPECT_GT(d.at.line, 0) << d.to_string();  // every error has a position
        EXPECT_GT(d.at.column, 0) << d.to_string();
      }
    }
  }
  EXPECT_GE(broken, 40u);
}

TEST(LabCorpus, ParseFromMemoryMatchesLoadFromFile) {
  LoadOptions options;
  options.recipes_root = corpus_dir() / "recipes";
  for (const char* name : {"many-errors", "address-clash", "syntax-unclosed-flow-map"}) {
    auto path = corpus_dir() / (std::string(name) + ".yaml");
    auto from_file = load_lab_report(path, options);
    auto from_memory = parse_lab_report(read_text(path), path.string(), options);
    EXPECT_EQ(from_file.to_string(), from_memory.to_string()) << name;
  }
}

TEST(LabCorpus, LoadLabResultCarriesEveryDiagnostic) {
  LoadOptions options;
  options.recipes_root = corpus_dir() / "recipes";
  auto lab = load_lab(corpus_dir() / "many-errors.yaml", options);
  ASSERT_FALSE(lab.ok());
  EXPECT_EQ(lab.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(std::count(lab.error().message().begin(), lab.error().message().end(), '\n'), 3);
}

TEST(LabCorpus, UnreadableFileIsAnIoFailure) {
  auto report = load_lab_report(corpus_dir() / "does-not-exist.yaml");
  EXPECT_TRUE(report.io_failure);
  EXPECT_FALSE(report.ok());
  auto lab = load_lab(corpus_dir() / "does-not-exist.yaml");
  ASSERT_FALSE(lab.ok());
  EXPECT_EQ(lab.error().code(), ErrorCode::kIo);
}

// Check files: the agent's standalone format.
TEST(CheckFileCorpus, ValidFilesLoad) {
  auto list = load_check_file(corpus_dir() / "checkfiles/valid-list.yaml");
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(checks::kind_name((*list)[0].kind), std::string("file"));
  EXPECT_EQ((*list)[1].description, "sshd answers");
  EXPECT_EQ((*list)[1].timeout, std::chrono::seconds(3));
  EXPECT_EQ(std::get<checks::TcpCheck>((*list)[1].kind).port, 22);
  EXPECT_TRUE((*list)[0].on.empty());

  auto map = load_check_file(corpus_dir() / "checkfiles/valid-map.yaml");
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  ASSERT_EQ(map->size(), 2u);
  EXPECT_EQ((*map)[0].on, "web");
  EXPECT_EQ(std::get<checks::ServiceCheck>((*map)[0].kind).enabled, true);
}

TEST(CheckFileCorpus, BrokenFilesGiveTheirErrors) {
  struct Case {
    const char* file;
    std::string expected;
  };
  const Case cases[] = {
      {"template.yaml",
       "template.yaml:2:17: error: template '{{user}}' in a check file: check files are not "
       "resolved for a candidate, write the value itself\n"},
      {"no-checks-key.yaml",
       "no-checks-key.yaml:2:1: error: missing 'checks' in the check file\n"
       "no-checks-key.yaml:2:1: error: unknown key 'chekcs' in the check file; did you mean "
       "'checks'?\n"},
      {"unknown-kind.yaml",
       "unknown-kind.yaml:2:3: error: unknown key 'fiel' in a check; did you mean 'file'?\n"
       "unknown-kind.yaml:3:16: error: 'port': expected a port number from 1 to 65535, got '0'\n"},
      {"scalar.yaml",
       "scalar.yaml:2:1: error: expected a list of checks, or a map {checks: [...]}, got 'just a "
       "string'\n"},
  };
  for (const auto& c : cases) {
    auto path = corpus_dir() / "checkfiles" / c.file;
    auto report = parse_check_file_report(read_text(path), c.file);
    EXPECT_EQ(report.to_string(), c.expected) << c.file;
    EXPECT_TRUE(report.checks.empty());
    auto result = load_check_file(path);
    EXPECT_FALSE(result.ok());
  }
}

}  // namespace
}  // namespace atelier::lab
