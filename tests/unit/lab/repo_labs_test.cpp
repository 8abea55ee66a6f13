// Every lab under labs/ loads and validates against the repository's recipes; every recipe YAML
// parses as YAML. Also measures how long the demo lab takes to load (printed, not asserted).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <iostream>

#include "common/lab/loader.h"
#include "common/lab/variant.h"
#include "tests/unit/lab/test_util.h"

namespace atelier::lab {
namespace {

using testing::source_dir;

// The loader guesses no recipes root: without one, a lab that names roles says which option to
// pass, at the line of its first role.
TEST(RepoLabs, NoRecipesRootIsAnErrorNamingTheRole) {
  auto report = load_lab_report(source_dir() / "labs/demo/lab.yaml", LoadOptions{});
  ASSERT_FALSE(report.ok());
  ASSERT_EQ(report.diagnostics.size(), 1u) << report.to_string();
  EXPECT_NE(report.diagnostics[0].message.find("no recipes folder is known"), std::string::npos);
  EXPECT_NE(report.diagnostics[0].message.find("the lab names role '"), std::string::npos);
  EXPECT_GT(report.diagnostics[0].at.line, 1) << "at the role, not the top of the file";
}

TEST(RepoLabs, EveryLabValidates) {
  std::size_t count = 0;
  for (const auto& e : std::filesystem::directory_iterator(source_dir() / "labs")) {
    auto file = e.path() / "lab.yaml";
    if (!std::filesystem::exists(file)) continue;
    ++count;
    auto report = load_lab_report(file, LoadOptions{source_dir() / "ansible-free-recipes/recipes"});
    EXPECT_TRUE(report.ok()) << report.to_string();
    if (report.ok()) {
      EXPECT_EQ(report.lab->id, e.path().filename().string()) << "a lab's id is its folder's name";
      // Every lab resolves for a candidate with no template left.
      auto resolved = resolve(*report.lab, "c01", 1);
      EXPECT_TRUE(resolved.ok()) << (resolved.ok() ? "" : resolved.error().to_string());
    }
  }
  EXPECT_GE(count, 1u) << "labs/demo at least";
}

TEST(RepoLabs, EveryRecipeIsYaml) {
  auto root = source_dir() / "ansible-free-recipes/recipes";
  std::size_t count = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".yaml" && e.path().extension() != ".yml") continue;
    ++count;
    try {
      YAML::Node doc = YAML::LoadFile(e.path().string());
      EXPECT_TRUE(doc.IsMap()) << e.path();
      if (doc.IsMap()) {
        EXPECT_TRUE(doc["recipe"].IsDefined()) << e.path() << " has no 'recipe' key";
      }
    } catch (const YAML::Exception& ex) {
      ADD_FAILURE() << e.path() << ": " << ex.what();
    }
  }
  EXPECT_GE(count, 9u) << "the demo lab's recipes at least";
}

TEST(RepoLabs, DemoLabLoadTime) {
  auto file = source_dir() / "labs/demo/lab.yaml";
  ASSERT_TRUE(load_lab(file, LoadOptions{source_dir() / "ansible-free-recipes/recipes"})
                  .ok());  // warm the file cache and the competency table
  constexpr int kRuns = 50;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i)
    ASSERT_TRUE(load_lab(file, LoadOptions{source_dir() / "ansible-free-recipes/recipes"}).ok());
  auto per_load = (std::chrono::steady_clock::now() - start) / kRuns;
  std::cout << "[ measure ] load+validate labs/demo/lab.yaml: "
            << std::chrono::duration<double, std::milli>(per_load).count()
            << " ms per load (mean of " << kRuns << ")\n";
}

}  // namespace
}  // namespace atelier::lab
