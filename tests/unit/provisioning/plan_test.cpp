// plan_candidate_lab on the demo lab: specs and seeds follow the lab's address plan, MACs come
// from the chooser and reach both the domain and the seed, a missing image is a clear error.
#include "controller/provisioning/plan.h"

#include <gtest/gtest.h>

#include "common/lab/loader.h"
#include "common/lab/variant.h"
#include "controller/provider/naming.h"

namespace atelier::provisioning {
namespace {

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = lab::load_lab(
        std::string(ATELIER_SOURCE_DIR) + "/labs/demo",
        lab::LoadOptions{std::string(ATELIER_SOURCE_DIR) + "/ansible-free-recipes/recipes"});
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    auto resolved = lab::resolve(*loaded, "ca", 42);
    ASSERT_TRUE(resolved.ok()) << resolved.error().to_string();
    lab_ = std::move(*resolved);

    inputs_.session = "s1";
    inputs_.candidate = "ca";
    inputs_.run_dir = "/var/lib/atelier/labs/s1/ca";
    images::BuiltImage img;
    img.disk_path = "/img/disk.qcow2";
    img.kernel_path = "/img/vmlinuz";
    img.initrd_path = "/img/initrd.img";
    img.cmdline = "root=/dev/vda console=ttyS0";
    inputs_.images["debian12"] = img;
    inputs_.root_password = "secret";
  }

  static Result<provider::MacAddress> derived(const provider::ObjectRef& ref, unsigned nic) {
    return provider::derive_mac(ref, nic, 0);
  }

  lab::Lab lab_;
  PlanInputs inputs_;
};

TEST_F(PlanTest, FollowsTheLabsAddressPlan) {
  auto plan = plan_candidate_lab(lab_, inputs_, derived);
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  ASSERT_EQ(plan->networks.size(), lab_.networks.size());
  EXPECT_EQ(plan->networks[0].ref, (provider::ObjectRef{"s1", "ca", "lan"}));
  EXPECT_EQ(plan->networks[0].cidr, "10.10.0.0/24");
  EXPECT_TRUE(plan->networks[1].secured);

  const HostPlan* server = plan->host("server");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->domain.ref, (provider::ObjectRef{"s1", "ca", "server"}));
  EXPECT_EQ(server->domain.memory_bytes, 256ull << 20);
  EXPECT_EQ(server->overlay.base_path, "/img/disk.qcow2");
  ASSERT_TRUE(server->domain.kernel.has_value());
  EXPECT_EQ(server->domain.kernel->kernel_path, "/img/vmlinuz");
  EXPECT_EQ(server->domain.agent_socket_path, "/var/lib/atelier/labs/s1/ca/server.agent.sock");
  EXPECT_EQ(server->seed_path, "/var/lib/atelier/labs/s1/ca/atelier-s1-ca-server.seed.img");
  EXPECT_EQ(server->domain.seed_path, server->seed_path);

  // Two NICs: lan then admin, the same MAC in the domain and in the seed.
  ASSERT_EQ(server->domain.nics.size(), 2u);
  ASSERT_EQ(server->seed.nics.size(), 2u);
  EXPECT_EQ(server->domain.nics[0].network, "lan");
  EXPECT_EQ(server->domain.nics[1].network, "admin");
  for (unsigned i = 0; i < 2; ++i) {
    ASSERT_TRUE(server->domain.nics[i].mac.has_value());
    EXPECT_EQ(server->domain.nics[i].mac->to_string(), server->seed.nics[i].mac);
    EXPECT_EQ(*server->domain.nics[i].mac, provider::derive_mac(server->domain.ref, i, 0));
  }
  EXPECT_EQ(server->seed.nics[0].addresses, std::vector<std::string>{"10.10.0.10/24"});
  EXPECT_EQ(server->seed.nics[1].addresses, std::vector<std::string>{"10.20.0.10/24"});
  EXPECT_EQ(server->seed.hostname, "server");
  EXPECT_EQ(server->seed.root_password, "secret");
  EXPECT_EQ(server->seed.session, "s1");
  EXPECT_EQ(server->seed.candidate, "ca");
  EXPECT_EQ(server->seed.instance_id, "atelier-s1-ca-server");
}

TEST_F(PlanTest, TwoCandidatesShareTheAddressPlanNotTheMacs) {
  auto a = plan_candidate_lab(lab_, inputs_, derived);
  inputs_.candidate = "cb";
  auto b = plan_candidate_lab(lab_, inputs_, derived);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->host("client")->seed.nics[0].addresses, b->host("client")->seed.nics[0].addresses);
  EXPECT_NE(a->host("client")->seed.nics[0].mac, b->host("client")->seed.nics[0].mac);
}

TEST_F(PlanTest, MissingImageSaysHowToBuildIt) {
  inputs_.images.clear();
  auto plan = plan_candidate_lab(lab_, inputs_, derived);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(plan.error().to_string().find("atelier image build debian12"), std::string::npos)
      << plan.error().to_string();
}

TEST_F(PlanTest, BadIdsAndMacFailuresAreErrors) {
  inputs_.session = "Bad-Session";
  auto plan = plan_candidate_lab(lab_, inputs_, derived);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code(), ErrorCode::kInvalidArgument);

  inputs_.session = "s1";
  auto no_mac = plan_candidate_lab(lab_, inputs_, [](const provider::ObjectRef&, unsigned) {
    return Result<provider::MacAddress>(Error(ErrorCode::kUnavailable, "libvirtd is down"));
  });
  ASSERT_FALSE(no_mac.ok());
  EXPECT_NE(no_mac.error().to_string().find("libvirtd is down"), std::string::npos);
}

}  // namespace
}  // namespace atelier::provisioning
