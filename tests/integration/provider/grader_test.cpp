// Grader endpoints on the real libvirtd (qemu:///system; no guest needed): a network namespace
// with a veth on each of its bridges, the lab's reserved addresses and a route through the lab's
// router; programs in it run as nobody with no forwarding; repaired after its network is
// restarted, listed with the lab's objects and gone with them (checked with ip and the file
// system, not with the provider).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "controller/provider/libvirt_provider.h"
#include "controller/provider/naming.h"
#include "tests/integration/provider/fixture.h"

namespace atelier::provider {
namespace {

using testing::run;
using testing::TempDir;

class GraderEndpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, qemu:///system)";
    session_ = "gr" + std::to_string(::getpid());
    auto provider = LibvirtProvider::connect(testing::system_options(dir_, session_));
    ASSERT_TRUE(provider.ok()) << provider.error().to_string();
    p_ = std::move(*provider);
  }
  void TearDown() override {
    if (!p_) return;
    ATELIER_EXPECT_OK(p_->destroy_session(session_));
    ATELIER_EXPECT_OK(p_->remove_overlay_pool());
  }

  std::string bridge_of(const ObjectRef& net) {
    auto listed = p_->list(session_);
    EXPECT_TRUE(listed.ok());
    for (const auto& o : *listed) {
      if (o.kind == ObjectKind::kNetwork && o.ref == net) return o.detail;
    }
    return "";
  }
  // stdout of argv run in the grader of `candidate`, or "exit N".
  std::string in_grader(const std::string& candidate, std::vector<std::string> argv) {
    auto r = p_->run_in_grader({session_, candidate, "grader"}, {.argv = std::move(argv)});
    if (!r.ok()) return r.error().to_string();
    return r->exit_code == 0 ? r->out : "exit " + std::to_string(r->exit_code) + ": " + r->err;
  }

  TempDir dir_;
  std::string session_;
  std::unique_ptr<LibvirtProvider> p_;
};

TEST_F(GraderEndpoint, OnTheLabsBridgesAsNobodyForwardingNothingAndGoneWithTheLab) {
  ObjectRef lan{session_, "c1", "lan"}, dmz{session_, "c1", "dmz"};
  for (const auto& net : {lan, dmz}) {
    ATELIER_ASSERT_OK(p_->define_network({net}));
    ATELIER_ASSERT_OK(p_->start_network(net));
  }
  const ObjectRef grader{session_, "c1", "grader"};
  const std::string netns = libvirt_name(grader);
  GraderSpec spec{grader,
                  {{"lan", "10.10.0.254/24"}, {"dmz", "10.20.0.254/24"}},
                  {{"10.30.0.0/24", "10.10.0.1"}},
                  {"10.10.0.10\tserver"}};
  ATELIER_ASSERT_OK(p_->ensure_grader(spec));

  // One veth on each bridge; the namespace holds the reserved addresses and no other route.
  for (const auto& net : {lan, dmz}) {
    const std::string ports = run("ip -o link show master " + bridge_of(net));
    EXPECT_NE(ports.find(derive_grader_link(net) + "@"), std::string::npos) << ports;
  }
  const std::string addresses = in_grader("c1", {"ip", "-o", "-4", "addr", "show"});
  EXPECT_NE(addresses.find("10.10.0.254/24"), std::string::npos) << addresses;
  EXPECT_NE(addresses.find("10.20.0.254/24"), std::string::npos) << addresses;
  EXPECT_EQ(in_grader("c1", {"ip", "-4", "route", "show", "default"}), "");
  EXPECT_EQ(in_grader("c1", {"ip", "-4", "route", "show", "10.30.0.0/24"}),
            "10.30.0.0/24 via 10.10.0.1 dev nic0 \n")
      << "a secured network, through the lab's router";
  EXPECT_EQ(in_grader("c1", {"cat", "/proc/sys/net/ipv4/ip_forward"}), "0\n");
  EXPECT_EQ(in_grader("c1", {"cat", "/proc/sys/net/ipv6/conf/all/disable_ipv6"}), "1\n");
  EXPECT_EQ(in_grader("c1", {"id", "-u"}), "65534\n");
  EXPECT_EQ(in_grader("c1", {"sh", "-c", "grep CapEff /proc/self/status"}),
            "CapEff:\t0000000000000000\n");
  EXPECT_NE(in_grader("c1", {"sh", "-c", "touch /etc/atelier-grader-was-here"}).find("exit "),
            std::string::npos)
      << "nobody wrote into the host's /etc";
  EXPECT_EQ(in_grader("c1", {"getent", "hosts", "server"}).substr(0, 10), "10.10.0.10");
  // ping as nobody, without a raw socket (ICMP echo sockets allowed for its group).
  EXPECT_EQ(in_grader("c1", {"sh", "-c", "ping -n -q -c 1 -W 2 10.10.0.254 >/dev/null && echo ok"}),
            "ok\n");

  // Listed with the lab's objects; ensured again: left as it is.
  auto listed = p_->list(session_);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(std::count_if(listed->begin(), listed->end(),
                          [](const auto& o) { return o.kind == ObjectKind::kGrader; }),
            1);
  const std::string index_before =
      run("cat /sys/class/net/" + derive_grader_link(lan) + "/ifindex");
  ATELIER_ASSERT_OK(p_->ensure_grader(spec));
  EXPECT_EQ(run("cat /sys/class/net/" + derive_grader_link(lan) + "/ifindex"), index_before);

  // A restarted network has a new bridge: the endpoint is built again on it.
  ATELIER_ASSERT_OK(p_->destroy_network(lan));
  ATELIER_ASSERT_OK(p_->start_network(lan));
  ATELIER_ASSERT_OK(p_->ensure_grader(spec));
  EXPECT_NE(run("ip -o link show master " + bridge_of(lan)).find(derive_grader_link(lan) + "@"),
            std::string::npos);

  // Not without its networks running.
  ATELIER_ASSERT_OK(p_->destroy_network(dmz));
  auto stopped = p_->ensure_grader(spec);
  ASSERT_FALSE(stopped.ok());
  EXPECT_NE(stopped.error().to_string().find("network \"dmz\" of this lab is not running"),
            std::string::npos)
      << stopped.error().to_string();

  // Gone with the lab: no namespace, no veth, no /etc/netns folder.
  ATELIER_ASSERT_OK(p_->destroy_session(session_));
  EXPECT_EQ(run("ip netns list | grep -c '^" + netns + "' || true"), "0\n");
  EXPECT_EQ(run("ip -o link show | grep -c '" + derive_grader_link(lan) + "' || true"), "0\n");
  EXPECT_FALSE(std::filesystem::exists("/etc/netns/" + netns));
  EXPECT_EQ(in_grader("c1", {"true"}).find("no grader endpoint"), 0u);
}

}  // namespace
}  // namespace atelier::provider
