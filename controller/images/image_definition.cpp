// Image definitions: YAML -> ImageDefinition with file:line:col errors, canonical form, hash.
#include "controller/images/image_definition.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "controller/images/guest_files.h"

namespace atelier::images {
namespace {

// Bumped whenever the builder's steps change in a way that changes the image.
constexpr const char* kBuilderVersion = "atelier-image-builder/1";

std::string where(std::string_view origin, const YAML::Node& node) {
  const auto& m = node.Mark();
  std::string out(origin);
  if (m.line >= 0) out += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  return out;
}

Error bad(std::string_view origin, const YAML::Node& node, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, where(origin, node) + ": " + what);
}

Result<std::string> scalar(std::string_view origin, const YAML::Node& node, const char* key) {
  if (!node.IsScalar()) return bad(origin, node, std::string(key) + ": expected a string");
  return node.as<std::string>();
}

Result<std::vector<std::string>> string_list(std::string_view origin, const YAML::Node& node,
                                             const char* key, const std::regex& item_re,
                                             const char* item_what) {
  if (!node.IsSequence()) return bad(origin, node, std::string(key) + ": expected a list");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& item : node) {
    if (!item.IsScalar()) return bad(origin, item, std::string(key) + ": expected " + item_what);
    auto v = item.as<std::string>();
    if (!std::regex_match(v, item_re))
      return bad(origin, item, std::string(key) + ": '" + v + "' is not " + item_what);
    if (!seen.insert(v).second) return bad(origin, item, std::string(key) + ": '" + v + "' twice");
    out.push_back(v);
  }
  return out;
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  static const std::regex kRe(R"(^\s*([0-9]+)\s*(|K|M|G|T|KiB|MiB|GiB|TiB)\s*$)");
  std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, kRe)) {
    return Error(ErrorCode::kInvalidArgument,
                 "expected a size such as 2GiB or 512MiB, got '" + s + "'");
  }
  if (m[1].length() > 19)
    return Error(ErrorCode::kInvalidArgument, "size '" + s + "' is too large");
  std::uint64_t n = std::stoull(m[1].str());
  std::string unit = m[2].str();
  int shift = 0;
  if (!unit.empty()) {
    switch (unit[0]) {
      case 'K':
        shift = 10;
        break;
      case 'M':
        shift = 20;
        break;
      case 'G':
        shift = 30;
        break;
      case 'T':
        shift = 40;
        break;
    }
  }
  if (shift && n > (UINT64_MAX >> shift)) {
    return Error(ErrorCode::kInvalidArgument, "size '" + s + "' is too large");
  }
  return n << shift;
}

namespace {

const std::regex kPackageRe("^[a-z0-9][a-z0-9+.-]+$");

const std::set<std::string> kListKeys = {"packages", "apt_packages", "disabled_units",
                                         "initrd_modules", "prune_modules"};

// A list key (kListKeys) into def; an invalid value is an error at its line.
Status read_list_key(ImageDefinition& def, std::string_view origin, const std::string& key,
                     const YAML::Node& v) {
  static const std::regex kModuleRe("^[a-zA-Z0-9_-]+$");
  static const std::regex kUnitRe("^[a-zA-Z0-9@_.-]+\\.(service|socket|timer|target)$");
  static const std::regex kPathRe("^[a-z0-9_-]+(/[a-z0-9_-]+)*$");
  std::vector<std::string>* into = nullptr;
  Result<std::vector<std::string>> l = std::vector<std::string>{};
  if (key == "packages" || key == "apt_packages") {
    l = string_list(origin, v, key.c_str(), kPackageRe, "a Debian package name");
    into = key == "packages" ? &def.packages : &def.apt_packages;
  } else if (key == "disabled_units") {
    l = string_list(origin, v, "disabled_units", kUnitRe,
                    "a systemd unit name such as postgresql.service");
    into = &def.disabled_units;
  } else if (key == "initrd_modules") {
    l = string_list(origin, v, "initrd_modules", kModuleRe, "a kernel module name");
    into = &def.initrd_modules;
  } else {
    l = string_list(origin, v, "prune_modules", kPathRe,
                    "a folder below lib/modules/<version>/kernel, e.g. sound");
    into = &def.prune_modules;
  }
  if (!l) return std::move(l).error();
  *into = std::move(l).value();
  return ok_status();
}

// A scalar key into def; an invalid value is an error at its line, an unknown key kNotFound.
Status read_scalar_key(ImageDefinition& def, std::string_view origin, const std::string& key,
                       const YAML::Node& v) {
  static const std::regex kNameRe("^[a-z0-9][a-z0-9-]{0,39}$");
  static const std::regex kSuiteRe("^[a-z]+(-[a-z]+)?$");
  static const std::regex kMirrorRe("^https?://[^\\s]+$");
  static const std::set<std::string> kScalars = {"image",   "description", "suite", "mirror",
                                                 "variant", "kernel",      "size",  "cmdline"};
  if (!kScalars.count(key)) return Error(ErrorCode::kNotFound, key);
  auto s = scalar(origin, v, key.c_str());
  if (!s) return std::move(s).error();
  if (key == "image") {
    if (!std::regex_match(*s, kNameRe))
      return bad(origin, v, "image: expected a name of a-z, 0-9 and '-' (at most 40)");
    def.name = *s;
  } else if (key == "description") {
    def.description = *s;
  } else if (key == "suite") {
    if (!std::regex_match(*s, kSuiteRe)) return bad(origin, v, "suite: expected e.g. bookworm");
    def.suite = *s;
  } else if (key == "mirror") {
    if (!std::regex_match(*s, kMirrorRe))
      return bad(origin, v, "mirror: expected an http(s) URL such as http://deb.debian.org/debian");
    def.mirror = *s;
  } else if (key == "variant") {
    if (*s != "minbase" && *s != "buildd" && *s != "fakechroot" && *s != "-")
      return bad(origin, v, "variant: expected minbase, buildd or -");
    def.variant = *s;
  } else if (key == "kernel") {
    if (!std::regex_match(*s, kPackageRe)) return bad(origin, v, "kernel: expected a package name");
    def.kernel = *s;
  } else if (key == "size") {
    auto n = parse_size(*s);
    if (!n) return bad(origin, v, "size: " + n.error().message());
    if (*n < (256ull << 20)) return bad(origin, v, "size: at least 256MiB");
    def.size_bytes = *n;
  } else {
    def.cmdline = *s;
  }
  return ok_status();
}

}  // namespace

Result<ImageDefinition> parse_image_definition(std::string_view yaml_text,
                                               std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(origin) + ": expected a mapping with keys image, suite, mirror, ...");
  }
  ImageDefinition def;
  def.variant = "minbase";
  try {
    for (const auto& kv : root) {
      auto key = kv.first.as<std::string>();
      Status st = kListKeys.count(key) ? read_list_key(def, origin, key, kv.second)
                                       : read_scalar_key(def, origin, key, kv.second);
      if (st.ok()) continue;
      if (st.error().code() == ErrorCode::kNotFound) {
        return bad(origin, kv.first,
                   "unknown key '" + key +
                       "'; expected one of image, description, suite, mirror, variant, packages, "
                       "apt_packages, disabled_units, kernel, initrd_modules, prune_modules, "
                       "size, cmdline");
      }
      return std::move(st).error();
    }
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, std::string(origin) + ": " + e.what());
  }
  std::string missing;
  if (def.name.empty()) missing += " image";
  if (def.suite.empty()) missing += " suite";
  if (def.mirror.empty()) missing += " mirror";
  if (def.kernel.empty()) missing += " kernel";
  if (def.size_bytes == 0) missing += " size";
  if (def.cmdline.empty()) missing += " cmdline";
  if (!missing.empty()) {
    return Error(ErrorCode::kInvalidArgument, std::string(origin) + ": missing key(s):" + missing);
  }
  return def;
}

Result<ImageDefinition> load_image_definition(const std::string& images_dir,
                                              const std::string& name) {
  static const std::regex kNameRe("^[a-z0-9][a-z0-9-]{0,39}$");
  if (!std::regex_match(name, kNameRe)) {
    return Error(ErrorCode::kInvalidArgument,
                 "image name '" + name + "': expected a-z, 0-9 and '-' (e.g. debian12)");
  }
  std::string path = images_dir + "/" + name + ".yaml";
  std::ifstream in(path);
  if (!in) {
    return Error(ErrorCode::kNotFound,
                 "no image definition " + path +
                     " (a host's `image:` names a NAME.yaml of the images folder, --images-dir; "
                     "see docs/images.md)");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto def = parse_image_definition(buf.str(), path);
  if (!def) return std::move(def).error();
  if (def->name != name) {
    return Error(ErrorCode::kInvalidArgument,
                 path + ": image: is '" + def->name + "' but the file is named " + name + ".yaml");
  }
  return def;
}

std::string canonical_text(const ImageDefinition& def) {
  // One field a line; lists joined by ','. The description and the cmdline do not change the
  // image's content.
  std::string out;
  auto line = [&](const char* k, const std::string& v) { out += std::string(k) + "=" + v + "\n"; };
  auto list = [](const std::vector<std::string>& l) {
    std::string s;
    for (const auto& x : l) s += (s.empty() ? "" : ",") + x;
    return s;
  };
  line("image", def.name);
  line("suite", def.suite);
  line("mirror", def.mirror);
  line("variant", def.variant);
  line("packages", list(def.packages));
  // Only when present: images without them keep the hash (and the cache) they always had.
  if (!def.apt_packages.empty()) line("apt_packages", list(def.apt_packages));
  if (!def.disabled_units.empty()) line("disabled_units", list(def.disabled_units));
  line("kernel", def.kernel);
  line("initrd_modules", list(def.initrd_modules));
  line("prune_modules", list(def.prune_modules));
  line("size", std::to_string(def.size_bytes));
  // Not the cmdline: it is boot configuration, read from the definition at every lookup, so
  // changing it does not rebuild the image.
  return out;
}

std::string definition_hash(const ImageDefinition& def) {
  std::string all = canonical_text(def);
  all += std::string("builder=") + kBuilderVersion + "\n";
  for (const auto& f : baked_guest_files()) {
    all += "file " + f.path + " " + std::to_string(f.mode) + " " +
           std::to_string(f.content.size()) + "\n" + f.content;
  }
  for (const auto& u : baked_enabled_units()) all += "enable " + u + "\n";
  for (const auto& u : baked_masked_units()) all += "mask " + u + "\n";
  for (const auto& g : baked_masked_generators()) all += "mask-generator " + g + "\n";
  return sha256_hex(all);
}

}  // namespace atelier::images
