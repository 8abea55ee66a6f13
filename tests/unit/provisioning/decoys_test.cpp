// Decoy checks (decoys.h): what add_decoys puts in a bundle, and verify_decoys on honest,
// forged and out-of-protocol answers, row by row, with a seeded random source.
#include "controller/provisioning/decoys.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>

namespace atelier::provisioning {
namespace {

RandomSource seeded(std::uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return (*engine)(); };
}

protocol::RunChecks real_bundle(std::size_t n) {
  protocol::RunChecks b;
  b.bundle_id = "run-1-c03/web";
  for (std::size_t i = 0; i < n; ++i) {
    checks::ServiceCheck s;
    s.name = "svc" + std::to_string(i);
    b.checks.push_back(
        checks::Check{"web", "service " + std::to_string(i), std::chrono::milliseconds(5000), s});
  }
  return b;
}

// How an agent answers each check of the sent bundle.
using Answerer = std::function<protocol::CheckStatus(const DecoyedBundle&, std::size_t position)>;

protocol::Results answer(const DecoyedBundle& sent, const Answerer& status) {
  protocol::Results r;
  r.bundle_id = sent.bundle.bundle_id;
  r.host = "web";
  for (std::size_t i = 0; i < sent.bundle.checks.size(); ++i) {
    protocol::CheckResult c;
    c.result_id = sent.bundle.bundle_id + "/" + std::to_string(i);
    c.index = i;
    c.kind = checks::kind_name(sent.bundle.checks[i].kind);
    c.description = sent.bundle.checks[i].description;
    c.status = status(sent, i);
    r.results.push_back(c);
  }
  return r;
}

// An honest agent: decoys get their true outcome, real checks (all services here) fail.
protocol::CheckStatus honest(const DecoyedBundle& sent, std::size_t pos) {
  for (const auto& d : sent.decoys) {
    if (d.position == pos)
      return d.expect_pass ? protocol::CheckStatus::kPass : protocol::CheckStatus::kFail;
  }
  return protocol::CheckStatus::kFail;
}
protocol::CheckStatus all_pass(const DecoyedBundle&, std::size_t) {
  return protocol::CheckStatus::kPass;
}
protocol::CheckStatus all_fail(const DecoyedBundle&, std::size_t) {
  return protocol::CheckStatus::kFail;
}
protocol::CheckStatus all_error(const DecoyedBundle&, std::size_t) {
  return protocol::CheckStatus::kError;
}

TEST(Decoys, EveryBundleGetsAFailAndAPassDecoyMixedIn) {
  std::set<std::size_t> decoy_positions_seen;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto sent = add_decoys(real_bundle(4), seeded(seed));
    ASSERT_GE(sent.decoys.size(), 2u);
    ASSERT_LE(sent.decoys.size(), 3u);
    EXPECT_EQ(sent.bundle.bundle_id, "run-1-c03/web");
    ASSERT_EQ(sent.bundle.checks.size(), 4 + sent.decoys.size());
    bool a_pass = false, a_fail = false;
    std::set<std::size_t> used;
    for (const auto& d : sent.decoys) {
      a_pass = a_pass || d.expect_pass;
      a_fail = a_fail || !d.expect_pass;
      used.insert(d.position);
      decoy_positions_seen.insert(d.position);
      const checks::Check& c = sent.bundle.checks[d.position];
      EXPECT_EQ(c.on, "web");  // on the same host as the real ones
      EXPECT_FALSE(c.description.empty());
      const std::string kind = checks::kind_name(c.kind);
      EXPECT_TRUE(kind == "file" || kind == "user" || kind == "group") << kind;
    }
    EXPECT_TRUE(a_pass && a_fail) << "seed " << seed;
    ASSERT_EQ(sent.real_positions.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_TRUE(used.insert(sent.real_positions[i]).second);  // no position holds two checks
      EXPECT_EQ(sent.bundle.checks[sent.real_positions[i]].description,
                "service " + std::to_string(i));
    }
  }
  // Shuffled: decoys land everywhere, not only at the end.
  EXPECT_EQ(decoy_positions_seen.size(), 7u);
}

TEST(Decoys, RandomNamesDifferBetweenBundles) {
  auto random = random_source();
  std::set<std::string> texts;
  for (int i = 0; i < 20; ++i) {
    auto sent = add_decoys(real_bundle(1), random);
    std::string all;
    for (const auto& d : sent.decoys) all += d.what + "|";
    texts.insert(all);
  }
  EXPECT_GT(texts.size(), 15u);
}

TEST(Decoys, AnswersTable) {
  struct Row {
    const char* name;
    Answerer answerer;
    bool tampered;
    const char* evidence;  // a piece of the integrity text
  };
  const Row rows[] = {
      {"honest", honest, false, ""},
      {"forger answering pass", all_pass, true, "expected fail, agent answered pass"},
      {"forger answering fail", all_fail, true, "expected pass, agent answered fail"},
      {"errors are no evidence", all_error, false, ""},
  };
  for (const auto& row : rows) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      auto sent = add_decoys(real_bundle(3), seeded(seed));
      auto got = verify_decoys(sent, answer(sent, row.answerer));
      EXPECT_EQ(!got.integrity.empty(), row.tampered)
          << row.name << " seed " << seed << ": " << got.integrity;
      EXPECT_NE(got.integrity.find(row.evidence), std::string::npos)
          << row.name << ": " << got.integrity;
      ASSERT_EQ(got.results.size(), 3u);
      for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(got.results[i].description, "service " + std::to_string(i)) << row.name;
        EXPECT_EQ(got.results[i].index, i);
        EXPECT_EQ(got.results[i].status, row.answerer(sent, sent.real_positions[i]));
      }
    }
  }
}

TEST(Decoys, EvidenceNamesTheDecoy) {
  auto sent = add_decoys(real_bundle(2), seeded(7));
  auto got = verify_decoys(sent, answer(sent, all_pass));
  for (const auto& d : sent.decoys) {
    if (!d.expect_pass) {
      EXPECT_NE(got.integrity.find(d.what), std::string::npos) << got.integrity;
    }
  }
}

TEST(Decoys, OutOfProtocolAnswers) {
  struct Row {
    const char* name;
    std::function<void(protocol::Results&)> edit;
    const char* evidence;
  };
  const Row rows[] = {
      {"a result missing", [](protocol::Results& r) { r.results.pop_back(); },
       "no result for check"},
      {"an extra result",
       [](protocol::Results& r) {
         auto extra = r.results.back();
         extra.index = r.results.size();
         r.results.push_back(extra);
       },
       "of a bundle of"},
      {"a result repeated", [](protocol::Results& r) { r.results.back() = r.results.front(); },
       "answered twice"},
      {"another bundle", [](protocol::Results& r) { r.bundle_id = "run-0-c03/web"; },
       "is for bundle"},
      {"a result id not the check's", [](protocol::Results& r) { r.results[0].result_id = "x/0"; },
       "does not match check"},
      {"a kind not the check's", [](protocol::Results& r) { r.results[1].kind = "http"; },
       "does not match check"},
      {"no results at all", [](protocol::Results& r) { r.results.clear(); }, "0 results for"},
  };
  for (const auto& row : rows) {
    auto sent = add_decoys(real_bundle(3), seeded(11));
    auto reply = answer(sent, honest);
    row.edit(reply);
    auto got = verify_decoys(sent, reply);
    EXPECT_NE(got.integrity.find(row.evidence), std::string::npos)
        << row.name << ": " << got.integrity;
    EXPECT_EQ(got.results.size(), 3u) << row.name;  // the real checks are all accounted for
  }
}

TEST(Decoys, AMissingRealCheckIsAnError) {
  auto sent = add_decoys(real_bundle(2), seeded(3));
  auto reply = answer(sent, all_pass);
  const std::size_t gone = sent.real_positions[1];
  std::erase_if(reply.results, [&](const protocol::CheckResult& r) { return r.index == gone; });
  auto got = verify_decoys(sent, reply);
  ASSERT_EQ(got.results.size(), 2u);
  EXPECT_EQ(got.results[1].status, protocol::CheckStatus::kError);
  EXPECT_EQ(got.results[1].observed, "the agent returned no result for this check");
  EXPECT_FALSE(got.integrity.empty());
}

TEST(Decoys, AnEmptyBundleHoldsOnlyDecoys) {
  auto sent = add_decoys(real_bundle(0), seeded(5));
  EXPECT_EQ(sent.bundle.checks.size(), sent.decoys.size());
  auto got = verify_decoys(sent, answer(sent, honest));
  EXPECT_TRUE(got.results.empty());
  EXPECT_TRUE(got.integrity.empty());
}

}  // namespace
}  // namespace atelier::provisioning
