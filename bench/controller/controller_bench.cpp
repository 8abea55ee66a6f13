// Times the controller provisioning N candidate labs of labs/demo (2 networks, 2 overlays, 2
// domains each) on libvirt's test driver — session recorded in the store, the reconciler placing
// each lab, planning it, writing its seed disks (mkfs.vfat + mcopy), creating its objects and
// starting its domains, every step's state written to the store — against the bare libvirt calls
// that create the same objects from the same plans' XML, and prints the ratio. Guests do not boot
// on the test driver: the controller's run stops at the agent step (deadline 0), which is left
// out of neither side. Needs the debian12 image built (`atelier image build debian12`).
// Usage: controller_bench [labs=100]
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/lab/variant.h"
#include "controller/images/builder.h"
#include "controller/images/image_definition.h"
#include "controller/provider/libvirt_xml.h"
#include "controller/provider/naming.h"
#include "controller/provisioning/plan.h"
#include "controller/reconciler/reconciler.h"
#include "controller/sessions/session_service.h"

namespace fs = std::filesystem;
using namespace atelier;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& what) {
  virErrorPtr e = virGetLastError();
  std::fprintf(stderr, "controller_bench: %s%s%s\n", what.c_str(), e ? ": " : "",
               e && e->message ? e->message : "");
  std::exit(1);
}

// A test-driver node big enough for every lab at once (1 TiB, 64 CPUs), no objects.
std::string write_fixture(const fs::path& dir) {
  fs::path file = dir / "node.xml";
  std::ofstream(file)
      << "<node><cpu><mhz>2000</mhz><nodes>1</nodes><sockets>1</sockets><cores>64</cores>"
         "<threads>1</threads><active>64</active></cpu><memory>1073741824</memory></node>\n";
  return "test://" + file.string();
}

double seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int labs = argc > 1 ? std::atoi(argv[1]) : 100;
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("atelier-controller-bench-" + std::to_string(rd()));
  fs::create_directories(dir);
  const std::string uri = write_fixture(dir);
  const fs::path src = ATELIER_SOURCE_DIR;

  auto def = images::load_image_definition((src / "controller" / "images" / "definitions").string(),
                                           "debian12");
  if (!def.ok()) die(def.error().to_string());
  auto image = images::find_built_image(*def, images::kDefaultStateDir);
  if (!image.ok()) die("the debian12 image is not built: run `atelier image build debian12` first");

  // ---- the controller: store, session service, reconciler ----
  auto store = store::Store::open(dir / "state");
  if (!store.ok()) die(store.error().to_string());
  sessions::SessionService::Options so;
  so.labs_dir = src / "labs";
  so.load.recipes_root = src / "ansible-free-recipes" / "recipes";
  sessions::SessionService svc(*store, so);
  sessions::CreateSessionRequest req;
  req.lab = "demo";
  req.name = "bench";
  req.seed = 1;
  for (int i = 0; i < labs; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "c%03d", i);
    req.candidates.push_back(id);
  }

  reconciler::ReconcilerOptions ro;
  ro.state_dir = dir / "state";
  ro.run_dir = dir / "run";
  ro.labs_dir = so.labs_dir;
  ro.load = so.load;
  ro.hosts = {{"local", uri}};
  ro.overlay_dir = (dir / "overlays").string();
  ro.image_definitions = src / "controller" / "images" / "definitions";
  ro.boot_deadline = std::chrono::milliseconds(0);
  ro.max_attempts = 1;
  ro.max_parallel_per_host = 4;  // the daemon's default on a 4-CPU host
  ro.loop_interval = std::chrono::milliseconds(20);
  auto rec = reconciler::Reconciler::create(ro);
  if (!rec.ok()) die(rec.error().to_string());

  auto t0 = Clock::now();
  auto created = svc.create(req, "bench", nullptr);
  if (!created.ok()) die(created.error().to_string());
  (*rec)->start();
  for (;;) {
    auto list = store->list_candidate_labs("bench");
    if (!list.ok()) die(list.error().to_string());
    int finished = 0;
    for (const auto& l : *list) {
      finished +=
          l.status == store::LabStatus::kFailed &&
                  l.steps[static_cast<std::size_t>(store::Step::kBooted)] == store::StepState::kDone
              ? 1
              : 0;
      if (l.status == store::LabStatus::kFailed &&
          l.steps[static_cast<std::size_t>(store::Step::kBooted)] != store::StepState::kDone) {
        die("lab " + l.candidate + " failed before boot: " + l.error);
      }
    }
    if (finished == labs) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double controller_s = seconds(t0);
  (*rec)->stop(std::chrono::seconds(30));

  // ---- bare libvirt: the same plans' objects on a fresh test-driver connection ----
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) die("connect " + uri);
  fs::create_directories(dir / "bare-overlays");
  std::string pool_xml = provider::render_dir_pool_xml("bare", (dir / "bare-overlays").string());
  virStoragePoolPtr pool = virStoragePoolDefineXML(c, pool_xml.c_str(), 0);
  if (!pool || virStoragePoolCreate(pool, 0) < 0) die("bare pool");
  auto loaded = lab::load_lab((src / "labs" / "demo" / "lab.yaml").string(), so.load);
  if (!loaded.ok()) die(loaded.error().to_string());
  // Plans are made before the clock starts: the bare side gets its XML for free.
  std::vector<provisioning::CandidateLabPlan> plans;
  for (const auto& cand : req.candidates) {
    auto resolved = lab::resolve(*loaded, cand, 1);
    if (!resolved.ok()) die(resolved.error().to_string());
    provisioning::PlanInputs in;
    in.session = "bare";
    in.candidate = cand;
    in.run_dir = (dir / "bare-run" / cand).string();
    in.images["debian12"] = *image;
    in.root_password = "x";
    auto plan = provisioning::plan_candidate_lab(
        *resolved, in, [](const provider::ObjectRef& r, unsigned n) {
          return Result<provider::MacAddress>(provider::derive_mac(r, n, 0));
        });
    if (!plan.ok()) die(plan.error().to_string());
    plans.push_back(std::move(*plan));
  }
  auto t1 = Clock::now();
  for (auto& plan : plans) {
    for (const auto& n : plan.networks) {
      std::string xml = provider::render_network_xml(n, provider::derive_bridge_name(n.ref, 0));
      virNetworkPtr net = virNetworkDefineXML(c, xml.c_str());
      if (!net || virNetworkCreate(net) < 0) die("bare network");
      virNetworkFree(net);
    }
    for (auto& h : plan.hosts) {
      std::string vol_xml = provider::render_overlay_volume_xml(
          provider::overlay_volume_name(h.overlay.ref), h.overlay.base_path, h.overlay.base_format);
      virStorageVolPtr vol = virStorageVolCreateXML(pool, vol_xml.c_str(), 0);
      if (!vol) die("bare volume");
      char* path = virStorageVolGetPath(vol);
      h.domain.overlay_path = path ? path : "";
      free(path);
      virStorageVolFree(vol);
      std::vector<provider::MacAddress> macs;
      for (const auto& nic : h.domain.nics) macs.push_back(*nic.mac);
      std::string xml = provider::render_domain_xml(h.domain, provider::DomainType::kQemu, macs);
      virDomainPtr dom = virDomainDefineXML(c, xml.c_str());
      if (!dom || virDomainCreate(dom) < 0) die("bare domain");
      virDomainFree(dom);
    }
  }
  const double bare_s = seconds(t1);
  virStoragePoolFree(pool);
  virConnectClose(c);
  fs::remove_all(dir);

  std::printf(
      "%d candidate labs of labs/demo (2 networks, 2 overlays, 2 domains each) on the test "
      "driver\n",
      labs);
  std::printf(
      "  controller (store, placement, plan, seed disks, provider, step states): %8.2f s  %7.1f "
      "ms/lab\n",
      controller_s, 1000 * controller_s / labs);
  std::printf(
      "  bare libvirt calls (same XML, plans made beforehand):                    %8.2f s  %7.1f "
      "ms/lab\n",
      bare_s, 1000 * bare_s / labs);
  std::printf("  ratio controller / bare: %.1fx\n", controller_s / bare_s);
  return 0;
}
