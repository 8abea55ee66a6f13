// Derived access codes (typable, stable, different per session, candidate, generation and key),
// the key file (0600, reread unchanged), and the trainer's slips (every value escaped).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "controller/api/web_state.h"
#include "controller/sessions/access_code.h"
#include "controller/web/slips.h"

namespace atelier::api {
namespace {

namespace fs = std::filesystem;

TEST(DeriveAccessCode, IsCanonicalStableAndDependsOnEveryInput) {
  const std::string key(64, 'k');
  std::string code = derive_access_code(key, "s1", "alice", 1);
  auto normal = sessions::normalize_access_code(code);
  ASSERT_TRUE(normal.ok()) << code;
  EXPECT_EQ(*normal, code);
  EXPECT_EQ(derive_access_code(key, "s1", "alice", 1), code);
  std::set<std::string> seen = {code};
  seen.insert(derive_access_code(key, "s1", "alice", 2));
  seen.insert(derive_access_code(key, "s1", "bob", 1));
  seen.insert(derive_access_code(key, "s2", "alice", 1));
  seen.insert(derive_access_code(std::string(64, 'j'), "s1", "alice", 1));
  // The separators keep ("s1a", "lice") apart from ("s1", "alice").
  seen.insert(derive_access_code(key, "s1a", "lice", 1));
  EXPECT_EQ(seen.size(), 6u);
}

TEST(DeriveAccessCode, UsesTheWholeAlphabetRoughlyEvenly) {
  std::map<char, int> counts;
  for (int g = 1; g <= 2000; ++g) {
    for (char c : derive_access_code("key-0123456789abcdef0123456789abcdef", "s", "c", g)) {
      if (c != '-') counts[c]++;
    }
  }
  ASSERT_EQ(counts.size(), sessions::kAccessCodeAlphabet.size());
  for (const auto& [c, n] : counts) {
    EXPECT_GT(n, 18000 / 25 / 2) << c;  // 18000 symbols over 25: about 720 each
    EXPECT_LT(n, 18000 / 25 * 2) << c;
  }
}

TEST(AccessKeyFile, IsMadeOnce0600AndReadBack) {
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelier-key-" + std::to_string(rd()));
  fs::create_directories(dir);
  auto made = load_or_create_access_key(dir / "access.key");
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  EXPECT_EQ(made->size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "access.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_or_create_access_key(dir / "access.key");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *made);
  std::ofstream(dir / "short.key") << "tooshort\n";
  EXPECT_FALSE(load_or_create_access_key(dir / "short.key").ok());
  fs::remove_all(dir);
}

TEST(CodeSlips, OneSlipPerCandidateFrenchThenEnglishEscaped) {
  std::string html =
      web::render_code_slips("https://salle3:8440/login?a=1&b=2", "exam<1>",
                             {{"alice", "7KQ-M4F-2XP"}, {"<script>bob", "AAA-CCC-DDD"}});
  EXPECT_NE(html.find("<html lang=\"fr\">"), std::string::npos);
  std::size_t slips = 0;
  for (std::size_t at = html.find("class=\"slip\""); at != std::string::npos;
       at = html.find("class=\"slip\"", at + 1))
    ++slips;
  EXPECT_EQ(slips, 2u);
  EXPECT_NE(html.find("<strong class=\"code\">7KQ-M4F-2XP</strong>"), std::string::npos);
  EXPECT_NE(html.find("https://salle3:8440/login?a=1&amp;b=2"), std::string::npos);
  EXPECT_NE(html.find("Ouvrez"), std::string::npos);
  EXPECT_NE(html.find("lang=\"en\">Open this address"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("exam<1>"), std::string::npos);
}

}  // namespace
}  // namespace atelier::api
