// `atelier results render` in process, on the sample results file: exit codes for good and bad
// input, and the files it writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/cli/commands.h"
#include "controller/cli/results_commands.h"

namespace atelier::cli {
namespace {

namespace fs = std::filesystem;

class ResultsRender : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("atelier-results-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  const std::string sample_ = std::string(ATELIER_GRADING_TEST_DIR) + "/data/sample-input.json";
  fs::path dir_;
};

TEST_F(ResultsRender, WritesEveryFormat) {
  for (const char* format : {"csv", "json", "junit", "html"}) {
    const fs::path out = dir_ / (std::string("out.") + format);
    std::vector<std::string> args = {"--input", sample_,      "--format", format,
                                     "--out",   out.string(), "--now",    "2026-11-30T11:00:00Z"};
    if (std::string(format) == "html") args.insert(args.end(), {"--candidate", "c01"});
    EXPECT_EQ(results_render(args), kExitOk) << format;
    const std::string text = read(out);
    EXPECT_GT(text.size(), 200u) << format;
  }
  const std::string csv = read(dir_ / "out.csv");
  EXPECT_NE(csv.find("c01,T1,Les mails n'arrivent plus"), std::string::npos);
  EXPECT_NE(csv.find(",Créer la boîte « compta »,\"Create the \"\"compta\"\" mailbox\","),
            std::string::npos)
      << csv;
  // The freeze at 10:00 keeps c01's 10:05 run out of the grades.
  EXPECT_NE(csv.find(",partial,2.5,3,2,"), std::string::npos) << csv;
  EXPECT_NE(read(dir_ / "out.html").find("Décision du jury : 2,5 points."), std::string::npos);
  EXPECT_NE(read(dir_ / "out.junit").find("<testsuites"), std::string::npos);
}

// Without --candidate the HTML report is the whole session's, as the other formats are.
TEST_F(ResultsRender, HtmlWithoutCandidateHoldsEverySheet) {
  const fs::path out = dir_ / "all.html";
  ASSERT_EQ(results_render({"--input", sample_, "--format", "html", "--out", out.string(), "--now",
                            "2026-11-30T11:00:00Z"}),
            kExitOk);
  const std::string html = read(out);
  EXPECT_NE(html.find("id=\"candidate-c01\""), std::string::npos);
  EXPECT_NE(html.find("id=\"candidate-c02\""), std::string::npos);
  EXPECT_NE(html.find("Décision du jury : 2,5 points."), std::string::npos);  // c01's override
}

TEST_F(ResultsRender, RejectsBadInputWithExitTwoAndMissingFilesWithExitOne) {
  EXPECT_EQ(results_render({"--help"}), kExitOk);
  EXPECT_EQ(results_render({"--format", "csv"}), kExitInvalid);
  EXPECT_EQ(results_render({"--input", sample_, "--format", "pdf"}), kExitInvalid);
  EXPECT_EQ(results_render({"--input", sample_, "--format", "csv", "--lang", "de"}), kExitInvalid);
  EXPECT_EQ(results_render({"--input", sample_, "--format", "csv", "--now", "tomorrow"}),
            kExitInvalid);
  EXPECT_EQ(results_render({"--input", sample_, "--format", "csv", "--candidate", "c99"}),
            kExitInvalid);
  EXPECT_EQ(results_render({"--input", sample_, "--format", "csv", "--bogus"}), kExitInvalid);
  const fs::path bad = dir_ / "bad.json";
  std::ofstream(bad)
      << R"({"session":"s","lab":{"id":"l","tasks":[]},"candidates":[{"candidate":"c","runs":[{"run_id":"r","started_at":"2026-11-30T08:00:00Z","results":[{"result_id":"x","task":"T9","check_index":0,"status":"pass"}]}]}]})";
  EXPECT_EQ(results_render({"--input", bad.string(), "--format", "csv"}), kExitInvalid);
  EXPECT_EQ(results_render({"--input", (dir_ / "absent.json").string(), "--format", "csv"}),
            kExitFailure);
  EXPECT_EQ(results_render({"--input", sample_, "--format", "csv", "--out",
                            (dir_ / "no/such/dir/x.csv").string()}),
            kExitFailure);
}

TEST_F(ResultsRender, TakesTheTasksFromALabFolder) {
  const fs::path runs = dir_ / "runs.json";
  std::ofstream(runs) << R"({"session": "s1", "candidates": [{"candidate": "c01",
    "handed_over_at": "2026-11-30T08:00:00Z",
    "runs": [{"run_id": "r1", "started_at": "2026-11-30T08:20:00Z", "results": [
      {"result_id": "r1/T1/0", "task": "T1", "check_index": 0, "status": "pass"},
      {"result_id": "r1/T2/0", "task": "T2", "check_index": 0, "status": "pass"},
      {"result_id": "r1/T2/1", "task": "T2", "check_index": 1, "status": "fail"}]}]}]})";
  const std::string lab = std::string(ATELIER_SOURCE_DIR) + "/labs/demo";
  const fs::path out = dir_ / "out.csv";
  ASSERT_EQ(results_render({"--input", runs.string(), "--lab", lab, "--format", "csv", "--out",
                            out.string(), "--now", "2026-11-30T09:00:00Z"}),
            kExitOk);
  const std::string csv = read(out);
  EXPECT_NE(csv.find("s1,demo,c01,T1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",P2,C09 "
                     "C03,passed,passed,4,4,4,1,1,2026-11-30T08:00:00Z,2026-11-30T08:20:00Z,1200,"
                     "20m00s,1800,no,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",C01,failed,failed,0,3,0,1,2,"), std::string::npos) << csv;
  // Without --lab the file must carry its own lab summary.
  EXPECT_EQ(results_render({"--input", runs.string(), "--format", "csv"}), kExitInvalid);
  // A lab that is not there cannot be read: exit 1.
  EXPECT_EQ(results_render({"--input", runs.string(), "--lab", lab + "/absent", "--format", "csv"}),
            kExitFailure);
}

}  // namespace
}  // namespace atelier::cli
