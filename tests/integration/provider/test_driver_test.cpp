// LibvirtProvider against libvirt's test driver: every operation, idempotency, error paths,
// listing by metadata, and destroy_session's boundaries. Each test opens its own fixture file
// (test:///path), so it starts from a private copy of the fixture's state.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "controller/provider/libvirt_provider.h"
#include "controller/provider/naming.h"
#include "tests/integration/provider/fixture.h"

namespace atelier::provider {
namespace {

using testing::make_fixture;
using testing::TempDir;

constexpr const char* kBase = "/var/lib/atelier-test/images/debian12.qcow2";
constexpr const char* kRawSeed = "/var/lib/atelier-test/images/seed.img";

class TestDriver : public ::testing::Test {
 protected:
  std::unique_ptr<LibvirtProvider> open(const std::vector<std::string>& extra = {}) {
    LibvirtOptions opts;
    opts.uri = make_fixture(dir_, extra);
    opts.overlay_dir = (dir_.path() / "overlays").string();
    opts.call_timeout = std::chrono::seconds(10);
    auto provider = LibvirtProvider::connect(opts);
    EXPECT_TRUE(provider.ok()) << provider.error().to_string();
    return provider.ok() ? std::move(*provider) : nullptr;
  }

  static DomainSpec domain(const ObjectRef& ref, const std::string& overlay,
                           std::vector<std::string> networks = {"lan"}) {
    DomainSpec spec;
    spec.ref = ref;
    spec.memory_bytes = 128ull << 20;
    spec.base_path = kBase;
    spec.overlay_path = overlay;
    for (auto& n : networks) {
      spec.nics.push_back({n, std::nullopt});
    }
    spec.agent_socket_path = "/run/atelier-test/" + ref.candidate + "-" + ref.object + ".sock";
    spec.cache = DiskCache::kUnsafe;
    return spec;
  }

  // Networks + overlay + domain of one host on one network, started.
  void lab(LibvirtProvider& p, const std::string& session, const std::string& candidate) {
    ATELIER_ASSERT_OK(p.define_network({{session, candidate, "lan"}}));
    ATELIER_ASSERT_OK(p.start_network({session, candidate, "lan"}));
    auto overlay = p.create_overlay({{session, candidate, "web"}, kBase});
    ASSERT_TRUE(overlay.ok()) << overlay.error().to_string();
    auto macs = p.define_domain(domain({session, candidate, "web"}, overlay->path));
    ASSERT_TRUE(macs.ok()) << macs.error().to_string();
    ATELIER_ASSERT_OK(p.start_domain({session, candidate, "web"}));
  }

  static size_t count(const std::vector<OwnedObject>& objects, ObjectKind kind) {
    return std::count_if(objects.begin(), objects.end(),
                         [kind](const OwnedObject& o) { return o.kind == kind; });
  }

  TempDir dir_;
};

TEST_F(TestDriver, ConnectsAndChoosesTcgWithoutKvm) {
  auto p = open();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->domain_type(), DomainType::kQemu);
  EXPECT_EQ(p->connection_opens(), 1u);
}

TEST_F(TestDriver, UnreachableUriIsUnavailable) {
  LibvirtOptions opts;
  opts.uri = "test:///nonexistent/fixture.xml";
  auto p = LibvirtProvider::connect(opts);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(p.error().to_string().find("connect to \"test:///nonexistent/fixture.xml\""),
            std::string::npos);
}

TEST_F(TestDriver, NetworkLifecycleIsIdempotent) {
  auto p = open();
  ASSERT_TRUE(p);
  ObjectRef lan{"s1", "c1", "lan"};
  ATELIER_ASSERT_OK(p->define_network({lan, false, "10.10.0.0/24"}));
  ATELIER_EXPECT_OK(p->define_network({lan, false, "10.10.0.0/24"}));
  auto listed = p->list("s1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].kind, ObjectKind::kNetwork);
  EXPECT_EQ((*listed)[0].ref, lan);
  EXPECT_EQ((*listed)[0].libvirt_name, "atelier-s1-c1-lan");
  EXPECT_EQ((*listed)[0].detail, derive_bridge_name(lan, 0));
  EXPECT_FALSE((*listed)[0].active);

  ATELIER_ASSERT_OK(p->start_network(lan));
  ATELIER_EXPECT_OK(p->start_network(lan));
  EXPECT_TRUE((*p->list("s1"))[0].active);
  ATELIER_ASSERT_OK(p->destroy_network(lan));
  ATELIER_EXPECT_OK(p->destroy_network(lan));
  EXPECT_FALSE((*p->list("s1"))[0].active);
  ATELIER_ASSERT_OK(p->start_network(lan));
  ATELIER_ASSERT_OK(p->undefine_network(lan));
  ATELIER_EXPECT_OK(p->undefine_network(lan));
  EXPECT_TRUE(p->list("s1")->empty());

  ObjectRef unknown{"s1", "c1", "nope"};
  ATELIER_EXPECT_OK(p->destroy_network(unknown));
  ATELIER_EXPECT_OK(p->undefine_network(unknown));
  Status start = p->start_network(unknown);
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.error().code(), ErrorCode::kNotFound);
}

TEST_F(TestDriver, InvalidIdsAreRejectedBeforeLibvirt) {
  auto p = open();
  ASSERT_TRUE(p);
  Status st = p->define_network({{"s-1", "c1", "lan"}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(p->list("Bad Session").ok());
}

TEST_F(TestDriver, NetworkNameInUseByAForeignNetwork) {
  auto p = open({R"(<network><name>atelier-s1-c1-lan</name><bridge name='virbr9'/></network>)"});
  ASSERT_TRUE(p);
  ObjectRef lan{"s1", "c1", "lan"};
  Status st = p->define_network({lan});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(st.error().to_string().rfind(
                "define network \"lan\" for candidate \"c1\" of session \"s1\" <- ", 0),
            0u)
      << st.error().to_string();
  // Not provably ours: never touched, never listed.
  Status undefine = p->undefine_network(lan);
  ASSERT_FALSE(undefine.ok());
  EXPECT_EQ(undefine.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(p->destroy_network(lan).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(p->list(std::nullopt)->empty());
  EXPECT_EQ(p->define_network({lan}).error().code(), ErrorCode::kAlreadyExists) << "still there";
}

TEST_F(TestDriver, BridgeCollisionMovesToTheNextDerivedName) {
  ObjectRef lan{"s1", "c1", "lan"};
  std::string taken = derive_bridge_name(lan, 0);
  auto p = open({"<network><name>other</name><bridge name='" + taken + "'/></network>"});
  ASSERT_TRUE(p);
  ATELIER_ASSERT_OK(p->define_network({lan}));
  auto listed = p->list("s1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].detail, derive_bridge_name(lan, 1));
  EXPECT_NE((*listed)[0].detail, taken);
  // Bridges of many candidates' networks are all different.
  std::set<std::string> bridges{taken};
  for (int c = 0; c < 20; ++c) {
    ATELIER_ASSERT_OK(p->define_network({{"s1", "c" + std::to_string(c), "lan"}}));
  }
  auto all = p->list(std::nullopt);
  ASSERT_TRUE(all.ok());
  for (const auto& o : *all) {
    EXPECT_TRUE(bridges.insert(o.detail).second) << o.detail;
  }
}

TEST_F(TestDriver, OverlayLifecycle) {
  auto p = open();
  ASSERT_TRUE(p);
  ObjectRef web{"s1", "c1", "web"};
  auto overlay = p->create_overlay({web, kBase, DiskFormat::kQcow2});
  ASSERT_TRUE(overlay.ok()) << overlay.error().to_string();
  EXPECT_EQ(overlay->volume_name, "atelier-s1-c1-web.qcow2");
  EXPECT_EQ(overlay->path, (dir_.path() / "overlays" / "atelier-s1-c1-web.qcow2").string());
  EXPECT_EQ(overlay->path, p->overlay_path(web));

  auto again = p->create_overlay({web, kBase});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);

  auto listed = p->list("s1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].kind, ObjectKind::kOverlay);
  EXPECT_EQ((*listed)[0].ref, web);
  EXPECT_EQ((*listed)[0].detail, overlay->path);

  ATELIER_ASSERT_OK(p->delete_overlay(web));
  ATELIER_EXPECT_OK(p->delete_overlay(web));
  EXPECT_TRUE(p->list("s1")->empty());
  ATELIER_EXPECT_OK(p->create_overlay({web, kBase}));
  EXPECT_TRUE(p->remove_overlay_pool().error().code() == ErrorCode::kFailedPrecondition)
      << "a pool holding overlays is kept";
  ATELIER_ASSERT_OK(p->delete_overlay(web));
  ATELIER_EXPECT_OK(p->remove_overlay_pool());
  ATELIER_EXPECT_OK(p->delete_overlay(web));
}

TEST_F(TestDriver, BadBaseImages) {
  auto p = open();
  ASSERT_TRUE(p);
  ObjectRef web{"s1", "c1", "web"};
  auto wrong_format = p->create_overlay({web, kRawSeed, DiskFormat::kQcow2});
  ASSERT_FALSE(wrong_format.ok());
  EXPECT_EQ(wrong_format.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(wrong_format.error().message().find("is raw, not qcow2"), std::string::npos)
      << wrong_format.error().to_string();
  auto relative = p->create_overlay({web, "images/debian12.qcow2"});
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(p->list(std::nullopt)->empty()) << "nothing left behind";
}

TEST_F(TestDriver, OverlayPoolPointingElsewhereIsRefused) {
  auto p = open({R"(<pool type='dir'><name>atelier-overlays</name>
      <target><path>/somewhere/else</path></target></pool>)"});
  ASSERT_TRUE(p);
  auto overlay = p->create_overlay({{"s1", "c1", "web"}, kBase});
  ASSERT_FALSE(overlay.ok());
  EXPECT_EQ(overlay.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(overlay.error().message().find("/somewhere/else"), std::string::npos);
}

TEST_F(TestDriver, DomainLifecycleIsIdempotent) {
  auto p = open();
  ASSERT_TRUE(p);
  ObjectRef web{"s1", "c1", "web"};
  ATELIER_ASSERT_OK(p->define_network({{"s1", "c1", "lan"}}));
  ATELIER_ASSERT_OK(p->define_network({{"s1", "c1", "dmz"}, true}));
  auto overlay = p->create_overlay({web, kBase});
  ASSERT_TRUE(overlay.ok());
  DomainSpec spec = domain(web, overlay->path, {"lan", "dmz"});
  spec.seed_path = kRawSeed;
  spec.kernel = KernelBoot{"/var/lib/atelier-test/images/vmlinuz", "", "root=/dev/vda"};

  auto predicted = p->choose_mac(web, 1);
  ASSERT_TRUE(predicted.ok());
  auto macs = p->define_domain(spec);
  ASSERT_TRUE(macs.ok()) << macs.error().to_string();
  ASSERT_EQ(macs->size(), 2u);
  EXPECT_EQ((*macs)[0], derive_mac(web, 0, 0));
  EXPECT_EQ((*macs)[1], *predicted);
  EXPECT_EQ(*p->choose_mac(web, 0), (*macs)[0]) << "a defined domain's MAC is its own";

  auto again = p->define_domain(spec);
  ASSERT_TRUE(again.ok()) << "define twice: " << again.error().to_string();
  EXPECT_EQ(*again, *macs);
  EXPECT_EQ(*p->domain_state(web), DomainState::kShutOff);

  ATELIER_ASSERT_OK(p->start_domain(web));
  ATELIER_EXPECT_OK(p->start_domain(web));
  EXPECT_EQ(*p->domain_state(web), DomainState::kRunning);
  ATELIER_ASSERT_OK(p->shutdown_domain(web, std::chrono::seconds(5)));
  EXPECT_EQ(*p->domain_state(web), DomainState::kShutOff);
  ATELIER_EXPECT_OK(p->shutdown_domain(web, std::chrono::seconds(5)));
  ATELIER_ASSERT_OK(p->start_domain(web));
  ATELIER_ASSERT_OK(p->destroy_domain(web));
  ATELIER_EXPECT_OK(p->destroy_domain(web));
  EXPECT_EQ(*p->domain_state(web), DomainState::kShutOff);
  ATELIER_ASSERT_OK(p->start_domain(web));
  ATELIER_ASSERT_OK(p->undefine_domain(web));
  ATELIER_EXPECT_OK(p->undefine_domain(web));
  EXPECT_EQ(p->domain_state(web).error().code(), ErrorCode::kNotFound);

  ObjectRef unknown{"s1", "c1", "ghost"};
  ATELIER_EXPECT_OK(p->destroy_domain(unknown));
  ATELIER_EXPECT_OK(p->undefine_domain(unknown));
  ATELIER_EXPECT_OK(p->shutdown_domain(unknown, std::chrono::milliseconds(10)));
  EXPECT_EQ(p->start_domain(unknown).error().code(), ErrorCode::kNotFound);
}

TEST_F(TestDriver, DomainErrorPaths) {
  auto p = open({R"(<domain type='test'><name>atelier-s1-c1-fake</name><memory>131072</memory>
      <os><type arch='x86_64'>hvm</type></os></domain>)"});
  ASSERT_TRUE(p);
  ATELIER_ASSERT_OK(p->define_network({{"s1", "c1", "lan"}}));
  const std::string overlay = p->overlay_path({"s1", "c1", "web"});

  auto no_network = p->define_domain(domain({"s1", "c1", "web"}, overlay, {"lan", "wan"}));
  ASSERT_FALSE(no_network.ok());
  EXPECT_EQ(no_network.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_network.error().to_string().find("atelier-s1-c1-wan"), std::string::npos);

  auto name_taken = p->define_domain(domain({"s1", "c1", "fake"}, overlay));
  ASSERT_FALSE(name_taken.ok());
  EXPECT_EQ(name_taken.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(p->start_domain({"s1", "c1", "fake"}).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(p->undefine_domain({"s1", "c1", "fake"}).error().code(),
            ErrorCode::kFailedPrecondition);

  DomainSpec mac_taken = domain({"s1", "c1", "web"}, overlay);
  mac_taken.nics[0].mac = *MacAddress::parse("52:54:00:12:34:56");  // foreign-vm's
  auto dup = p->define_domain(mac_taken);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);

  DomainSpec bad = domain({"s1", "c1", "web"}, overlay);
  bad.vcpus = 0;
  EXPECT_EQ(p->define_domain(bad).error().code(), ErrorCode::kInvalidArgument);
  bad = domain({"s1", "c1", "web"}, "relative.qcow2");
  EXPECT_EQ(p->define_domain(bad).error().code(), ErrorCode::kInvalidArgument);

  // libvirt's own refusal, with its message behind atelier's context.
  DomainSpec huge = domain({"s1", "c1", "web"}, overlay);
  huge.memory_bytes = ~0ull;
  auto refused = p->define_domain(huge);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().to_string().rfind(
                "define domain \"web\" for candidate \"c1\" of session \"s1\" <- libvirt: ", 0),
            0u)
      << refused.error().to_string();
  EXPECT_TRUE(p->list("s1")->size() == 1u) << "only the network";
}

TEST_F(TestDriver, MacsAvoidThoseOfOtherDomains) {
  ObjectRef web{"s1", "c1", "web"};
  std::string taken = derive_mac(web, 0, 0).to_string();
  auto p =
      open({"<domain type='test'><name>squatter</name><memory>131072</memory>"
            "<os><type arch='x86_64'>hvm</type></os><devices><interface type='network'>"
            "<mac address='" +
            taken +
            "'/><source network='default'/></interface>"
            "</devices></domain>"});
  ASSERT_TRUE(p);
  ATELIER_ASSERT_OK(p->define_network({{"s1", "c1", "lan"}}));
  auto chosen = p->choose_mac(web, 0);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, derive_mac(web, 0, 1));
  auto macs = p->define_domain(domain(web, p->overlay_path(web)));
  ASSERT_TRUE(macs.ok());
  EXPECT_EQ((*macs)[0], *chosen);
}

TEST_F(TestDriver, ResetHostRecreatesTheOverlayAndStarts) {
  auto p = open();
  ASSERT_TRUE(p);
  ObjectRef web{"s1", "c1", "web"};
  lab(*p, "s1", "c1");
  DomainSpec spec = domain(web, p->overlay_path(web));
  ATELIER_ASSERT_OK(p->destroy_domain(web));
  ATELIER_ASSERT_OK(p->reset_host(spec));
  EXPECT_EQ(*p->domain_state(web), DomainState::kRunning);
  auto listed = p->list("s1");
  EXPECT_EQ(count(*listed, ObjectKind::kOverlay), 1u);
  EXPECT_EQ(count(*listed, ObjectKind::kDomain), 1u);

  DomainSpec elsewhere = domain(web, "/tmp/not-the-overlay.qcow2");
  EXPECT_EQ(p->reset_host(elsewhere).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(*p->domain_state(web), DomainState::kRunning) << "nothing touched";
  ObjectRef ghost{"s1", "c1", "ghost"};
  EXPECT_EQ(p->reset_host(domain(ghost, p->overlay_path(ghost))).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(TestDriver, ListingReadsMetadataNotNames) {
  // A foreign domain with an atelier-looking name, and one whose metadata names another object.
  auto p = open({R"(<domain type='test'><name>atelier-s1-c1-fake</name><memory>131072</memory>
        <os><type arch='x86_64'>hvm</type></os></domain>)",
                 R"(<domain type='test'><name>atelier-s1-c1-liar</name><memory>131072</memory>
        <metadata><atelier:owner xmlns:atelier="https://atelier.example/xmlns/provider/1"
          kind="domain" session="s1" candidate="c1" object="web"/></metadata>
        <os><type arch='x86_64'>hvm</type></os></domain>)"});
  ASSERT_TRUE(p);
  lab(*p, "s1", "c1");
  lab(*p, "s2", "c1");
  auto all = p->list(std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 6u);
  for (const auto& o : *all) {
    EXPECT_NE(o.libvirt_name, "atelier-s1-c1-fake");
    EXPECT_NE(o.libvirt_name, "atelier-s1-c1-liar");
  }
  auto s1 = p->list("s1");
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->size(), 3u);
  EXPECT_EQ(count(*s1, ObjectKind::kNetwork), 1u);
  EXPECT_EQ(count(*s1, ObjectKind::kOverlay), 1u);
  EXPECT_EQ(count(*s1, ObjectKind::kDomain), 1u);
  for (const auto& o : *s1) {
    EXPECT_EQ(o.ref.session, "s1");
    if (o.kind == ObjectKind::kDomain) {
      EXPECT_TRUE(o.active);
      EXPECT_EQ(o.detail, "running");
    }
  }
}

TEST_F(TestDriver, DestroySessionRemovesOnlyThatSession) {
  auto p =
      open({R"(<domain type='test'><name>atelier-s1-c1-fake</name><memory>131072</memory>
        <os><type arch='x86_64'>hvm</type></os></domain>)",
            R"(<network><name>atelier-s1-c1-fakenet</name><bridge name='virbr7'/></network>)"});
  ASSERT_TRUE(p);
  lab(*p, "s1", "c1");
  lab(*p, "s1", "c2");
  lab(*p, "s2", "c1");
  ASSERT_EQ(p->list("s1")->size(), 6u);

  ATELIER_ASSERT_OK(p->destroy_session("s1"));
  EXPECT_TRUE(p->list("s1")->empty());
  auto s2 = p->list("s2");
  ASSERT_TRUE(s2.ok());
  ASSERT_EQ(s2->size(), 3u);
  for (const auto& o : *s2) {
    if (o.kind != ObjectKind::kOverlay) {
      EXPECT_TRUE(o.active) << o.libvirt_name << " still running";
    }
  }
  // The foreign look-alikes are still there (refused as not ours, not "not found").
  EXPECT_EQ(p->start_domain({"s1", "c1", "fake"}).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(p->start_network({"s1", "c1", "fakenet"}).error().code(),
            ErrorCode::kFailedPrecondition);
  ATELIER_EXPECT_OK(p->destroy_session("s1"));
  ATELIER_EXPECT_OK(p->destroy_session("nosuchsession"));
  ATELIER_ASSERT_OK(p->destroy_session("s2"));
  EXPECT_TRUE(p->list(std::nullopt)->empty());
}

TEST_F(TestDriver, DestroyCandidateRemovesOnlyThatCandidatesLab) {
  auto p = open({R"(<domain type='test'><name>atelier-s1-c1-fake</name><memory>131072</memory>
        <os><type arch='x86_64'>hvm</type></os></domain>)"});
  ASSERT_TRUE(p);
  lab(*p, "s1", "c1");
  lab(*p, "s1", "c2");
  lab(*p, "s2", "c1");
  ASSERT_EQ(p->list("s1")->size(), 6u);

  ATELIER_ASSERT_OK(p->destroy_candidate("s1", "c1"));
  auto s1 = p->list("s1");
  ASSERT_TRUE(s1.ok());
  ASSERT_EQ(s1->size(), 3u);
  for (const auto& o : *s1) {
    EXPECT_EQ(o.ref.candidate, "c2") << o.libvirt_name;
  }
  EXPECT_EQ(p->list("s2")->size(), 3u);
  // The foreign look-alike with the candidate's prefix is not ours: still there.
  EXPECT_EQ(p->start_domain({"s1", "c1", "fake"}).error().code(), ErrorCode::kFailedPrecondition);
  // Idempotent, and safe for an owner it does not know.
  ATELIER_EXPECT_OK(p->destroy_candidate("s1", "c1"));
  ATELIER_EXPECT_OK(p->destroy_candidate("s1", "nosuchcandidate"));
  ATELIER_EXPECT_OK(p->destroy_candidate("nosuchsession", "c1"));
  EXPECT_EQ(p->list(std::nullopt)->size(), 6u);
  ATELIER_ASSERT_OK(p->destroy_candidate("s1", "c2"));
  ATELIER_ASSERT_OK(p->destroy_candidate("s2", "c1"));
  EXPECT_TRUE(p->list(std::nullopt)->empty());
}

TEST_F(TestDriver, ConcurrentCallsFromManyThreads) {
  auto p = open();
  ASSERT_TRUE(p);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < 8; ++c) {
    threads.emplace_back([&, c] {
      std::string candidate = "c" + std::to_string(c);
      ObjectRef lan{"s1", candidate, "lan"};
      ObjectRef web{"s1", candidate, "web"};
      auto ok = [&](bool b) {
        if (!b) ++failures;
      };
      ok(p->define_network({lan}).ok());
      ok(p->start_network(lan).ok());
      auto overlay = p->create_overlay({web, kBase});
      ok(overlay.ok());
      ok(p->define_domain(domain(web, p->overlay_path(web))).ok());
      ok(p->start_domain(web).ok());
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  auto all = p->list("s1");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 24u);
  std::set<std::string> bridges;
  for (const auto& o : *all) {
    if (o.kind == ObjectKind::kNetwork) {
      EXPECT_TRUE(bridges.insert(o.detail).second);
    }
  }
  ATELIER_EXPECT_OK(p->destroy_session("s1"));
}

}  // namespace
}  // namespace atelier::provider
