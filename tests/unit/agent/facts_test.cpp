// The agent's identity file and host facts, read from this machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "agent/facts.h"
#include "tests/support/test_support.h"

namespace atelier::agent {
namespace {

std::string hostname() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

// Issue 20: every agent process is its own instance (a random nonce), on this boot.
TEST(Instance, EveryCallIsANewInstanceOfThisBoot) {
  const auto a = new_instance();
  const auto b = new_instance();
  EXPECT_EQ(a.nonce.size(), 32u);
  EXPECT_EQ(a.nonce.find_first_not_of("0123456789abcdef"), std::string::npos) << a.nonce;
  EXPECT_NE(a.nonce, b.nonce);
  std::string boot_id;
  std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot_id);
  EXPECT_EQ(a.boot_id, boot_id);
  EXPECT_FALSE(a.boot_id.empty());
  EXPECT_GT(a.started_unix_ms, 1700000000000);
  EXPECT_LE(a.started_unix_ms, b.started_unix_ms);
}

TEST(Identity, ReadsKeyValueLinesAndDefaultsTheHost) {
  test_support::TempDir tmp("atelier-identity");
  std::filesystem::path dir = tmp.path();
  std::ofstream(dir / "identity") << "# seed\nsession=s42\ncandidate=c07\nhostname=ignored\n";
  auto id = load_identity((dir / "identity").string());
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(id->session, "s42");
  EXPECT_EQ(id->candidate, "c07");
  EXPECT_EQ(id->host, hostname());

  std::ofstream(dir / "bad") << "session s42\n";
  auto bad = load_identity((dir / "bad").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().to_string().find("bad:1: expected key=value"), std::string::npos)
      << bad.error().to_string();

  // Not written yet (the seed comes later): an empty identity, not an error.
  auto missing = load_identity((dir / "none").string());
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->session, "");
  EXPECT_EQ(missing->host, hostname());
}

TEST(Facts, DescribeThisHost) {
  auto facts = gather_facts();
  EXPECT_EQ(facts.hostname, hostname());
  EXPECT_FALSE(facts.kernel.empty());
  EXPECT_FALSE(facts.os.empty());
  bool lo = false;
  for (const auto& i : facts.interfaces) {
    if (i.name == "lo") {
      lo = true;
      EXPECT_TRUE(i.up);
      EXPECT_EQ(i.mac, "");
      EXPECT_NE(std::find(i.addresses.begin(), i.addresses.end(), "127.0.0.1/8"),
                i.addresses.end());
    }
  }
  EXPECT_TRUE(lo);
}

}  // namespace
}  // namespace atelier::agent
