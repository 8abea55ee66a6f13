// The HTML report in a real browser: headless Chromium loads it from a file (no network: file://
// only, background networking off), the DOM it builds shows the escaped hostile strings as text
// and no script element; a screenshot (kept in the build folder as report-c01.png, the artifact
// docs/img/report.png comes from) and a PDF print prove it renders and prints.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/process/run_process.h"
#include "controller/grading/export.h"
#include "controller/grading/grade.h"
#include "controller/grading/json.h"
#include "tests/support/test_support.h"

namespace atelier::grading {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    auto input = session_input_from_json_text(read(ATELIER_GRADING_SAMPLE));
    ASSERT_TRUE(input.ok()) << input.error().to_string();
    // A hostile annotation: if escaping failed, this script would run and retitle the page.
    input->candidates[0].annotations.push_back(
        {"c01", "", "", "<script>document.title='pwned'</script><img src=x onerror=alert(1)>", "x",
         *time_from_json("2026-11-30T09:50:00Z")});
    auto catalog = builtin_competency_catalog();
    ASSERT_TRUE(catalog.ok());
    auto grades = grade_session(*input, *catalog, *time_from_json("2026-11-30T11:00:00Z"));
    ASSERT_TRUE(grades.ok()) << grades.error().to_string();
    ExportOptions o;
    o.candidate = "c01";
    auto html = render_html(*grades, o);
    ASSERT_TRUE(html.ok());
    html_path_ = dir_ / "report-c01.html";
    std::ofstream(html_path_, std::ios::binary) << *html;
  }

  // Runs chromium headless on the report with `extra` flags, with its own profile folder.
  process::ProcessResult chromium(std::vector<std::string> extra) {
    const fs::path profile = dir_ / ("profile-" + std::to_string(runs_++));
    process::ProcessSpec spec;
    spec.argv = {"chromium",
                 "--headless",
                 "--no-sandbox",
                 "--disable-gpu",
                 "--disable-background-networking",
                 "--disable-component-update",
                 "--disable-sync",
                 "--no-first-run",
                 "--no-default-browser-check",
                 "--disable-extensions",
                 "--user-data-dir=" + profile.string()};
    spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
    spec.argv.push_back("file://" + html_path_.string());
    spec.timeout = 120s;
    spec.max_output = 8 << 20;
    auto r = process::run_process(spec);
    EXPECT_TRUE(r.ok()) << r.error().to_string()
                        << " (chromium comes from Debian's chromium package)";
    return r.ok() ? r.value() : process::ProcessResult{};
  }

  test_support::TempDir tmp_{"atelier-report"};
  fs::path dir_ = tmp_.path();
  fs::path html_path_;
  int runs_ = 0;
};

TEST_F(ReportInChromium, DomKeepsHostileTextAsText) {
  auto r = chromium({"--dump-dom"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& dom = r.out;
  EXPECT_NE(dom.find("Rapport d'évaluation"), std::string::npos);
  EXPECT_NE(dom.find("Décision du jury : 2,5 points."), std::string::npos);
  EXPECT_NE(dom.find("Intervenir sur un système de messagerie informatique"), std::string::npos);
  EXPECT_EQ(dom.find("pwned</title>"), std::string::npos) << "a script ran";
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), std::string::npos);
}

TEST_F(ReportInChromium, RendersAScreenshotAndPrintsToPdf) {
  const fs::path png = dir_ / "report-c01.png";
  auto r =
      chromium({"--screenshot=" + png.string(), "--window-size=1200,1600", "--hide-scrollbars"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string image = read(png);
  ASSERT_GE(image.size(), 24u);
  EXPECT_EQ(image.substr(0, 8), "\x89PNG\r\n\x1a\n");
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(image[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(image[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(image[at + 3]));
  };
  EXPECT_EQ(be32(16), 1200u);  // IHDR width
  EXPECT_EQ(be32(20), 1600u);  // IHDR height
  // A blank page of that size compresses to ~13 KB; tables and text make it much larger.
  EXPECT_GT(image.size(), 60000u);
  fs::copy_file(png, fs::path(ATELIER_GRADING_ARTIFACTS) / "report-c01.png",
                fs::copy_options::overwrite_existing);

  const fs::path pdf = dir_ / "report-c01.pdf";
  auto p = chromium({"--print-to-pdf=" + pdf.string(), "--no-pdf-header-footer"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string doc = read(pdf);
  EXPECT_EQ(doc.substr(0, 5), "%PDF-");
  EXPECT_GT(doc.size(), 10000u);
}

}  // namespace
}  // namespace atelier::grading
