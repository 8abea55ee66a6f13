// Image definitions: every file under controller/images/definitions loads; errors name line and
// column; the cache key follows the content, not the formatting.
#include "controller/images/image_definition.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "controller/images/builder.h"

namespace atelier::images {
namespace {

constexpr const char* kMinimal = R"(image: tiny
suite: bookworm
mirror: http://deb.debian.org/debian
packages: [systemd-sysv, udev]
kernel: linux-image-amd64
initrd_modules: [virtio_blk, ext4]
size: 1GiB
cmdline: root=/dev/vda rw
)";

TEST(ImageDefinition, EveryFileInLabsImagesLoads) {
  int seen = 0;
  for (auto& e : std::filesystem::directory_iterator(std::string(ATELIER_SOURCE_DIR) +
                                                     "/controller/images/definitions")) {
    if (e.path().extension() != ".yaml") continue;
    auto def = load_image_definition(e.path().parent_path().string(), e.path().stem().string());
    ASSERT_TRUE(def.ok()) << def.error().to_string();
    EXPECT_FALSE(def->packages.empty());
    ++seen;
  }
  EXPECT_GE(seen, 1);
}

TEST(ImageDefinition, Debian12HasWhatGuestsNeed) {
  auto def = load_image_definition(
      std::string(ATELIER_SOURCE_DIR) + "/controller/images/definitions", "debian12");
  ASSERT_TRUE(def.ok()) << def.error().to_string();
  EXPECT_EQ(def->suite, "bookworm");
  EXPECT_EQ(def->kernel, "linux-image-amd64");
  for (const char* p : {"systemd-sysv", "udev", "openssh-server", "iproute2", "iputils-ping"}) {
    EXPECT_NE(std::find(def->packages.begin(), def->packages.end(), p), def->packages.end()) << p;
  }
  for (const char* m : {"virtio_pci", "virtio_blk", "ext4"}) {
    EXPECT_NE(std::find(def->initrd_modules.begin(), def->initrd_modules.end(), m),
              def->initrd_modules.end())
        << m;
  }
  EXPECT_EQ(def->size_bytes, 2ull << 30);
}

TEST(ImageDefinition, ParsesTheMinimalForm) {
  auto def = parse_image_definition(kMinimal, "tiny.yaml");
  ASSERT_TRUE(def.ok()) << def.error().to_string();
  EXPECT_EQ(def->name, "tiny");
  EXPECT_EQ(def->variant, "minbase");  // the default
  EXPECT_EQ(def->packages, (std::vector<std::string>{"systemd-sysv", "udev"}));
  EXPECT_EQ(def->size_bytes, 1ull << 30);
}

struct BadCase {
  const char* name;
  std::string yaml;
  const char* expected;  // substring of the error, with its position
};

TEST(ImageDefinition, RejectsBadInputWithPosition) {
  std::string base = kMinimal;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const BadCase cases[] = {
      {"unknown key", base + "packges: [x]\n", "tiny.yaml:9:1: unknown key 'packges'"},
      {"bad size", replace("size: 1GiB", "size: lots"), "tiny.yaml:7:7: size: expected a size"},
      {"small size", replace("size: 1GiB", "size: 1MiB"), "tiny.yaml:7:7: size: at least 256MiB"},
      {"bad name", replace("image: tiny", "image: Tiny!"), "tiny.yaml:1:8: image: expected a name"},
      {"bad package", replace("udev]", "'rm -rf'] "),
       "tiny.yaml:4:26: packages: 'rm -rf' is not a Debian package name"},
      {"duplicate", replace("udev]", "udev, udev]"), "packages: 'udev' twice"},
      {"bad mirror", replace("http://deb.debian.org/debian", "ftp://x"), "tiny.yaml:3:9: mirror:"},
      {"missing", "image: tiny\n", "missing key(s): suite mirror kernel size cmdline"},
      {"not a map", "- a\n", "expected a mapping"},
      {"bad yaml", "image: [\n", "not valid YAML"},
      {"list expected", replace("[systemd-sysv, udev]", "udev"),
       "tiny.yaml:4:11: packages: expected a list"},
      {"bad apt package", base + "apt_packages: [postgresql, 'a b']\n",
       "tiny.yaml:9:28: apt_packages: 'a b' is not a Debian package name"},
      {"bad unit", base + "disabled_units: [postgresql]\n",
       "tiny.yaml:9:18: disabled_units: 'postgresql' is not a systemd unit name"},
  };
  for (const auto& c : cases) {
    auto def = parse_image_definition(c.yaml, "tiny.yaml");
    ASSERT_FALSE(def.ok()) << c.name;
    EXPECT_EQ(def.error().code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(def.error().to_string().find(c.expected), std::string::npos)
        << c.name << ": " << def.error().to_string();
  }
}

TEST(ImageDefinition, FileNameMustMatchTheImageKey) {
  auto def = load_image_definition(
      std::string(ATELIER_SOURCE_DIR) + "/controller/images/definitions", "no-such-image");
  ASSERT_FALSE(def.ok());
  EXPECT_EQ(def.error().code(), ErrorCode::kNotFound);
  auto bad = load_image_definition("/tmp", "../etc/passwd");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST(ParseSize, Table) {
  const std::pair<const char*, std::uint64_t> ok[] = {
      {"1024", 1024},     {"1K", 1024},           {"2KiB", 2048},      {"512MiB", 512ull << 20},
      {"2G", 2ull << 30}, {" 3GiB ", 3ull << 30}, {"1TiB", 1ull << 40}};
  for (auto [text, bytes] : ok) {
    auto r = parse_size(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(*r, bytes) << text;
  }
  for (const char* text : {"", "G", "1.5G", "-1G", "2 GB", "1PiB", "99999999999999999999T"}) {
    EXPECT_FALSE(parse_size(text).ok()) << text;
  }
}

TEST(DefinitionHash, FollowsContentNotFormatting) {
  auto a = parse_image_definition(kMinimal, "a");
  std::string reformatted = std::string("# a comment\n") +
                            "cmdline: root=/dev/vda rw\nsize: 1024MiB\nimage: tiny\n"
                            "packages:\n  - systemd-sysv\n  - udev\nsuite: bookworm\n"
                            "mirror: http://deb.debian.org/debian\nkernel: linux-image-amd64\n"
                            "initrd_modules: [virtio_blk, ext4]\ndescription: words\n";
  auto b = parse_image_definition(reformatted, "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(definition_hash(*a), definition_hash(*b));
  EXPECT_EQ(definition_hash(*a).size(), 64u);

  auto c = *a;
  c.packages.push_back("less");
  EXPECT_NE(definition_hash(*a), definition_hash(c));
  // Boot configuration is not image content: no rebuild for a new kernel argument.
  auto d = *a;
  d.cmdline += " quiet";
  EXPECT_EQ(definition_hash(*a), definition_hash(d));
  auto f = *a;
  f.size_bytes *= 2;
  EXPECT_NE(definition_hash(*a), definition_hash(f));
  // Package order is part of the content (debootstrap --include order is not, but be strict).
  auto e = *a;
  std::swap(e.packages[0], e.packages[1]);
  EXPECT_NE(definition_hash(*a), definition_hash(e));
  // Role images: what apt installs and which units are disabled change the image.
  auto g = *a;
  g.apt_packages = {"postgresql"};
  EXPECT_NE(definition_hash(*a), definition_hash(g));
  auto h = g;
  h.disabled_units = {"postgresql.service"};
  EXPECT_NE(definition_hash(g), definition_hash(h));
}

TEST(ImageDefinition, RoleImageParsesAptPackagesAndDisabledUnits) {
  auto def = parse_image_definition(std::string(kMinimal) +
                                        "apt_packages: [postgresql, mariadb-server]\n"
                                        "disabled_units: [postgresql.service, mariadb.service]\n",
                                    "role.yaml");
  ASSERT_TRUE(def.ok()) << def.error().to_string();
  EXPECT_EQ(def->apt_packages, (std::vector<std::string>{"postgresql", "mariadb-server"}));
  EXPECT_EQ(def->disabled_units,
            (std::vector<std::string>{"postgresql.service", "mariadb.service"}));
  EXPECT_NE(canonical_text(*def).find("apt_packages=postgresql,mariadb-server\n"),
            std::string::npos);
  // Without them, the canonical text (and so every cached image's hash) is what it was.
  auto plain = parse_image_definition(kMinimal, "plain.yaml");
  EXPECT_EQ(canonical_text(*plain).find("apt_packages"), std::string::npos);
  EXPECT_EQ(canonical_text(*plain).find("disabled_units"), std::string::npos);
}

TEST(DefinitionHash, ImageDirNamesNameAndHashPrefix) {
  auto a = parse_image_definition(kMinimal, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(image_dir(*a, "/state"), "/state/images/tiny-" + definition_hash(*a).substr(0, 12));
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FindBuiltImage, NotFoundInAnEmptyStateDir) {
  auto a = parse_image_definition(kMinimal, "a");
  ASSERT_TRUE(a.ok());
  auto img = find_built_image(*a, "/tmp/atelier-no-such-state-dir");
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(img.error().to_string().find("atelier image build tiny"), std::string::npos);
}

}  // namespace
}  // namespace atelier::images
