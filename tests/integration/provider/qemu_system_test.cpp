// LibvirtProvider against the real libvirtd (qemu:///system; scripts/start-services starts it):
// networks make real bridges with no host address, overlays are real qcow2 files on their base,
// domains are defined with atelier metadata, and destroy_session leaves no bridge, file,
// network or domain behind (checked with virsh, ip and the file system, not with the provider).
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

constexpr const char* kUri = "qemu:///system";

class QemuSystem : public ::testing::Test {
 protected:
  void SetUp() override {
    int status = 0;
    run(std::string("virsh -c ") + kUri + " version >/dev/null 2>&1", &status);
    ASSERT_EQ(status, 0) << "libvirtd does not answer on " << kUri
                         << " (run scripts/start-services)";
    // Unique per run, so that parallel runs and other users of this libvirtd do not collide.
    session_ = "it" + std::to_string(::getpid());
    pool_ = "atelier-test-" + session_;
    auto provider = LibvirtProvider::connect(testing::system_options(dir_, session_));
    ASSERT_TRUE(provider.ok()) << provider.error().to_string();
    p_ = std::move(*provider);
    base_ = (dir_.path() / "base.qcow2").string();
    run("qemu-img create -q -f qcow2 " + base_ + " 16M", &status);
    ASSERT_EQ(status, 0);
  }

  void TearDown() override {
    if (p_) {
      p_->wait_for_abandoned_calls();
      ATELIER_EXPECT_OK(p_->destroy_session(session_));
      ATELIER_EXPECT_OK(p_->remove_overlay_pool());
    }
  }

  // Host `web` of `candidate` on its own network, defined on a fresh overlay: once started, a real
  // QEMU process idles in its firmware (no bootable disk; no guest boot needed).
  DomainSpec idle_domain(const std::string& candidate) {
    ObjectRef lan{session_, candidate, "lan"};
    DomainSpec spec;
    spec.ref = {session_, candidate, "web"};
    EXPECT_TRUE(p_->define_network({lan}).ok());
    EXPECT_TRUE(p_->start_network(lan).ok());
    auto overlay = p_->create_overlay({spec.ref, base_});
    EXPECT_TRUE(overlay.ok()) << overlay.error().to_string();
    spec.memory_bytes = 64ull << 20;
    spec.base_path = base_;
    spec.overlay_path = overlay.ok() ? overlay->path : "";
    spec.nics = {{"lan", std::nullopt}};
    spec.console = {SerialConsole::Kind::kNone, ""};
    spec.cache = DiskCache::kUnsafe;
    EXPECT_TRUE(p_->define_domain(spec).ok());
    return spec;
  }

  std::string virsh(const std::string& args, int* status = nullptr) {
    return run(std::string("virsh -q -c ") + kUri + " " + args + " 2>&1", status);
  }

  TempDir dir_;
  std::string session_;
  std::string pool_;
  std::string base_;
  std::unique_ptr<LibvirtProvider> p_;
};

TEST_F(QemuSystem, CandidateLabOnTheRealDaemonAndNothingLeftAfterTeardown) {
  ObjectRef lan{session_, "c1", "lan"};
  ObjectRef dmz{session_, "c1", "dmz"};
  ObjectRef web{session_, "c1", "web"};
  ATELIER_ASSERT_OK(p_->define_network({lan, false, "10.10.0.0/24"}));
  ATELIER_ASSERT_OK(p_->define_network({dmz, true, "10.20.0.0/24"}));
  ATELIER_ASSERT_OK(p_->start_network(lan));
  ATELIER_ASSERT_OK(p_->start_network(dmz));

  std::vector<std::string> bridges;
  auto listed = p_->list(session_);
  ASSERT_TRUE(listed.ok());
  for (const auto& o : *listed) {
    if (o.kind == ObjectKind::kNetwork) {
      bridges.push_back(o.detail);
      EXPECT_TRUE(o.active);
    }
  }
  ASSERT_EQ(bridges.size(), 2u);
  for (const auto& br : bridges) {
    int status = 0;
    run("ip link show dev " + br + " >/dev/null 2>&1", &status);
    EXPECT_EQ(status, 0) << "bridge " << br << " exists";
    // Isolation: the host has no address on a lab bridge (no IPv4, no IPv6 link-local).
    EXPECT_EQ(run("ip -o addr show dev " + br), "") << br;
  }
  std::string net_xml = virsh("net-dumpxml atelier-" + session_ + "-c1-lan");
  EXPECT_EQ(net_xml.find("<forward"), std::string::npos);
  EXPECT_EQ(net_xml.find("<ip"), std::string::npos);
  EXPECT_NE(net_xml.find("https://atelier.example/xmlns/provider/1"), std::string::npos);

  auto overlay = p_->create_overlay({web, base_, DiskFormat::kQcow2});
  ASSERT_TRUE(overlay.ok()) << overlay.error().to_string();
  ASSERT_TRUE(std::filesystem::exists(overlay->path));
  std::string info = run("qemu-img info --output=json " + overlay->path);
  EXPECT_NE(info.find("\"backing-filename\": \"" + base_ + "\""), std::string::npos) << info;
  EXPECT_NE(info.find("\"backing-filename-format\": \"qcow2\""), std::string::npos) << info;
  EXPECT_NE(info.find("\"virtual-size\": 16777216"), std::string::npos) << "base's size";

  ObjectRef other{session_, "c1", "other"};
  auto missing = p_->create_overlay({other, (dir_.path() / "missing.qcow2").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound) << missing.error().to_string();
  EXPECT_FALSE(std::filesystem::exists(p_->overlay_path(other)));

  DomainSpec spec;
  spec.ref = web;
  spec.memory_bytes = 128ull << 20;
  spec.base_path = base_;
  spec.overlay_path = overlay->path;
  spec.nics = {{"lan", std::nullopt}, {"dmz", std::nullopt}};
  spec.agent_socket_path = (dir_.path() / "web.sock").string();
  spec.console = {SerialConsole::Kind::kLogFile, (dir_.path() / "web.log").string()};
  spec.cache = DiskCache::kUnsafe;
  auto macs = p_->define_domain(spec);
  ASSERT_TRUE(macs.ok()) << macs.error().to_string();
  std::string dom = "atelier-" + session_ + "-c1-web";
  std::string meta = virsh("metadata " + dom + " https://atelier.example/xmlns/provider/1");
  EXPECT_NE(meta.find("session=\"" + session_ + "\""), std::string::npos) << meta;
  std::string dom_xml = virsh("dumpxml " + dom);
  EXPECT_NE(dom_xml.find((*macs)[0].to_string()), std::string::npos);
  if (p_->domain_type() == DomainType::kQemu) {
    EXPECT_NE(dom_xml.find("<tb-cache unit='KiB'>131072</tb-cache>"), std::string::npos) << dom_xml;
  }
  EXPECT_EQ(*p_->domain_state(web), DomainState::kShutOff);
  EXPECT_EQ(p_->list(session_)->size(), 4u);

  ATELIER_ASSERT_OK(p_->destroy_session(session_));
  EXPECT_TRUE(p_->list(session_)->empty());
  EXPECT_EQ(virsh("list --all --name | grep -c " + session_), "0\n");
  EXPECT_EQ(virsh("net-list --all --name | grep -c " + session_), "0\n");
  for (const auto& br : bridges) {
    int status = 0;
    run("ip link show dev " + br + " >/dev/null 2>&1", &status);
    EXPECT_NE(status, 0) << "bridge " << br << " is gone";
  }
  EXPECT_FALSE(std::filesystem::exists(overlay->path));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "overlays"));
  ATELIER_EXPECT_OK(p_->remove_overlay_pool());
  EXPECT_EQ(virsh("pool-list --all --name | grep -c " + pool_), "0\n");
  EXPECT_TRUE(std::filesystem::exists(base_)) << "the base is never touched";
}

TEST_F(QemuSystem, ResetThrowsTheCandidatesWritesAway) {
  DomainSpec spec = idle_domain("c2");
  ASSERT_FALSE(HasFailure());
  const ObjectRef web = spec.ref;
  const std::string overlay = spec.overlay_path;
  ATELIER_ASSERT_OK(p_->start_domain(web));
  EXPECT_EQ(*p_->domain_state(web), DomainState::kRunning);
  ATELIER_ASSERT_OK(p_->destroy_domain(web));

  // The "candidate" writes into the overlay.
  int status = 0;
  run("qemu-io -f qcow2 -c 'write -P 0xab 0 64k' " + overlay + " >/dev/null 2>&1", &status);
  ASSERT_EQ(status, 0);
  run("qemu-io -f qcow2 -c 'read -P 0xab 0 64k' " + overlay + " >/dev/null 2>&1", &status);
  ASSERT_EQ(status, 0) << "the write is there";

  ATELIER_ASSERT_OK(p_->reset_host(spec));
  EXPECT_EQ(*p_->domain_state(web), DomainState::kRunning);
  // Read-only and sharing the image with the running QEMU: the pattern is gone.
  std::string out =
      run("qemu-io -r -U -f qcow2 -c 'read -P 0xab 0 64k' " + overlay + " 2>&1", &status);
  EXPECT_NE(out.find("Pattern verification failed"), std::string::npos) << out;
  std::string info = run("qemu-img info -U --output=json " + overlay);
  EXPECT_NE(info.find("\"backing-filename\": \"" + base_ + "\""), std::string::npos) << info;

  ATELIER_ASSERT_OK(p_->shutdown_domain(web, std::chrono::seconds(2)));  // no OS: destroyed
  EXPECT_EQ(*p_->domain_state(web), DomainState::kShutOff);
}

// The hand-over snapshot on a real QEMU (idling in its firmware: memory and disk are saved all
// the same): none at first, saved and restored (running), saved again over itself; a rebuild
// (reset_host) forgets it with the overlay, and the teardown leaves no record of it.
TEST_F(QemuSystem, HandoverSnapshotIsRestoredAndGoesWithTheOverlay) {
  DomainSpec spec = idle_domain("c3");
  ASSERT_FALSE(HasFailure());
  const ObjectRef web = spec.ref;
  EXPECT_EQ(p_->save_handover(web).error().code(), ErrorCode::kFailedPrecondition)
      << "a domain that is not running has no state to save";
  ATELIER_ASSERT_OK(p_->start_domain(web));
  auto none = p_->restore_handover(web);
  ATELIER_ASSERT_OK(none);
  EXPECT_FALSE(*none) << "nothing saved yet: nothing done";

  ATELIER_ASSERT_OK(p_->save_handover(web));
  ATELIER_ASSERT_OK(p_->save_handover(web));  // replaces the first
  std::string info = run("qemu-img info -U " + spec.overlay_path);
  EXPECT_NE(info.find("atelier-handover"), std::string::npos) << info;
  auto restored = p_->restore_handover(web);
  ATELIER_ASSERT_OK(restored);
  EXPECT_TRUE(*restored);
  EXPECT_EQ(*p_->domain_state(web), DomainState::kRunning);

  ATELIER_ASSERT_OK(p_->reset_host(spec));
  auto after_rebuild = p_->restore_handover(web);
  ATELIER_ASSERT_OK(after_rebuild);
  EXPECT_FALSE(*after_rebuild) << "the rebuilt host's overlay has no snapshot";
  ATELIER_ASSERT_OK(p_->save_handover(web));
  const std::string name = libvirt_name(web);
  ATELIER_ASSERT_OK(p_->destroy_session(session_));
  EXPECT_FALSE(std::filesystem::exists("/var/lib/libvirt/qemu/snapshot/" + name + "/" +
                                       "atelier-handover.xml"));
  EXPECT_EQ(p_->restore_handover(web).error().code(), ErrorCode::kNotFound);
}

// The same provider over ssh, as for a remote hypervisor (here: this machine through a private
// sshd on loopback): keepalive on a real remote link, overlays created by the remote storage
// backend, and the objects seen by the local daemon.
TEST_F(QemuSystem, OverSshAsForARemoteHost) {
  testing::PrivateSshd sshd(dir_.path() / "sshd");
  ASSERT_TRUE(sshd.started());
  LibvirtOptions opts;
  opts.uri = sshd.qemu_uri();
  opts.overlay_dir = (dir_.path() / "overlays").string();
  opts.overlay_pool = pool_;
  opts.call_timeout = std::chrono::minutes(5);
  auto remote = LibvirtProvider::connect(opts);
  ATELIER_ASSERT_OK(remote);
  ObjectRef lan{session_, "c3", "lan"};
  ObjectRef web{session_, "c3", "web"};
  ATELIER_ASSERT_OK((*remote)->define_network({lan}));
  ATELIER_ASSERT_OK((*remote)->start_network(lan));
  auto overlay = (*remote)->create_overlay({web, base_});
  ATELIER_ASSERT_OK(overlay);
  EXPECT_TRUE(std::filesystem::exists(overlay->path));
  auto listed = p_->list(session_);  // the local provider sees what the remote one made
  ATELIER_ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 2u);
  EXPECT_EQ(virsh("net-list --name | grep -c atelier-" + session_ + "-c3-lan"), "1\n");
  ATELIER_ASSERT_OK((*remote)->destroy_session(session_));
  EXPECT_FALSE(std::filesystem::exists(overlay->path));
  EXPECT_EQ(virsh("net-list --all --name | grep -c " + session_), "0\n");
  (*remote).reset();
}

}  // namespace
}  // namespace atelier::provider
