// Times building one candidate lab (2 networks defined+started, 3 overlays, 3 domains defined
// and started; no guest boot) through LibvirtProvider and through the bare libvirt calls that
// do the same with the same XML, on private test-driver connections, and prints the ratio.
// Usage: provider_bench [labs=50] [uri]
//   no uri: libvirt's test driver (private fixture, in memory);
//   a real URI (e.g. qemu:///system): real bridges, qcow2 files on a 16 MiB base made by qemu-img
//   in a temp dir, and real QEMU processes (they find no bootable disk and idle in the BIOS).
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "controller/provider/libvirt_provider.h"
#include "controller/provider/libvirt_xml.h"
#include "controller/provider/naming.h"

namespace ap = atelier::provider;
using Clock = std::chrono::steady_clock;

namespace {

std::string g_base = "/var/lib/atelier-bench/images/debian12.qcow2";
bool g_real = false;
std::string g_dir;

struct HostPlan {
  const char* name;
  std::vector<const char*> networks;
};
const std::vector<HostPlan> kHosts = {
    {"router", {"lan", "dmz"}}, {"mail", {"dmz"}}, {"client", {"lan"}}};
const std::vector<const char*> kNetworks = {"lan", "dmz"};

std::string write_fixture(const std::filesystem::path& dir) {
  std::filesystem::path file = dir / "node.xml";
  std::ofstream out(file);
  out << "<node><pool type='dir'><name>images</name><target><path>/var/lib/atelier-bench/images"
         "</path></target><volume type='file'><name>debian12.qcow2</name><capacity unit='GiB'>2"
         "</capacity><target><path>"
      << g_base << "</path><format type='qcow2'/></target></volume></pool></node>\n";
  return "test://" + file.string();
}

ap::DomainSpec domain_spec(const std::string& candidate, const HostPlan& host,
                           const std::string& overlay_dir) {
  ap::DomainSpec spec;
  spec.ref = {"bench", candidate, host.name};
  spec.memory_bytes = 256ull << 20;
  spec.base_path = g_base;
  spec.overlay_path = overlay_dir + "/" + ap::overlay_volume_name(spec.ref);
  for (const char* n : host.networks) {
    spec.nics.push_back({n, std::nullopt});
  }
  if (g_real) {
    spec.memory_bytes = 64ull << 20;
    spec.agent_socket_path = g_dir + "/" + candidate + "-" + host.name + ".sock";
    spec.console = {ap::SerialConsole::Kind::kNone, ""};
    spec.cache = ap::DiskCache::kUnsafe;
  } else {
    spec.agent_socket_path = "/run/atelier-bench/" + candidate + "-" + host.name + ".sock";
    spec.kernel = ap::KernelBoot{"/var/lib/atelier-bench/images/vmlinuz",
                                 "/var/lib/atelier-bench/images/initrd.img", "root=/dev/vda"};
  }
  return spec;
}

[[noreturn]] void die(const std::string& what) {
  const virError* err = virGetLastError();
  std::fprintf(stderr, "provider_bench: %s%s%s\n", what.c_str(), err ? ": " : "",
               err && err->message ? err->message : "");
  std::exit(1);
}

void check(const atelier::Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "provider_bench: %s\n", st.error().to_string().c_str());
    std::exit(1);
  }
}

double atelier_lab(ap::LibvirtProvider& p, const std::string& candidate,
                   const std::string& overlay_dir) {
  auto start = Clock::now();
  for (const char* n : kNetworks) {
    check(p.define_network({{"bench", candidate, n}}));
    check(p.start_network({"bench", candidate, n}));
  }
  for (const auto& host : kHosts) {
    auto overlay = p.create_overlay({{"bench", candidate, host.name}, g_base});
    if (!overlay.ok()) check(overlay.error());
    auto macs = p.define_domain(domain_spec(candidate, host, overlay_dir));
    if (!macs.ok()) check(macs.error());
    check(p.start_domain({"bench", candidate, host.name}));
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The same objects with the same XML, straight through libvirt: no lookups, no ownership or
// collision checks, no pool threads.
double bare_lab(virConnectPtr c, virStoragePoolPtr pool, const std::string& candidate,
                const std::string& overlay_dir, ap::DomainType type) {
  auto start = Clock::now();
  for (const char* n : kNetworks) {
    ap::ObjectRef ref{"bench", candidate, n};
    std::string xml = ap::render_network_xml({ref}, ap::derive_bridge_name(ref, 0));
    virNetworkPtr net = virNetworkDefineXML(c, xml.c_str());
    if (!net || virNetworkCreate(net) < 0) die("bare network");
    virNetworkFree(net);
  }
  for (const auto& host : kHosts) {
    ap::ObjectRef ref{"bench", candidate, host.name};
    std::string vol_xml =
        ap::render_overlay_volume_xml(ap::overlay_volume_name(ref), g_base, ap::DiskFormat::kQcow2);
    virStorageVolPtr vol = virStorageVolCreateXML(pool, vol_xml.c_str(), 0);
    if (!vol) die("bare overlay");
    virStorageVolFree(vol);
    ap::DomainSpec spec = domain_spec(candidate, host, overlay_dir);
    std::vector<ap::MacAddress> macs;
    for (unsigned i = 0; i < spec.nics.size(); ++i) {
      macs.push_back(ap::derive_mac(ref, i, 0));
    }
    std::string xml = ap::render_domain_xml(spec, type, macs);
    virDomainPtr dom = virDomainDefineXML(c, xml.c_str());
    if (!dom || virDomainCreate(dom) < 0) die("bare domain");
    virDomainFree(dom);
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void bare_cleanup(virConnectPtr c, virStoragePoolPtr pool, const std::string& candidate) {
  for (const auto& host : kHosts) {
    ap::ObjectRef ref{"bench", candidate, host.name};
    virDomainPtr dom = virDomainLookupByName(c, ap::libvirt_name(ref).c_str());
    virDomainDestroy(dom);
    virDomainUndefine(dom);
    virDomainFree(dom);
    virStorageVolPtr vol = virStorageVolLookupByName(pool, ap::overlay_volume_name(ref).c_str());
    virStorageVolDelete(vol, 0);
    virStorageVolFree(vol);
  }
  for (const char* n : kNetworks) {
    virNetworkPtr net =
        virNetworkLookupByName(c, ap::libvirt_name({"bench", candidate, n}).c_str());
    virNetworkDestroy(net);
    virNetworkUndefine(net);
    virNetworkFree(net);
  }
}

struct Stats {
  double median;
  double mean;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {v[v.size() / 2], sum / v.size()};
}

}  // namespace

int main(int argc, char** argv) {
  int labs = argc > 1 ? std::atoi(argv[1]) : 50;
  if (labs < 1 || argc > 3) {
    std::fprintf(stderr, "usage: provider_bench [labs>=1] [uri]\n");
    return 2;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "atelier-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
  std::filesystem::path dir = tmpl;
  ::chmod(dir.c_str(), 0755);  // libvirt-qemu traverses it to the overlays
  g_dir = dir.string();
  std::string uri;
  ap::LibvirtOptions opts;
  if (argc > 2) {
    uri = argv[2];
    g_real = true;
    g_base = (dir / "base.qcow2").string();
    if (std::system(("qemu-img create -q -f qcow2 " + g_base + " 16M").c_str()) != 0) {
      die("qemu-img create");
    }
    opts.overlay_pool = "atelier-bench-" + std::to_string(::getpid());
  } else {
    uri = write_fixture(dir);
  }
  std::string overlay_dir = (dir / "overlays").string();
  opts.uri = uri;
  opts.overlay_dir = overlay_dir;
  auto provider = ap::LibvirtProvider::connect(opts);
  if (!provider.ok()) check(provider.error());
  ap::LibvirtProvider& p = **provider;

  // On the test driver the bare side gets its own private copy of the fixture (another test://
  // connection) and defines the same overlay pool up front; on a real URI it uses the pool the
  // provider created during its warm-up.
  atelier_lab(p, "warmup", overlay_dir);
  check(p.destroy_session("bench"));
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) die("open " + uri);
  virStoragePoolPtr pool = nullptr;
  if (g_real) {
    pool = virStoragePoolLookupByName(c, opts.overlay_pool.c_str());
    if (!pool) die("pool lookup");
  } else {
    std::string pool_xml = ap::render_dir_pool_xml(opts.overlay_pool, overlay_dir);
    pool = virStoragePoolDefineXML(c, pool_xml.c_str(), 0);
    if (!pool || virStoragePoolBuild(pool, 0) < 0 || virStoragePoolCreate(pool, 0) < 0) {
      die("pool");
    }
  }
  const ap::DomainType type = p.domain_type();
  bare_lab(c, pool, "warmup", overlay_dir, type);
  bare_cleanup(c, pool, "warmup");

  // Interleaved, each lab torn down (untimed) before the next, so both sides see the same host.
  std::vector<double> ours, bare;
  for (int i = 0; i < labs; ++i) {
    std::string candidate = "c" + std::to_string(i);
    ours.push_back(atelier_lab(p, candidate, overlay_dir));
    check(p.destroy_session("bench"));
    bare.push_back(bare_lab(c, pool, candidate, overlay_dir, type));
    bare_cleanup(c, pool, candidate);
  }
  Stats a = stats(ours);
  Stats b = stats(bare);
  std::printf(
      "candidate lab = 2 networks (define+start) + 3 overlays + 3 domains (define+start)\n");
  std::printf("uri %s (domain type %s), %d labs each, no guest boot\n",
              g_real ? uri.c_str() : "test:///<fixture>", std::string(ap::to_string(type)).c_str(),
              labs);
  std::printf("atelier LibvirtProvider : median %8.3f ms  mean %8.3f ms\n", a.median, a.mean);
  std::printf("bare libvirt calls      : median %8.3f ms  mean %8.3f ms\n", b.median, b.mean);
  std::printf("ratio atelier/bare      : %.2fx (median)\n", a.median / b.median);

  if (!g_real) {
    virStoragePoolDestroy(pool);
    virStoragePoolUndefine(pool);
  }
  virStoragePoolFree(pool);
  virConnectClose(c);
  if (g_real) {
    check(p.remove_overlay_pool());
  }
  provider->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
