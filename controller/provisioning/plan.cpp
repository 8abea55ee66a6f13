// plan_candidate_lab: lab model -> provider specs and seeds, for one candidate.
#include "controller/provisioning/plan.h"

#include <filesystem>

#include "common/protocol/messages.h"
#include "controller/provider/naming.h"

namespace atelier::provisioning {

const HostPlan* CandidateLabPlan::host(std::string_view name) const {
  for (const auto& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

namespace {

// One host's overlay, domain and seed disk; `what` names the plan in errors.
Result<HostPlan> plan_host(const lab::Lab& lab, const lab::Host& h, const PlanInputs& in,
                           const MacChooser& choose_mac, const std::string& what) {
  const std::filesystem::path dir(in.run_dir);
  auto image = in.images.find(h.image);
  if (image == in.images.end()) {
    return Error(ErrorCode::kNotFound, "host \"" + h.name + "\" uses image \"" + h.image +
                                           "\", which is not built; run `atelier image build " +
                                           h.image + "`")
        .context(what);
  }
  const images::BuiltImage& img = image->second;
  HostPlan hp;
  hp.name = h.name;
  const provider::ObjectRef ref{in.session, in.candidate, h.name};
  if (auto st = provider::validate_ref(ref); !st.ok()) return std::move(st).error().context(what);
  const std::string base = provider::libvirt_name(ref);

  hp.overlay = {ref, img.disk_path, provider::DiskFormat::kQcow2};

  provider::DomainSpec& d = hp.domain;
  d.ref = ref;
  d.memory_bytes = h.memory_bytes;
  d.vcpus = static_cast<unsigned>(h.vcpus);
  d.kernel = provider::KernelBoot{img.kernel_path, img.initrd_path, img.cmdline};
  d.base_path = img.disk_path;
  d.base_format = provider::DiskFormat::kQcow2;
  hp.seed_path = (dir / (base + ".seed.img")).string();
  d.seed_path = hp.seed_path;
  d.seed_format = provider::DiskFormat::kRaw;
  d.agent_socket_path = (dir / (h.name + ".agent.sock")).string();
  d.console.kind = in.console;
  d.display = h.display;
  if (in.console == provider::SerialConsole::Kind::kLogFile) {
    d.console.log_path = (dir / (h.name + ".console.log")).string();
  }
  d.cache = in.cache;

  images::SeedSpec& seed = hp.seed;
  seed.instance_id = base;
  seed.hostname = h.name;
  seed.root_password = in.root_password;
  seed.authorized_keys = in.authorized_keys;
  seed.session = in.session;
  seed.candidate = in.candidate;
  seed.host = h.name;
  seed.display = h.display;
  seed.agent_args = {"serve",        "--port",     protocol::kDefaultGuestPort, "--spool",
                     kGuestSpoolDir, "--identity", kGuestIdentityFile};

  for (unsigned i = 0; i < h.nics.size(); ++i) {
    const lab::Nic& nic = h.nics[i];
    const lab::Network* net = lab.network(nic.network);
    if (net == nullptr) {  // the loader guarantees it; a Lab built in code may not
      return Error(
                 ErrorCode::kInvalidArgument,
                 "host \"" + h.name + "\" has a nic on undeclared network \"" + nic.network + "\"")
          .context(what);
    }
    auto mac = choose_mac(ref, i);
    if (!mac.ok()) return std::move(mac).error().context(what);
    d.nics.push_back({nic.network, *mac});
    seed.nics.push_back({mac->to_string(),
                         {nic.address.to_string() + "/" + std::to_string(net->cidr.prefix_length)},
                         std::nullopt});
  }
  return hp;
}

}  // namespace

Result<CandidateLabPlan> plan_candidate_lab(const lab::Lab& lab, const PlanInputs& in,
                                            const MacChooser& choose_mac) {
  const std::string what = "plan lab \"" + lab.id + "\" for candidate \"" + in.candidate + "\"";
  CandidateLabPlan plan;
  plan.session = in.session;
  plan.candidate = in.candidate;
  plan.run_dir = in.run_dir;

  for (const auto& n : lab.networks) {
    provider::NetworkSpec spec{{in.session, in.candidate, n.name}, n.secured, n.cidr.to_string()};
    if (auto st = provider::validate_ref(spec.ref); !st.ok()) {
      return std::move(st).error().context(what);
    }
    plan.networks.push_back(std::move(spec));
  }

  for (const auto& h : lab.hosts) {
    auto hp = plan_host(lab, h, in, choose_mac, what);
    if (!hp.ok()) return std::move(hp).error();
    plan.hosts.push_back(std::move(hp).value());
  }
  return plan;
}

}  // namespace atelier::provisioning
