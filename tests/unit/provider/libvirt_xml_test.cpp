// Table tests of libvirt XML rendering (queried back with XPath) and parsing of libvirt's XML.
#include "controller/provider/libvirt_xml.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "controller/provider/naming.h"

namespace atelier::provider {
namespace {

pugi::xml_document load(const std::string& xml) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str())) << xml;
  return doc;
}

std::string at(const pugi::xml_document& doc, const char* xpath) {
  pugi::xpath_node node = doc.select_node(xpath);
  if (!node) {
    return "<absent>";
  }
  return node.attribute() ? node.attribute().value() : node.node().text().get();
}

size_t count(const pugi::xml_document& doc, const char* xpath) {
  return doc.select_nodes(xpath).size();
}

// --- networks ---------------------------------------------------------------------------

struct NetworkCase {
  const char* label;
  NetworkSpec spec;
  const char* secured;
  const char* cidr;
};

TEST(NetworkXml, IsolatedWithBridgeAndOwner) {
  const NetworkCase cases[] = {
      {"plain", {{"s1", "c03", "lan"}, false, std::nullopt}, "false", "<absent>"},
      {"secured with cidr", {{"s1", "c03", "dmz"}, true, "10.20.0.0/24"}, "true", "10.20.0.0/24"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    std::string xml = render_network_xml(c.spec, "atl0123456789ab");
    auto doc = load(xml);
    EXPECT_EQ(at(doc, "/network/name"), libvirt_name(c.spec.ref));
    EXPECT_EQ(at(doc, "/network/bridge/@name"), "atl0123456789ab");
    EXPECT_EQ(at(doc, "/network/bridge/@stp"), "off");
    // Isolation: no forwarding, no address on the host's bridge, hence no DHCP or DNS.
    EXPECT_EQ(count(doc, "/network/forward"), 0u);
    EXPECT_EQ(count(doc, "/network/ip"), 0u);
    EXPECT_EQ(count(doc, "/network/dns"), 0u);
    EXPECT_EQ(count(doc, "/network/uuid"), 0u);
    // XPath hides xmlns attributes; read it from the DOM.
    EXPECT_EQ(std::string(doc.child("network")
                              .child("metadata")
                              .child("atelier:owner")
                              .attribute("xmlns:atelier")
                              .value()),
              std::string(kMetadataNamespace));
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@kind"), "network");
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@session"), "s1");
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@candidate"), "c03");
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@object"), c.spec.ref.object);
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@bridge"), "atl0123456789ab");
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@secured"), c.secured);
    EXPECT_EQ(at(doc, "/network/metadata/atelier:owner/@cidr"), c.cidr);

    auto parsed = parse_network_xml(xml);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->bridge, "atl0123456789ab");
    ASSERT_TRUE(parsed->owner.has_value());
    EXPECT_EQ(parsed->owner->kind, ObjectKind::kNetwork);
    EXPECT_EQ(parsed->owner->ref, c.spec.ref);
    EXPECT_EQ(parsed->owner->secured, c.spec.secured);
  }
}

TEST(NetworkXml, KeepsAGivenUuid) {
  auto doc = load(render_network_xml({{"s1", "c1", "lan"}}, "atl000000000000",
                                     "6f1c8e3e-9a44-4b8e-9d43-1d2c3b4a5f60"));
  EXPECT_EQ(at(doc, "/network/uuid"), "6f1c8e3e-9a44-4b8e-9d43-1d2c3b4a5f60");
}

// --- domains ----------------------------------------------------------------------------

DomainSpec base_spec() {
  DomainSpec spec;
  spec.ref = {"s1", "c03", "mail"};
  spec.memory_bytes = 256ull << 20;
  spec.vcpus = 2;
  spec.base_path = "/var/lib/atelier/images/debian12.qcow2";
  spec.overlay_path = "/var/lib/atelier/overlays/atelier-s1-c03-mail.qcow2";
  spec.nics = {{"lan", std::nullopt}, {"dmz", std::nullopt}};
  spec.agent_socket_path = "/run/atelier/s1-c03-mail.sock";
  return spec;
}

const std::vector<MacAddress> kMacs = {derive_mac({"s1", "c03", "mail"}, 0, 0),
                                       derive_mac({"s1", "c03", "mail"}, 1, 0)};

TEST(DomainXml, CommonShape) {
  auto doc = load(render_domain_xml(base_spec(), DomainType::kQemu, kMacs));
  EXPECT_EQ(at(doc, "/domain/@type"), "qemu");
  EXPECT_EQ(at(doc, "/domain/name"), "atelier-s1-c03-mail");
  EXPECT_EQ(at(doc, "/domain/memory"), "262144");
  EXPECT_EQ(at(doc, "/domain/memory/@unit"), "KiB");
  EXPECT_EQ(at(doc, "/domain/vcpu"), "2");
  EXPECT_EQ(at(doc, "/domain/metadata/atelier:owner/@kind"), "domain");
  EXPECT_EQ(at(doc, "/domain/metadata/atelier:owner/@object"), "mail");
  EXPECT_EQ(count(doc, "/domain/features/acpi"), 1u);
  EXPECT_EQ(at(doc, "/domain/devices/disk[target/@dev='vda']/source/@file"),
            base_spec().overlay_path);
  EXPECT_EQ(at(doc, "/domain/devices/disk[target/@dev='vda']/driver/@type"), "qcow2");
  EXPECT_EQ(count(doc, "/domain/devices/disk[target/@dev='vda']/readonly"), 0u);
  EXPECT_EQ(count(doc, "/domain/devices/disk"), 1u);
  EXPECT_EQ(count(doc, "/domain/devices/interface"), 2u);
  EXPECT_EQ(at(doc, "/domain/devices/interface[1]/source/@network"), "atelier-s1-c03-lan");
  EXPECT_EQ(at(doc, "/domain/devices/interface[2]/source/@network"), "atelier-s1-c03-dmz");
  EXPECT_EQ(at(doc, "/domain/devices/interface[1]/mac/@address"), kMacs[0].to_string());
  EXPECT_EQ(at(doc, "/domain/devices/interface[2]/mac/@address"), kMacs[1].to_string());
  EXPECT_EQ(at(doc, "/domain/devices/interface[1]/model/@type"), "virtio");
  EXPECT_EQ(at(doc, "/domain/devices/channel/@type"), "unix");
  EXPECT_EQ(at(doc, "/domain/devices/channel/source/@mode"), "bind");
  EXPECT_EQ(at(doc, "/domain/devices/channel/source/@path"), "/run/atelier/s1-c03-mail.sock");
  EXPECT_EQ(at(doc, "/domain/devices/channel/target/@name"), "org.atelier.agent.0");
  EXPECT_EQ(at(doc, "/domain/on_poweroff"), "destroy");
  EXPECT_EQ(at(doc, "/domain/devices/controller[@type='usb']/@model"), "none");
  EXPECT_EQ(count(doc, "/domain/devices/graphics"), 0u);  // no screen unless asked
  EXPECT_EQ(count(doc, "/domain/devices/video"), 0u);
}

struct DomainCase {
  const char* label;
  void (*edit)(DomainSpec&);
  DomainType type;
  std::vector<std::pair<const char*, const char*>> expect;  // xpath -> value ("<absent>")
};

TEST(DomainXml, Variants) {
  const DomainCase cases[] = {
      {"tcg caps the translation cache",
       [](DomainSpec&) {},
       DomainType::kQemu,
       {{"/domain/features/tcg/tb-cache", "128"},
        {"/domain/features/tcg/tb-cache/@unit", "MiB"},
        {"/domain/cpu/@mode", "<absent>"}}},
      {"kvm passes the host CPU and has no tcg",
       [](DomainSpec&) {},
       DomainType::kKvm,
       {{"/domain/@type", "kvm"},
        {"/domain/features/tcg", "<absent>"},
        {"/domain/cpu/@mode", "host-passthrough"}}},
      {"a display listens nowhere: libvirt hands out its descriptor",
       [](DomainSpec& s) { s.display = true; },
       DomainType::kQemu,
       {{"/domain/devices/graphics/@type", "vnc"},
        {"/domain/devices/graphics/listen/@type", "none"},
        {"/domain/devices/graphics/@port", "<absent>"},
        {"/domain/devices/graphics/@socket", "<absent>"},
        {"/domain/devices/video/model/@type", "vga"}}},
      {"disk boot",
       [](DomainSpec&) {},
       DomainType::kQemu,
       {{"/domain/os/boot/@dev", "hd"}, {"/domain/os/kernel", "<absent>"}}},
      {"direct kernel boot",
       [](DomainSpec& s) {
         s.kernel = KernelBoot{"/img/vmlinuz", "/img/initrd.img", "root=/dev/vda console=ttyS0"};
       },
       DomainType::kQemu,
       {{"/domain/os/kernel", "/img/vmlinuz"},
        {"/domain/os/initrd", "/img/initrd.img"},
        {"/domain/os/cmdline", "root=/dev/vda console=ttyS0"},
        {"/domain/os/boot", "<absent>"}}},
      {"kernel without initrd",
       [](DomainSpec& s) {
         s.kernel = KernelBoot{"/img/vmlinuz", "", "root=/dev/vda"};
       },
       DomainType::kQemu,
       {{"/domain/os/initrd", "<absent>"}}},
      {"markup in values is escaped, not interpreted",
       [](DomainSpec& s) {
         s.kernel = KernelBoot{"/img/vmlinuz", "", "a=\"<b>\" & c='d'"};
       },
       DomainType::kQemu,
       {{"/domain/os/cmdline", "a=\"<b>\" & c='d'"}}},
      {"read-only seed disk",
       [](DomainSpec& s) { s.seed_path = "/var/lib/atelier/seeds/mail.img"; },
       DomainType::kQemu,
       {{"/domain/devices/disk[target/@dev='vdb']/source/@file", "/var/lib/atelier/seeds/mail.img"},
        {"/domain/devices/disk[target/@dev='vdb']/driver/@type", "raw"},
        {"/domain/devices/disk[target/@dev='vdb']/readonly", ""}}},
      {"unsafe cache for tests",
       [](DomainSpec& s) { s.cache = DiskCache::kUnsafe; },
       DomainType::kQemu,
       {{"/domain/devices/disk[target/@dev='vda']/driver/@cache", "unsafe"}}},
      {"default cache",
       [](DomainSpec&) {},
       DomainType::kQemu,
       {{"/domain/devices/disk[target/@dev='vda']/driver/@cache", "<absent>"}}},
      {"console on a pty, logged to a file",
       [](DomainSpec& s) {
         s.console = {SerialConsole::Kind::kLogFile, "/var/log/atelier/mail.log"};
       },
       DomainType::kQemu,
       {{"/domain/devices/serial/@type", "pty"},
        {"/domain/devices/serial/log/@file", "/var/log/atelier/mail.log"},
        {"/domain/devices/serial/log/@append", "on"},
        {"/domain/devices/serial/source", "<absent>"},
        {"/domain/devices/console/target/@type", "serial"}}},
      {"console on a pty",
       [](DomainSpec& s) {
         s.console = {SerialConsole::Kind::kPty, ""};
       },
       DomainType::kQemu,
       {{"/domain/devices/serial/@type", "pty"}, {"/domain/devices/serial/source", "<absent>"}}},
      {"no console",
       [](DomainSpec& s) {
         s.console = {SerialConsole::Kind::kNone, ""};
       },
       DomainType::kQemu,
       {{"/domain/devices/serial", "<absent>"}, {"/domain/devices/console", "<absent>"}}},
      {"no agent channel",
       [](DomainSpec& s) { s.agent_socket_path.clear(); },
       DomainType::kQemu,
       {{"/domain/devices/channel", "<absent>"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    DomainSpec spec = base_spec();
    c.edit(spec);
    auto doc = load(render_domain_xml(spec, c.type, kMacs));
    for (const auto& [xpath, value] : c.expect) {
      EXPECT_EQ(at(doc, xpath), value) << xpath;
    }
  }
}

TEST(DomainXml, RoundTripsThroughTheParser) {
  std::string xml = render_domain_xml(base_spec(), DomainType::kQemu, kMacs,
                                      "0b6f6f9e-8a7d-4c47-9e0e-0d7a3c3b1a10");
  auto parsed = parse_domain_xml(xml);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->name, "atelier-s1-c03-mail");
  EXPECT_EQ(parsed->uuid, "0b6f6f9e-8a7d-4c47-9e0e-0d7a3c3b1a10");
  EXPECT_EQ(parsed->macs, kMacs);
  ASSERT_TRUE(parsed->owner.has_value());
  EXPECT_EQ(parsed->owner->kind, ObjectKind::kDomain);
  EXPECT_EQ(parsed->owner->ref, (ObjectRef{"s1", "c03", "mail"}));
}

// --- parsing what libvirt reports ---------------------------------------------------------

struct OwnerCase {
  const char* label;
  const char* xml;
  bool owned;
};

TEST(Parsing, OwnerMetadataMustBeCompleteAndInOurNamespace) {
  const OwnerCase cases[] = {
      {"as libvirt re-serialises it",
       R"(<domain type='qemu'><name>atelier-s1-c1-web</name><uuid>u</uuid><metadata>
            <atelier:owner xmlns:atelier="https://atelier.example/xmlns/provider/1" kind="domain"
              session="s1" candidate="c1" object="web"/></metadata></domain>)",
       true},
      {"another prefix, same namespace",
       R"(<domain><name>x</name><metadata><a:owner xmlns:a="https://atelier.example/xmlns/provider/1"
            kind="domain" session="s1" candidate="c1" object="web"/></metadata></domain>)",
       true},
      {"another namespace",
       R"(<domain><name>x</name><metadata><atelier:owner xmlns:atelier="https://example.org/other"
            kind="domain" session="s1" candidate="c1" object="web"/></metadata></domain>)",
       false},
      {"missing candidate",
       R"(<domain><name>x</name><metadata><atelier:owner
            xmlns:atelier="https://atelier.example/xmlns/provider/1" kind="domain" session="s1"
            object="web"/></metadata></domain>)",
       false},
      {"kind of a network on a domain",
       R"(<domain><name>x</name><metadata><atelier:owner
            xmlns:atelier="https://atelier.example/xmlns/provider/1" kind="network" session="s1"
            candidate="c1" object="web"/></metadata></domain>)",
       false},
      {"no metadata", R"(<domain type='kvm'><name>other-vm</name></domain>)", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto parsed = parse_domain_xml(c.xml);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->owner.has_value(), c.owned);
  }
}

TEST(Parsing, RejectsWhatIsNotTheExpectedXml) {
  EXPECT_EQ(parse_domain_xml("<domain><name>").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_domain_xml("<network/>").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_network_xml("").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_volume_xml("<pool/>").error().code(), ErrorCode::kInvalidArgument);
}

TEST(Parsing, DomainMacsSkipInterfacesWithoutOne) {
  auto parsed = parse_domain_xml(R"(<domain><name>x</name><devices>
      <interface type='network'><mac address='52:54:00:aa:bb:cc'/></interface>
      <interface type='network'/>
      <interface type='bridge'><mac address='5A:7E:00:00:00:01'/></interface>
    </devices></domain>)");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->macs.size(), 2u);
  EXPECT_EQ(parsed->macs[0].to_string(), "52:54:00:aa:bb:cc");
  EXPECT_EQ(parsed->macs[1].to_string(), "5a:7e:00:00:00:01");
}

TEST(VolumeXml, OverlayHasItsBackingStoreAndFormat) {
  for (DiskFormat format : {DiskFormat::kQcow2, DiskFormat::kRaw}) {
    auto doc = load(render_overlay_volume_xml("atelier-s1-c1-web.qcow2", "/img/base.img", format));
    EXPECT_EQ(at(doc, "/volume/name"), "atelier-s1-c1-web.qcow2");
    EXPECT_EQ(at(doc, "/volume/capacity"), "0");
    EXPECT_EQ(at(doc, "/volume/target/format/@type"), "qcow2");
    EXPECT_EQ(at(doc, "/volume/backingStore/path"), "/img/base.img");
    EXPECT_EQ(at(doc, "/volume/backingStore/format/@type"), std::string(to_string(format)));
  }
  auto parsed = parse_volume_xml(R"(<volume type='file'><name>b.qcow2</name>
      <target><path>/img/b.qcow2</path><format type='qcow2'/></target></volume>)");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->path, "/img/b.qcow2");
  EXPECT_EQ(parsed->format, "qcow2");
}

TEST(PoolXml, DirectoryPool) {
  std::string xml = render_dir_pool_xml("atelier-overlays", "/var/lib/atelier/overlays");
  auto doc = load(xml);
  EXPECT_EQ(at(doc, "/pool/@type"), "dir");
  EXPECT_EQ(at(doc, "/pool/name"), "atelier-overlays");
  auto path = parse_pool_path(xml);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, "/var/lib/atelier/overlays");
}

// --- domain type ---------------------------------------------------------------------------

constexpr const char* kCapsKvm = R"(<capabilities><host/>
  <guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/><domain type='kvm'/></arch></guest>
</capabilities>)";
constexpr const char* kCapsTcg = R"(<capabilities><host/>
  <guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/></arch></guest>
  <guest><os_type>hvm</os_type><arch name='i686'><domain type='kvm'/></arch></guest>
</capabilities>)";
constexpr const char* kCapsTestDriver = R"(<capabilities><host/>
  <guest><os_type>hvm</os_type><arch name='i686'><domain type='test'/></arch></guest>
</capabilities>)";

struct TypeCase {
  const char* caps;
  bool kvm_usable;
  DomainType expected;
};

TEST(DomainType, KvmOnlyWhenOfferedAndUsable) {
  const TypeCase cases[] = {
      {kCapsKvm, true, DomainType::kKvm},
      {kCapsKvm, false, DomainType::kQemu},  // listed, but /dev/kvm does not open
      {kCapsTcg, true, DomainType::kQemu},   // kvm only for another arch
      {kCapsTestDriver, true, DomainType::kQemu},
  };
  for (const auto& c : cases) {
    auto type = choose_domain_type(c.caps, c.kvm_usable);
    ASSERT_TRUE(type.ok());
    EXPECT_EQ(*type, c.expected) << c.caps << " usable=" << c.kvm_usable;
  }
  EXPECT_FALSE(choose_domain_type("not xml <", true).ok());
}

}  // namespace
}  // namespace atelier::provider
