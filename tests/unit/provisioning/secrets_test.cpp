// Candidates' root passwords (issue #19): keyed by the installation's key, so that the seed and
// one candidate's own password give nothing; stable for the same inputs.
#include "controller/provisioning/secrets.h"

#include <gtest/gtest.h>

#include <set>

namespace atelier::provisioning {
namespace {

const std::string kKey(64, 'k');

TEST(RootPassword, IsHmacSha256OfTheLabelledInputs) {
  // Python: hmac.new(b"k"*64, b"atelier-root\0s1\0alice\0" b"42", sha256).hexdigest()[:16]
  EXPECT_EQ(derive_root_password(kKey, "s1", "alice", 42), "3799f7be07577a26");
}

TEST(RootPassword, DependsOnTheKeyAndEveryInput) {
  std::set<std::string> seen = {derive_root_password(kKey, "s1", "alice", 42),
                                derive_root_password(std::string(64, 'j'), "s1", "alice", 42),
                                derive_root_password(kKey, "s2", "alice", 42),
                                derive_root_password(kKey, "s1", "bob", 42),
                                derive_root_password(kKey, "s1", "alice", 43),
                                derive_root_password(kKey, "s1a", "lice", 42)};
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(derive_root_password(kKey, "s1", "alice", 42),
            derive_root_password(kKey, "s1", "alice", 42));
  for (const auto& p : seen) {
    EXPECT_EQ(p.size(), 16u);
    EXPECT_EQ(p.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
}

TEST(RootPassword, RandomKeysDiffer) {
  auto a = random_secret_key();
  auto b = random_secret_key();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace atelier::provisioning
