// The grader endpoint in the lab model: its reserved address on each network, which labs use
// it, and the warning an exam lab gets for a task graded only from the candidate's own hosts.
#include <gtest/gtest.h>

#include "common/lab/lab.h"
#include "common/lab/loader.h"
#include "tests/unit/lab/test_util.h"

namespace atelier::lab {
namespace {

Network net(const std::string& cidr) {
  auto parsed = Ipv4Network::parse(cidr);
  EXPECT_TRUE(parsed.ok());
  return Network{"n", parsed.ok() ? *parsed : Ipv4Network{}, false};
}

TEST(GraderAddress, TheLastHostAddressOfTheNetwork) {
  EXPECT_EQ(grader_address(net("10.10.0.0/24"))->to_string(), "10.10.0.254");
  EXPECT_EQ(grader_address(net("172.16.0.0/16"))->to_string(), "172.16.255.254");
  EXPECT_EQ(grader_address(net("192.168.1.8/30"))->to_string(), "192.168.1.10");
  EXPECT_FALSE(grader_address(net("192.168.1.8/31")).has_value());
}

TEST(GraderPlan, OnTheOpenNetworksAndThroughTheRouterToTheSecuredOnes) {
  auto lab = load_lab(testing::source_dir() / "labs/epreuve-synthese",
                      LoadOptions{testing::source_dir() / "ansible-free-recipes/recipes"});
  ASSERT_TRUE(lab.ok()) << lab.error().to_string();
  GraderPlan plan = grader_plan(*lab);
  ASSERT_EQ(plan.nics.size(), 1u);
  EXPECT_EQ(plan.nics[0].network, "lan");
  EXPECT_EQ(plan.nics[0].address.to_string(), "10.10.0.254");
  EXPECT_EQ(plan.nics[0].prefix_length, 24);
  ASSERT_EQ(plan.routes.size(), 1u);
  EXPECT_EQ(plan.routes[0].destination.to_string(), "10.30.0.0/24");
  EXPECT_EQ(plan.routes[0].via.to_string(), "10.10.0.1") << "the router's address on the lan";

  // A secured network no host routes to from an open one gets a nic of its own.
  lab->hosts.erase(lab->hosts.begin());  // the router
  plan = grader_plan(*lab);
  ASSERT_EQ(plan.nics.size(), 2u);
  EXPECT_EQ(plan.nics[1].network, "servers");
  EXPECT_EQ(plan.nics[1].address.to_string(), "10.30.0.254");
  EXPECT_TRUE(plan.routes.empty());
}

Task task_on(const std::string& id, std::vector<std::string> hosts) {
  Task t;
  t.id = id;
  for (const auto& h : hosts) {
    t.checks.push_back({h, "", std::chrono::seconds(5), checks::PingCheck{"10.0.0.1"}});
  }
  return t;
}

TEST(GradingWarnings, AnExamTaskGradedOnlyOnTheCandidatesHosts) {
  Lab lab;
  lab.id = "exam";
  lab.file = "labs/exam/lab.yaml";
  lab.tasks = {task_on("T1", {"client"}), task_on("T2", {"client", kGraderHost})};
  EXPECT_FALSE(lab.is_exam());
  EXPECT_TRUE(lab.uses_grader());
  EXPECT_TRUE(grading_warnings(lab).empty()) << "not an exam: no advice";

  lab.competencies = {"EPREUVE", "C07"};
  auto warnings = grading_warnings(lab);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(warnings[0].warning);
  EXPECT_EQ(
      warnings[0].to_string().rfind("labs/exam/lab.yaml:0:0: warning: task T1 of this exam", 0), 0u)
      << warnings[0].to_string();
}

TEST(GradingWarnings, TheShippedExamLabIsGradedFromTheNetwork) {
  auto lab = load_lab(testing::source_dir() / "labs/epreuve-synthese",
                      LoadOptions{testing::source_dir() / "ansible-free-recipes/recipes"});
  ASSERT_TRUE(lab.ok()) << lab.error().to_string();
  ASSERT_TRUE(lab->is_exam());
  for (const auto& w : grading_warnings(*lab)) ADD_FAILURE() << w.to_string();
}

}  // namespace
}  // namespace atelier::lab
