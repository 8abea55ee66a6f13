// The plan of one candidate lab: the lab, resolved for the candidate, turned into the provider's
// network and domain specs and each host's first-boot seed. Pure: no libvirt, no files.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/lab/lab.h"
#include "common/result.h"
#include "controller/images/builder.h"
#include "controller/images/seed.h"
#include "controller/provider/provider.h"

namespace atelier::provisioning {

// Where the guest's agent listens, and how the seed tells the guest to start it.
inline constexpr const char* kGuestSpoolDir = "/var/spool/atelier-agent";
inline constexpr const char* kGuestIdentityFile = "/etc/atelier/identity";

struct PlanInputs {
  std::string session;  // provider ids: [a-z0-9][a-z0-9_]{0,23}
  std::string candidate;
  // This candidate lab's folder on the hypervisor host: seeds, channel sockets, console logs.
  std::string run_dir;
  std::map<std::string, images::BuiltImage> images;  // by the lab's image name ("debian12")
  std::string root_password;                         // the candidate's root password
  std::vector<std::string> authorized_keys;          // for root, OpenSSH public keys
  provider::DiskCache cache = provider::DiskCache::kDefault;
  provider::SerialConsole::Kind console = provider::SerialConsole::Kind::kLogFile;
};

struct HostPlan {
  std::string name;
  provider::OverlaySpec overlay;
  // Complete but for overlay_path, which the provider gives when it creates the overlay.
  provider::DomainSpec domain;
  images::SeedSpec seed;
  std::string seed_path;
};

struct CandidateLabPlan {
  std::string session;
  std::string candidate;
  std::string run_dir;
  std::vector<provider::NetworkSpec> networks;
  std::vector<HostPlan> hosts;  // in the lab's order

  const HostPlan* host(std::string_view name) const;
};

// Gives the MAC of a host's NIC (provider::Provider::choose_mac in production).
using MacChooser =
    std::function<Result<provider::MacAddress>(const provider::ObjectRef& host, unsigned nic)>;

// Plans `lab` (resolved for inputs.candidate: no templates left) for one candidate. Errors
// (kInvalidArgument/kNotFound): a host's image is not in inputs.images, an id the provider
// refuses, a MAC the chooser could not give.
Result<CandidateLabPlan> plan_candidate_lab(const lab::Lab& lab, const PlanInputs& inputs,
                                            const MacChooser& choose_mac);

}  // namespace atelier::provisioning
