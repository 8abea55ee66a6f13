// Rendering and parsing of libvirt XML with pugixml; no string concatenation of markup.
#include "controller/provider/libvirt_xml.h"

#include <pugixml.hpp>

#include <sstream>

#include "controller/provider/naming.h"

namespace atelier::provider {
namespace {

const std::string kOwnerQName = std::string(kMetadataPrefix) + ":owner";
const std::string kXmlnsAttr = "xmlns:" + std::string(kMetadataPrefix);

std::string to_text(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

void add_text(pugi::xml_node parent, const char* name, std::string_view text) {
  parent.append_child(name).text().set(std::string(text).c_str());
}

void add_owner(pugi::xml_node parent, ObjectKind kind, const ObjectRef& ref) {
  pugi::xml_node metadata = parent.append_child("metadata");
  pugi::xml_node owner = metadata.append_child(kOwnerQName.c_str());
  owner.append_attribute(kXmlnsAttr.c_str()) = std::string(kMetadataNamespace).c_str();
  owner.append_attribute("kind") = std::string(to_string(kind)).c_str();
  owner.append_attribute("session") = ref.session.c_str();
  owner.append_attribute("candidate") = ref.candidate.c_str();
  owner.append_attribute("object") = ref.object.c_str();
}

pugi::xml_node owner_node(pugi::xml_node root) {
  // libvirt keeps the prefix it was given, but match by namespace URI and local name so that a
  // re-serialised element with another prefix is still recognised.
  for (pugi::xml_node child : root.child("metadata").children()) {
    std::string_view qname = child.name();
    auto colon = qname.find(':');
    std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
    if (local != "owner") {
      continue;
    }
    std::string prefix_attr = colon == std::string_view::npos
                                  ? std::string("xmlns")
                                  : "xmlns:" + std::string(qname.substr(0, colon));
    if (std::string_view(child.attribute(prefix_attr.c_str()).value()) == kMetadataNamespace) {
      return child;
    }
  }
  return {};
}

std::optional<OwnerMetadata> parse_owner(pugi::xml_node root) {
  pugi::xml_node node = owner_node(root);
  if (!node) {
    return std::nullopt;
  }
  OwnerMetadata owner;
  std::string_view kind = node.attribute("kind").value();
  if (kind == "network") {
    owner.kind = ObjectKind::kNetwork;
  } else if (kind == "domain") {
    owner.kind = ObjectKind::kDomain;
  } else {
    return std::nullopt;
  }
  owner.ref = {node.attribute("session").value(), node.attribute("candidate").value(),
               node.attribute("object").value()};
  if (!validate_ref(owner.ref).ok()) {
    return std::nullopt;
  }
  owner.bridge = node.attribute("bridge").value();
  owner.secured = std::string_view(node.attribute("secured").value()) == "true";
  owner.cidr = node.attribute("cidr").value();
  return owner;
}

Result<pugi::xml_node> load(pugi::xml_document& doc, std::string_view xml, const char* root) {
  pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("libvirt XML does not parse: ") + parsed.description());
  }
  pugi::xml_node node = doc.child(root);
  if (!node) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("libvirt XML has no <") + root + "> root element");
  }
  return node;
}

void add_disk(pugi::xml_node devices, std::string_view path, DiskFormat format, const char* dev,
              DiskCache cache, bool readonly) {
  pugi::xml_node disk = devices.append_child("disk");
  disk.append_attribute("type") = "file";
  disk.append_attribute("device") = "disk";
  pugi::xml_node driver = disk.append_child("driver");
  driver.append_attribute("name") = "qemu";
  driver.append_attribute("type") = std::string(to_string(format)).c_str();
  if (cache == DiskCache::kUnsafe) {
    driver.append_attribute("cache") = "unsafe";  // no flushes: tests only
  }
  disk.append_child("source").append_attribute("file") = std::string(path).c_str();
  pugi::xml_node target = disk.append_child("target");
  target.append_attribute("dev") = dev;
  target.append_attribute("bus") = "virtio";
  if (readonly) {
    disk.append_child("readonly");
  }
}

}  // namespace

std::string render_network_xml(const NetworkSpec& spec, std::string_view bridge,
                               std::string_view uuid) {
  pugi::xml_document doc;
  pugi::xml_node network = doc.append_child("network");
  add_text(network, "name", libvirt_name(spec.ref));
  if (!uuid.empty()) {
    add_text(network, "uuid", uuid);
  }
  add_owner(network, ObjectKind::kNetwork, spec.ref);
  pugi::xml_node owner = network.child("metadata").first_child();
  owner.append_attribute("bridge") = std::string(bridge).c_str();
  owner.append_attribute("secured") = spec.secured ? "true" : "false";
  if (spec.cidr) {
    owner.append_attribute("cidr") = spec.cidr->c_str();
  }
  pugi::xml_node br = network.append_child("bridge");
  br.append_attribute("name") = std::string(bridge).c_str();
  br.append_attribute("stp") = "off";
  br.append_attribute("delay") = "0";
  return to_text(doc);
}

namespace {

// <os>: direct kernel boot when the image gives a kernel, else the first disk.
void add_os(pugi::xml_node domain, const DomainSpec& spec) {
  pugi::xml_node os = domain.append_child("os");
  pugi::xml_node os_type = os.append_child("type");
  os_type.append_attribute("arch") = "x86_64";
  os_type.text().set("hvm");
  if (spec.kernel) {
    add_text(os, "kernel", spec.kernel->kernel_path);
    if (!spec.kernel->initrd_path.empty()) {
      add_text(os, "initrd", spec.kernel->initrd_path);
    }
    if (!spec.kernel->cmdline.empty()) {
      add_text(os, "cmdline", spec.kernel->cmdline);
    }
  } else {
    os.append_child("boot").append_attribute("dev") = "hd";
  }
}

// <features> (ACPI so that shutdown_domain's power-button request reaches the guest), and the
// CPU: TCG's translation cache capped, KVM's CPU passed through.
void add_features(pugi::xml_node domain, DomainType type) {
  pugi::xml_node features = domain.append_child("features");
  features.append_child("acpi");
  features.append_child("apic");
  if (type == DomainType::kQemu) {
    // Caps QEMU's translation cache: host RSS per TCG guest ~480 MiB instead of ~1 GiB.
    pugi::xml_node tb = features.append_child("tcg").append_child("tb-cache");
    tb.append_attribute("unit") = "MiB";
    tb.text().set(128);
  } else {
    domain.append_child("cpu").append_attribute("mode") = "host-passthrough";
  }
}

// The guest's serial console (also its <console>).
void add_serial_console(pugi::xml_node devices, const SerialConsole& console) {
  switch (console.kind) {
    case SerialConsole::Kind::kNone:
      break;
    case SerialConsole::Kind::kLogFile:
    case SerialConsole::Kind::kPty: {
      // Always a pty, so that libvirt can stream the console (virDomainOpenConsole: the
      // candidates' browser consoles); kLogFile adds libvirt's chardev log, which records
      // everything the guest prints whether or not anyone is attached.
      const bool log = console.kind == SerialConsole::Kind::kLogFile;
      for (const char* element : {"serial", "console"}) {
        pugi::xml_node dev = devices.append_child(element);
        dev.append_attribute("type") = "pty";
        if (log) {
          pugi::xml_node file = dev.append_child("log");
          file.append_attribute("file") = console.log_path.c_str();
          file.append_attribute("append") = "on";
        }
        pugi::xml_node target = dev.append_child("target");
        if (std::string_view(element) == "console") {
          target.append_attribute("type") = "serial";
        }
        target.append_attribute("port") = 0;
      }
      break;
    }
  }
}

// The agent's virtio-serial channel, a UNIX socket libvirt binds on the hypervisor.
void add_agent_channel(pugi::xml_node devices, const std::string& socket_path) {
  pugi::xml_node channel = devices.append_child("channel");
  channel.append_attribute("type") = "unix";
  pugi::xml_node source = channel.append_child("source");
  source.append_attribute("mode") = "bind";
  source.append_attribute("path") = socket_path.c_str();
  pugi::xml_node target = channel.append_child("target");
  target.append_attribute("type") = "virtio";
  target.append_attribute("name") = std::string(kAgentChannelName).c_str();
}

// A VGA card and a VNC display listening nowhere (no port, no socket file): a viewer reaches it
// only through libvirt (virDomainOpenGraphicsFD), as atelierd's display bridge does.
void add_display(pugi::xml_node devices) {
  pugi::xml_node graphics = devices.append_child("graphics");
  graphics.append_attribute("type") = "vnc";
  graphics.append_child("listen").append_attribute("type") = "none";
  pugi::xml_node model = devices.append_child("video").append_child("model");
  model.append_attribute("type") = "vga";
  model.append_attribute("vram") = "16384";
  model.append_attribute("heads") = "1";
}

}  // namespace

std::string render_domain_xml(const DomainSpec& spec, DomainType type,
                              const std::vector<MacAddress>& macs, std::string_view uuid) {
  assert(macs.size() == spec.nics.size());
  pugi::xml_document doc;
  pugi::xml_node domain = doc.append_child("domain");
  domain.append_attribute("type") = std::string(to_string(type)).c_str();
  add_text(domain, "name", libvirt_name(spec.ref));
  if (!uuid.empty()) {
    add_text(domain, "uuid", uuid);
  }
  add_owner(domain, ObjectKind::kDomain, spec.ref);

  pugi::xml_node memory = domain.append_child("memory");
  memory.append_attribute("unit") = "KiB";
  memory.text().set(static_cast<unsigned long long>(spec.memory_bytes / 1024));
  domain.append_child("vcpu").text().set(spec.vcpus);

  add_os(domain, spec);
  add_features(domain, type);
  domain.append_child("clock").append_attribute("offset") = "utc";
  add_text(domain, "on_poweroff", "destroy");
  add_text(domain, "on_reboot", "restart");
  add_text(domain, "on_crash", "destroy");

  pugi::xml_node devices = domain.append_child("devices");
  add_disk(devices, spec.overlay_path, DiskFormat::kQcow2, "vda", spec.cache, false);
  if (spec.seed_path) {
    add_disk(devices, *spec.seed_path, spec.seed_format, "vdb", spec.cache, true);
  }
  for (std::size_t i = 0; i < spec.nics.size(); ++i) {
    pugi::xml_node iface = devices.append_child("interface");
    iface.append_attribute("type") = "network";
    iface.append_child("mac").append_attribute("address") = macs[i].to_string().c_str();
    iface.append_child("source").append_attribute("network") =
        libvirt_name({spec.ref.session, spec.ref.candidate, spec.nics[i].network}).c_str();
    iface.append_child("model").append_attribute("type") = "virtio";
  }
  add_serial_console(devices, spec.console);
  if (!spec.agent_socket_path.empty()) add_agent_channel(devices, spec.agent_socket_path);
  if (spec.display) add_display(devices);
  // No USB: a screen's keyboard and mouse are PS/2, and the default controller costs every boot
  // its host-controller drivers under TCG.
  pugi::xml_node usb = devices.append_child("controller");
  usb.append_attribute("type") = "usb";
  usb.append_attribute("model") = "none";
  // Guests generate SSH host keys at first boot: give them the host's entropy.
  pugi::xml_node rng = devices.append_child("rng");
  rng.append_attribute("model") = "virtio";
  pugi::xml_node backend = rng.append_child("backend");
  backend.append_attribute("model") = "random";
  backend.text().set("/dev/urandom");
  devices.append_child("memballoon").append_attribute("model") = "none";
  return to_text(doc);
}

std::string render_overlay_volume_xml(std::string_view volume_name, std::string_view base_path,
                                      DiskFormat base_format) {
  pugi::xml_document doc;
  pugi::xml_node volume = doc.append_child("volume");
  add_text(volume, "name", volume_name);
  pugi::xml_node capacity = volume.append_child("capacity");
  capacity.append_attribute("unit") = "bytes";
  capacity.text().set(0);
  pugi::xml_node target = volume.append_child("target");
  target.append_child("format").append_attribute("type") = "qcow2";
  // 0644: libvirt-qemu must read the overlay before dynamic ownership takes it over.
  add_text(target.append_child("permissions"), "mode", "0644");
  pugi::xml_node backing = volume.append_child("backingStore");
  add_text(backing, "path", base_path);
  backing.append_child("format").append_attribute("type") =
      std::string(to_string(base_format)).c_str();
  return to_text(doc);
}

std::string render_dir_pool_xml(std::string_view name, std::string_view dir) {
  pugi::xml_document doc;
  pugi::xml_node pool = doc.append_child("pool");
  pool.append_attribute("type") = "dir";
  add_text(pool, "name", name);
  pugi::xml_node target = pool.append_child("target");
  add_text(target, "path", dir);
  add_text(target.append_child("permissions"), "mode", "0755");
  return to_text(doc);
}

Result<ParsedNetwork> parse_network_xml(std::string_view xml) {
  pugi::xml_document doc;
  auto root = load(doc, xml, "network");
  if (!root.ok()) {
    return std::move(root).error();
  }
  ParsedNetwork out;
  out.name = root->child("name").text().get();
  out.uuid = root->child("uuid").text().get();
  out.bridge = root->child("bridge").attribute("name").value();
  out.owner = parse_owner(*root);
  if (out.owner && out.owner->kind != ObjectKind::kNetwork) {
    out.owner.reset();
  }
  return out;
}

Result<ParsedDomain> parse_domain_xml(std::string_view xml) {
  pugi::xml_document doc;
  auto root = load(doc, xml, "domain");
  if (!root.ok()) {
    return std::move(root).error();
  }
  ParsedDomain out;
  out.name = root->child("name").text().get();
  out.uuid = root->child("uuid").text().get();
  for (pugi::xml_node iface : root->child("devices").children("interface")) {
    auto mac = MacAddress::parse(iface.child("mac").attribute("address").value());
    if (mac.ok()) {
      out.macs.push_back(*mac);
    }
  }
  out.owner = parse_owner(*root);
  if (out.owner && out.owner->kind != ObjectKind::kDomain) {
    out.owner.reset();
  }
  return out;
}

Result<ParsedVolume> parse_volume_xml(std::string_view xml) {
  pugi::xml_document doc;
  auto root = load(doc, xml, "volume");
  if (!root.ok()) {
    return std::move(root).error();
  }
  ParsedVolume out;
  out.name = root->child("name").text().get();
  out.path = root->child("target").child("path").text().get();
  out.format = root->child("target").child("format").attribute("type").value();
  return out;
}

Result<std::string> parse_pool_path(std::string_view xml) {
  pugi::xml_document doc;
  auto root = load(doc, xml, "pool");
  if (!root.ok()) {
    return std::move(root).error();
  }
  return std::string(root->child("target").child("path").text().get());
}

Result<DomainType> choose_domain_type(std::string_view capabilities_xml, bool kvm_device_usable) {
  pugi::xml_document doc;
  auto root = load(doc, capabilities_xml, "capabilities");
  if (!root.ok()) {
    return std::move(root).error();
  }
  for (pugi::xml_node guest : root->children("guest")) {
    if (std::string_view(guest.child("os_type").text().get()) != "hvm") {
      continue;
    }
    for (pugi::xml_node arch : guest.children("arch")) {
      if (std::string_view(arch.attribute("name").value()) != "x86_64") {
        continue;
      }
      for (pugi::xml_node dom : arch.children("domain")) {
        if (std::string_view(dom.attribute("type").value()) == "kvm" && kvm_device_usable) {
          return DomainType::kKvm;
        }
      }
    }
  }
  return DomainType::kQemu;
}

}  // namespace atelier::provider
