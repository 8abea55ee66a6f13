// The agent instances atelierd accepted, across its restarts (reconciler/agent_instances.h):
// what a restarted atelierd keeps (after_restart, row by row) and the store's round trip.
#include "controller/reconciler/agent_instances.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace atelier::reconciler {
namespace {

using protocol::AgentInstance;
using provisioning::KnownInstances;

const AgentInstance kBefore{"3f2a9c1e00112233445566778899aabb", 1796544062000, "boot-a"};
const AgentInstance kForger{"77b0d4aa00112233445566778899aabb", 1796544900000, "boot-a"};
const AgentInstance kOther{"c0ffee0100112233445566778899aabb", 1796545000000, "boot-b"};

TEST(AfterRestart, TheRecordedInstanceWinsOverTheHello) {
  struct Row {
    const char* name;
    KnownInstances hello, recorded, wanted;
  };
  const Row rows[] = {
      {"nothing recorded (a new lab): the hello", {{"srv", kBefore}}, {}, {{"srv", kBefore}}},
      {"the same agent", {{"srv", kBefore}}, {{"srv", kBefore}}, {{"srv", kBefore}}},
      // The agent replaced while atelierd was down: the hello must not launder it.
      {"a replaced agent", {{"srv", kForger}}, {{"srv", kBefore}}, {{"srv", kBefore}}},
      {"an agent reporting no instance",
       {{"srv", std::nullopt}},
       {{"srv", kBefore}},
       {{"srv", kBefore}}},
      {"a record without a value keeps the hello",
       {{"srv", kBefore}},
       {{"srv", std::nullopt}},
       {{"srv", kBefore}}},
      {"hosts apart",
       {{"srv", kForger}, {"ws", kOther}},
       {{"srv", kBefore}},
       {{"srv", kBefore}, {"ws", kOther}}},
  };
  for (const auto& row : rows)
    EXPECT_EQ(after_restart(row.hello, row.recorded), row.wanted) << row.name;
}

TEST(AgentInstanceStore, RoundTripAndReplace) {
  test_support::TempDir dir("atelier-instances-test");
  auto store = store::Store::open(dir / "state");
  ASSERT_TRUE(store.ok()) << store.error().to_string();
  store::SessionRecord s;
  s.id = "s1";
  s.lab_path = "/labs/demo/lab.yaml";
  s.lab_id = "demo";
  s.created_at = store::Clock::now();
  s.created_by = "cli";
  ASSERT_OK(
      store->create_session(s, {"c01", "c02"}, {0, s.created_at, "t", "session.create", "s1", ""}));
  lab::Lab model;
  model.hosts.resize(2);
  model.hosts[0].name = "srv";
  model.hosts[1].name = "ws";

  auto none = load_agent_instances(*store, "s1", "c01", model);
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_EQ(*none, (KnownInstances{{"srv", std::nullopt}, {"ws", std::nullopt}}));

  ASSERT_OK(save_agent_instances(*store, "s1", "c01", {{"srv", kBefore}, {"ws", std::nullopt}}));
  ASSERT_OK(save_agent_instances(*store, "s1", "c02", {{"srv", kOther}}));
  auto one = load_agent_instances(*store, "s1", "c01", model);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, (KnownInstances{{"srv", kBefore}, {"ws", std::nullopt}}));

  // A later check run records the instance it saw; nullopt leaves the record.
  ASSERT_OK(save_agent_instances(*store, "s1", "c01", {{"srv", kForger}}));
  ASSERT_OK(save_agent_instances(*store, "s1", "c01", {{"srv", std::nullopt}}));
  auto replaced = load_agent_instances(*store, "s1", "c01", model);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->at("srv"), kForger);
  EXPECT_EQ(load_agent_instances(*store, "s1", "c02", model)->at("srv"), kOther);  // apart
}

}  // namespace
}  // namespace atelier::reconciler
