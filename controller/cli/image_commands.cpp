// `atelier image build|show`: thin option parsing over atelier_images (controller/images/).
#include "controller/cli/image_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>

#include "controller/cli/commands.h"
#include "controller/cli/shipped_paths.h"
#include "controller/images/builder.h"
#include "controller/images/image_definition.h"

namespace atelier::cli {
namespace {

namespace po = boost::program_options;

struct ImageArgs {
  std::string name;
  std::string state_dir = images::kDefaultStateDir;
  std::string images_dir;
  std::string output = "text";
  bool force = false;
};

// Parses the common options; returns an exit code when the command should stop (help, error).
std::optional<int> parse(const std::vector<std::string>& args, const char* usage, bool with_force,
                         ImageArgs& out) {
  po::options_description opts(usage);
  opts.add_options()("help,h", "show this help")(
      "state-dir", po::value(&out.state_dir)->default_value(out.state_dir),
      "state directory; images go to DIR/images/<name>-<hash>/")(
      "images-dir", po::value(&out.images_dir),
      "folder of image definitions (default: the shipped ones, share/atelier/images)")(
      "output,o", po::value(&out.output)->default_value("text"), "text or json");
  if (with_force)
    opts.add_options()("force", po::bool_switch(&out.force), "rebuild even if cached");
  po::options_description hidden;
  hidden.add_options()("name", po::value(&out.name));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier image: " << e.what() << "\n" << opts;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (out.name.empty()) {
    std::cerr << "atelier image: name the image, e.g. debian12\n" << opts;
    return kExitInvalid;
  }
  if (out.output != "text" && out.output != "json") {
    std::cerr << "atelier image: --output must be text or json\n";
    return kExitInvalid;
  }
  if (out.images_dir.empty()) out.images_dir = default_images_dir().string();
  return std::nullopt;
}

void print(const images::BuiltImage& img, const std::string& output) {
  if (output == "json") {
    boost::json::object o{{"name", img.name},
                          {"hash", img.hash},
                          {"dir", img.dir},
                          {"disk", img.disk_path},
                          {"kernel", img.kernel_path},
                          {"initrd", img.initrd_path},
                          {"cmdline", img.cmdline},
                          {"kernel_version", img.kernel_version},
                          {"disk_bytes", img.disk_bytes},
                          {"virtual_bytes", img.virtual_bytes},
                          {"build_seconds", img.build_seconds},
                          {"from_cache", img.from_cache}};
    std::cout << boost::json::serialize(o) << "\n";
    return;
  }
  std::cout << "image   " << img.name << " (" << img.hash.substr(0, 12) << ")"
            << (img.from_cache ? ", cached, found" : ", built") << " in " << std::fixed
            << std::setprecision(img.from_cache ? 3 : 1) << img.build_seconds << " s\n"
            << "disk    " << img.disk_path << " (" << (img.disk_bytes >> 20) << " MiB, virtual "
            << (img.virtual_bytes >> 20) << " MiB)\n"
            << "kernel  " << img.kernel_path << " (" << img.kernel_version << ")\n"
            << "initrd  " << img.initrd_path << "\n"
            << "cmdline " << img.cmdline << "\n";
}

int exit_for(const Error& e) {
  return e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kNotFound ? kExitInvalid
                                                                                     : kExitFailure;
}

}  // namespace

int image_build(const std::vector<std::string>& args) {
  ImageArgs a;
  if (auto stop = parse(args, "usage: atelier image build NAME [options]", true, a)) return *stop;
  auto def = images::load_image_definition(a.images_dir, a.name);
  if (!def) {
    std::cerr << "atelier image build: " << def.error().to_string() << "\n";
    return kExitInvalid;
  }
  images::BuildOptions opts;
  opts.state_dir = a.state_dir;
  opts.force = a.force;
  opts.progress = [](const std::string& step) {
    std::cerr << "atelier image build: " << step << "\n";
  };
  auto img = images::build_image(*def, opts);
  if (!img) {
    std::cerr << "atelier image build: " << img.error().to_string() << "\n";
    return exit_for(img.error());
  }
  print(*img, a.output);
  return kExitOk;
}

int image_show(const std::vector<std::string>& args) {
  ImageArgs a;
  if (auto stop = parse(args, "usage: atelier image show NAME [options]", false, a)) return *stop;
  auto def = images::load_image_definition(a.images_dir, a.name);
  if (!def) {
    std::cerr << "atelier image show: " << def.error().to_string() << "\n";
    return kExitInvalid;
  }
  auto img = images::find_built_image(*def, a.state_dir);
  if (!img) {
    std::cerr << "atelier image show: " << img.error().to_string() << "\n";
    return img.error().code() == ErrorCode::kNotFound ? kExitFailure : exit_for(img.error());
  }
  // Shown as built: build_seconds is the recorded build time here.
  img->from_cache = false;
  print(*img, a.output);
  return kExitOk;
}

}  // namespace atelier::cli
