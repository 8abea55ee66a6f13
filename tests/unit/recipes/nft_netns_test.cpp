// The nft op for real, inside a network namespace the test creates (its ruleset is the
// namespace's own, never the host's): load, idempotent re-run, drift repaired, bad ruleset
// refused without replacing the file. Commands go through `ip netns exec`; files stay local.
#include <gtest/gtest.h>

#include "ansible-free-recipes/engine/engine.h"
#include "ansible-free-recipes/engine/loader.h"
#include "ansible-free-recipes/engine/report.h"
#include "ansible-free-recipes/transport/local_transport.h"
#include "tests/unit/recipes/test_roots.h"

namespace atelier::recipes {
namespace {

using testing::read_text;

// LocalTransport whose commands run in a named network namespace.
class NetnsTransport : public transport::Transport {
 public:
  NetnsTransport(std::unique_ptr<transport::LocalTransport> local, std::string ns)
      : local_(std::move(local)), ns_(std::move(ns)) {}
  transport::TransportKind kind() const override { return transport::TransportKind::kLocal; }
  std::string describe() const override { return "netns:" + ns_; }
  Result<transport::ExecResult> exec(const std::string& command,
                                     std::chrono::seconds timeout) override {
    return local_->exec("ip netns exec " + ns_ + " /bin/sh -c " + transport::shell_quote(command),
                        timeout);
  }
  Status put_file(const std::string& p, const std::string& c, uint32_t m,
                  const transport::FileOwner& o) override {
    return local_->put_file(p, c, m, o);
  }
  Result<std::string> get_file(const std::string& p) override { return local_->get_file(p); }
  Result<transport::FileStat> stat(const std::string& p) override { return local_->stat(p); }

 private:
  std::unique_ptr<transport::LocalTransport> local_;
  std::string ns_;
};

class NftInNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = "atelier-rt-" + std::to_string(getpid());
    ASSERT_EQ(std::system(("ip netns add " + ns_).c_str()), 0);
    auto local = transport::LocalTransport::open("/");
    ASSERT_TRUE(local.ok());
    t_ = std::make_unique<NetnsTransport>(std::move(local).value(), ns_);
  }
  void TearDown() override { std::system(("ip netns delete " + ns_).c_str()); }

  HostReport apply(const std::string& ruleset) {
    std::string yaml = "recipe: fw\nparams:\n  rules: {type: string}\nsteps:\n  - nft: {path: '" +
                       (dir_.path() / "nftables.conf").string() + "', state_dir: '" +
                       (dir_.path() / "state").string() + "', content: '{{rules}}'}\n";
    auto r = load_recipe_text(yaml, "fw.yaml", ".");
    EXPECT_TRUE(r.ok()) << r.error().message();
    RunOptions o;
    o.params["rules"] = Value(ruleset);
    auto rep = run_recipe(*r, *t_, o);
    std::cerr << render_text({rep}, true);
    return rep;
  }
  std::string listing() { return testing::capture("ip netns exec " + ns_ + " nft list ruleset"); }

  std::string ns_;
  testing::TempDir dir_;
  std::unique_ptr<NetnsTransport> t_;
};

const char* kRules =
    "flush ruleset\n"
    "table inet filter {\n"
    "  chain input {\n"
    "    type filter hook input priority 0; policy accept;\n"
    "    tcp dport 5432 drop\n"
    "  }\n"
    "}\n";

TEST_F(NftInNetns, LoadsOnceRepairsDriftRefusesBadRules) {
  auto first = apply(kRules);
  ASSERT_EQ(first.summary.changed, 1);
  EXPECT_NE(listing().find("tcp dport 5432 drop"), std::string::npos);
  EXPECT_EQ(read_text(dir_.path() / "nftables.conf"), kRules);

  EXPECT_EQ(apply(kRules).summary.to_string(), "ok=1 changed=0 failed=0 skipped=0");

  // Someone flushes the ruleset by hand: seen as drift, loaded again.
  ASSERT_EQ(std::system(("ip netns exec " + ns_ + " nft flush ruleset").c_str()), 0);
  auto drift = apply(kRules);
  EXPECT_EQ(drift.summary.changed, 1);
  EXPECT_NE(drift.steps[0].diff.find("running ruleset differs"), std::string::npos);
  EXPECT_NE(listing().find("tcp dport 5432 drop"), std::string::npos);

  // A ruleset nft rejects fails the step and leaves the file and the running rules as they were.
  auto bad =
      apply("flush ruleset\ntable inet filter { chain input { tcp dport nonsense drop } }\n");
  EXPECT_EQ(bad.summary.failed, 1);
  EXPECT_EQ(read_text(dir_.path() / "nftables.conf"), kRules);
  EXPECT_NE(listing().find("tcp dport 5432 drop"), std::string::npos);
}

}  // namespace
}  // namespace atelier::recipes
