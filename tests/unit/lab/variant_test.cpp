// Variants: the PRNG's known answers, determinism of (seed, candidate) -> values, and resolution
// of every template of a lab.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "common/lab/lab_json.h"
#include "common/lab/loader.h"
#include "common/lab/variant.h"
#include "tests/unit/lab/test_util.h"

namespace atelier::lab {
namespace {

TEST(SplitMix64, KnownAnswers) {
  SplitMix64 rng(0);  // the reference implementation's first outputs from state 0
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(fnv1a64(""), 0xCBF29CE484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xAF63DC4C8601EC8Cull);
}

TEST(SplitMix64, BelowStaysInRange) {
  SplitMix64 rng(7);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    auto x = rng.below(3);
    ASSERT_LT(x, 3u);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 3u);
}

Lab demo() {
  auto lab = load_lab(testing::source_dir() / "labs/demo",
                      LoadOptions{testing::source_dir() / "ansible-free-recipes/recipes"});
  EXPECT_TRUE(lab.ok()) << (lab.ok() ? "" : lab.error().to_string());
  return std::move(lab).value();
}

TEST(Variants, SameSeedAndCandidateGiveSameValues) {
  Lab lab = demo();
  EXPECT_EQ(draw_variables(lab, "alice", 42), draw_variables(lab, "alice", 42));
  // Pinned: a session stored today must give the same values after an upgrade.
  auto values = draw_variables(lab, "alice", 42);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], (std::pair<std::string, std::string>{"user", "cleroy"}));
  EXPECT_EQ(values[1], (std::pair<std::string, std::string>{"team", "compta"}));
  EXPECT_EQ(values[2], (std::pair<std::string, std::string>{"password", "bexumDQAAbUj"}));
}

TEST(Variants, CandidatesAndSeedsSpreadOverTheChoices) {
  Lab lab = demo();
  std::set<std::string> users, passwords;
  for (int i = 0; i < 40; ++i) {
    auto values = draw_variables(lab, "c" + std::to_string(i), 42);
    users.insert(values[0].second);
    passwords.insert(values[2].second);
    EXPECT_EQ(values[2].second.size(), 12u);
  }
  EXPECT_EQ(users.size(), 4u);       // every choice is drawn by some of 40 candidates
  EXPECT_EQ(passwords.size(), 40u);  // passwords differ between candidates
  EXPECT_NE(draw_variables(lab, "alice", 1)[2], draw_variables(lab, "alice", 2)[2]);
}

TEST(Variants, AddingAVariableKeepsTheOthers) {
  Lab lab = demo();
  auto before = draw_variables(lab, "bob", 9);
  lab.variables.insert(lab.variables.begin(), Variable{"extra", RangeVariable{1, 100}});
  auto after = draw_variables(lab, "bob", 9);
  ASSERT_EQ(after.size(), before.size() + 1);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin() + 1));
  auto extra = std::stoi(after[0].second);
  EXPECT_GE(extra, 1);
  EXPECT_LE(extra, 100);
}

TEST(Variants, ResolveReplacesEveryTemplate) {
  Lab lab = demo();
  auto resolved = resolve(lab, "alice", 42);
  ASSERT_TRUE(resolved.ok()) << resolved.error().to_string();
  std::string json = boost::json::serialize(to_json(*resolved));
  EXPECT_EQ(json.find("{{"), std::string::npos) << json;
  EXPECT_EQ(resolved->variant->candidate, "alice");
  EXPECT_EQ(resolved->tasks[0].ticket.from, "cleroy");
  EXPECT_EQ(std::get<checks::FileCheck>(resolved->tasks[0].checks[0].kind).group, "compta");
  EXPECT_NE(resolved->tasks[0].ticket.body.fr.find("**compta**"), std::string::npos);
  EXPECT_EQ(std::get<checks::PingCheck>(resolved->tasks[2].checks[1].kind).host, "10.10.0.10");
  EXPECT_EQ(find_param(resolved->host("client")->vars, "server_ip")->scalar, "10.10.0.10");
  // A flow to a lab host goes to its address on a network shared with the checking host.
  EXPECT_EQ(std::get<checks::FlowCheck>(resolved->tasks[2].checks[2].kind).to, "10.10.0.10");
  // The unresolved lab is untouched.
  EXPECT_EQ(lab.tasks[0].ticket.from, "{{user}}");
}

TEST(Variants, SubstituteTable) {
  std::vector<std::pair<std::string, std::string>> values = {{"a", "1"}, {"b", "two"}};
  std::vector<std::string> unknown;
  EXPECT_EQ(substitute("x{{a}}y{{ b }}z", values, &unknown), "x1ytwoz");
  EXPECT_EQ(substitute("{{c}} and {{a}}", values, &unknown), "{{c}} and 1");
  EXPECT_EQ(unknown, (std::vector<std::string>{"c"}));
  EXPECT_EQ(substitute("open {{ only", values, nullptr), "open {{ only");
}

}  // namespace
}  // namespace atelier::lab
