// Files read from a lab folder (issue #19): a ticket text that is a symlink, or passes through
// one, out of the lab folder is refused with its path; links that stay inside are followed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/lab/lab_files.h"
#include "common/lab/loader.h"

namespace atelier::lab {
namespace {

namespace fs = std::filesystem;
using detail::read_file_beneath;

constexpr const char* kLab = R"(lab: linked
title: {fr: "T", en: "T"}
networks:
  lan: {cidr: 10.10.0.0/24}
hosts:
  pc: {image: debian12, nics: {lan: 10.10.0.10}}
tasks:
  - id: T1
    ticket:
      title: {fr: "T", en: "T"}
      from: x
      priority: P2
      text: {fr: tickets/T1.fr.md, en: tickets/T1.en.md}
    checks: [{on: pc, sysctl: {key: net.ipv4.ip_forward, value: "1"}}]
)";

class LabFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("atelier-labfiles-" + std::to_string(rd()));
    lab_ = root_ / "lab";
    fs::create_directories(lab_ / "tickets");
    std::ofstream(lab_ / "lab.yaml") << kLab;
    std::ofstream(lab_ / "tickets/T1.fr.md") << "Bonjour\n";
    std::ofstream(root_ / "secret") << "root:$6$hash\n";
  }
  void TearDown() override { fs::remove_all(root_); }

  LoadReport load() {
    LoadOptions options;
    return load_lab_report(lab_, options);
  }
  fs::path root_, lab_;
};

TEST_F(LabFilesTest, ATicketInsideTheFolderIsRead) {
  std::ofstream(lab_ / "tickets/T1.en.md") << "Hello\n";
  auto report = load();
  ASSERT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(report.lab->tasks[0].ticket.body.en, "Hello\n");
}

TEST_F(LabFilesTest, ATicketLinkedOutOfTheFolderIsRefusedWithItsPath) {
  fs::create_symlink(root_ / "secret", lab_ / "tickets/T1.en.md");
  auto report = load();
  ASSERT_FALSE(report.ok());
  std::string text = report.to_string();
  EXPECT_NE(text.find("ticket text 'tickets/T1.en.md' leads out of the lab folder"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("root:"), std::string::npos);
}

TEST_F(LabFilesTest, ARelativeLinkOutAndALinkedFolderAreRefusedToo) {
  fs::create_symlink("../../secret", lab_ / "tickets/T1.en.md");
  EXPECT_EQ(read_file_beneath(lab_, "tickets/T1.en.md").error().code(),
            ErrorCode::kPermissionDenied);
  fs::create_directories(root_ / "elsewhere");
  std::ofstream(root_ / "elsewhere/x.md") << "x";
  fs::create_symlink(root_ / "elsewhere", lab_ / "linked");
  EXPECT_EQ(read_file_beneath(lab_, "linked/x.md").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(read_file_beneath(lab_, "../secret").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(read_file_beneath(lab_, root_ / "secret").error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(LabFilesTest, ALinkThatStaysInsideIsFollowed) {
  fs::create_symlink("T1.fr.md", lab_ / "tickets/T1.en.md");
  auto report = load();
  ASSERT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(report.lab->tasks[0].ticket.body.en, "Bonjour\n");
}

TEST_F(LabFilesTest, MissingFoldersAndOversizedFilesAreClearErrors) {
  EXPECT_EQ(read_file_beneath(lab_, "tickets/none.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(read_file_beneath(lab_, "tickets").error().code(), ErrorCode::kInvalidArgument);
  std::ofstream(lab_ / "big.md") << std::string(2000, 'x');
  auto big = read_file_beneath(lab_, "big.md", 1000);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("larger than 1000 bytes"), std::string::npos);
  EXPECT_TRUE(read_file_beneath(lab_, "big.md", 2000).ok());
}

}  // namespace
}  // namespace atelier::lab
