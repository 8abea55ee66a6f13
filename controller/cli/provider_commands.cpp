// `atelier provider list|clean`: thin option parsing over LibvirtProvider (controller/provider/).
#include "controller/cli/provider_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>
#include <optional>
#include <system_error>

#include "controller/cli/commands.h"
#include "controller/images/builder.h"
#include "controller/provider/libvirt_provider.h"

namespace atelier::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

struct ProviderArgs {
  provider::LibvirtOptions libvirt;
  std::string session;
  std::string output = "text";
  std::string state_dir = images::kDefaultStateDir;
};

std::optional<int> parse(const std::vector<std::string>& args, const char* usage,
                         bool session_required, ProviderArgs& out) {
  po::options_description opts(usage);
  opts.add_options()("help,h", "show this help")(
      "uri", po::value(&out.libvirt.uri)->default_value(out.libvirt.uri),
      "libvirt URI of the hypervisor (qemu:///system, qemu+ssh://host/system, test:///file.xml)")(
      "overlay-dir", po::value(&out.libvirt.overlay_dir)->default_value(out.libvirt.overlay_dir),
      "directory of the overlay pool on the hypervisor")(
      "overlay-pool", po::value(&out.libvirt.overlay_pool)->default_value(out.libvirt.overlay_pool),
      "name of the overlay storage pool")(
      "session", po::value(&out.session),
      session_required ? "session id (required)" : "only this session's objects")(
      "output,o", po::value(&out.output)->default_value("text"), "text or json")(
      "state-dir", po::value(&out.state_dir)->default_value(out.state_dir),
      "state directory: clean also removes its labs/SESSION folder (seed disks, console logs)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier provider: " << e.what() << "\n" << opts;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (session_required && out.session.empty()) {
    std::cerr << "atelier provider: name the session with --session\n" << opts;
    return kExitInvalid;
  }
  if (out.output != "text" && out.output != "json") {
    std::cerr << "atelier provider: --output must be text or json\n";
    return kExitInvalid;
  }
  return std::nullopt;
}

int fail(const Error& error) {
  std::cerr << "atelier provider: " << error.to_string() << "\n";
  return error.code() == ErrorCode::kInvalidArgument ? kExitInvalid : kExitFailure;
}

}  // namespace

int provider_list(const std::vector<std::string>& args) {
  ProviderArgs a;
  if (auto stop =
          parse(args, "atelier provider list [--session S] [--uri U] [-o json]", false, a)) {
    return *stop;
  }
  auto p = provider::LibvirtProvider::connect(a.libvirt);
  if (!p.ok()) return fail(p.error());
  auto objects = (*p)->list(a.session.empty() ? std::nullopt : std::optional(a.session));
  if (!objects.ok()) return fail(objects.error());
  if (a.output == "json") {
    boost::json::array out;
    for (const auto& o : *objects) {
      out.push_back(boost::json::object{{"kind", std::string(to_string(o.kind))},
                                        {"session", o.ref.session},
                                        {"candidate", o.ref.candidate},
                                        {"object", o.ref.object},
                                        {"libvirt_name", o.libvirt_name},
                                        {"active", o.active},
                                        {"detail", o.detail}});
    }
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  for (const auto& o : *objects) {
    std::cout << to_string(o.kind) << "\t" << o.libvirt_name << "\t"
              << (o.active ? "active" : "inactive") << "\t" << o.detail << "\n";
  }
  return kExitOk;
}

int provider_clean(const std::vector<std::string>& args) {
  ProviderArgs a;
  if (auto stop = parse(args, "atelier provider clean --session S [--uri U]", true, a)) {
    return *stop;
  }
  auto p = provider::LibvirtProvider::connect(a.libvirt);
  if (!p.ok()) return fail(p.error());
  auto before = (*p)->list(a.session);
  if (!before.ok()) return fail(before.error());
  Status st = (*p)->destroy_session(a.session);
  if (!st.ok()) return fail(st.error());
  // The session's run folder (`lab prove --keep`'s, or atelierd's with the default --run-dir): its
  // seed disks and console logs go with its objects. A session id is one path component.
  std::error_code ec;
  const fs::path run_dir = fs::path(a.state_dir) / "labs" / a.session;
  if (a.session.find('/') == std::string::npos && a.session != "." && a.session != "..") {
    fs::remove_all(run_dir, ec);
  }
  if (ec)
    return fail(Error(ErrorCode::kIo, "cannot remove " + run_dir.string() + ": " + ec.message()));
  if (a.output == "json") {
    std::cout << boost::json::serialize(
                     boost::json::object{{"session", a.session}, {"removed", before->size()}})
              << "\n";
  } else {
    std::cout << "removed " << before->size() << " object(s) of session " << a.session << "\n";
  }
  return kExitOk;
}

}  // namespace atelier::cli
