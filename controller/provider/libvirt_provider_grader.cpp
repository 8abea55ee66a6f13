// LibvirtProvider, grader endpoints (issue 20): a network namespace per candidate lab, beside
// its bridges on this machine, from which atelierd runs protocol checks the candidate cannot
// answer for. Built with iproute2 (`ip netns`, veth pairs), run through `ip netns exec` and
// util-linux's `setpriv` as nobody. Nothing here talks to libvirt but list() for the bridges.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "controller/provider/libvirt_provider.h"
#include "controller/provider/naming.h"

namespace atelier::provider {

namespace fs = std::filesystem;

namespace {

constexpr const char* kNetnsDir = "/run/netns";  // where `ip netns add` binds namespaces
constexpr const char* kNetnsEtc = "/etc/netns";  // files `ip netns exec` binds over /etc
constexpr auto kIpTimeout = std::chrono::seconds(30);

Status ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  auto r = process::run_checked({.argv = std::move(args), .timeout = kIpTimeout});
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

// Runs a shell line inside the namespace, as root (the endpoint's own settings).
Status in_netns(const std::string& netns, const std::string& shell) {
  return ip({"netns", "exec", netns, "sh", "-c", shell});
}

bool netns_exists(const std::string& netns) {
  std::error_code ec;
  return fs::exists(fs::path(kNetnsDir) / netns, ec);
}

// The bridge a link is a port of ("" for none), from sysfs.
std::string master_of(const std::string& link) {
  std::error_code ec;
  fs::path target = fs::read_symlink(fs::path("/sys/class/net") / link / "master", ec);
  return ec ? std::string() : target.filename().string();
}

struct Link {
  std::string host_end;  // atg..., a port of `bridge`
  std::string bridge;
  std::string address;  // "10.10.0.254/24", on nicN in the namespace
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// /etc/netns/NAME/{hosts,resolv.conf}: the lab's names; no resolver (a check that needs DNS
// names its server).
Status write_etc(const std::string& netns, const std::vector<std::string>& hosts) {
  const fs::path dir = fs::path(kNetnsEtc) / netns;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  std::string text = "127.0.0.1\tlocalhost\n";
  for (const auto& line : hosts) text += line + "\n";
  write_file(dir / "hosts", text);
  write_file(dir / "resolv.conf",
             "# atelier grader endpoint: checks name their DNS server\n"
             "options timeout:1 attempts:1\n");
  fs::permissions(dir / "hosts", fs::perms(0644), ec);
  fs::permissions(dir / "resolv.conf", fs::perms(0644), ec);
  return ok_status();
}

Status build(const std::string& netns, const std::vector<Link>& links,
             const std::vector<GraderRoute>& routes, const std::vector<std::string>& hosts) {
  ATELIER_RETURN_IF_ERROR(ip({"netns", "add", netns}));
  // No forwarding, no IPv6 (no link-local address a guest could reach the host through), and
  // ICMP echo sockets for nobody (the ping check without a raw socket).
  ATELIER_RETURN_IF_ERROR(in_netns(netns,
                                   "echo 0 > /proc/sys/net/ipv4/ip_forward && "
                                   "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && "
                                   "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && "
                                   "echo '65534 65534' > /proc/sys/net/ipv4/ping_group_range"));
  ATELIER_RETURN_IF_ERROR(ip({"-n", netns, "link", "set", "lo", "up"}));
  for (std::size_t i = 0; i < links.size(); ++i) {
    const Link& l = links[i];
    const std::string inside = "nic" + std::to_string(i);
    ATELIER_RETURN_IF_ERROR(
        ip({"link", "add", l.host_end, "type", "veth", "peer", "name", inside, "netns", netns}));
    write_file(fs::path("/proc/sys/net/ipv6/conf") / l.host_end / "disable_ipv6", "1\n");
    ATELIER_RETURN_IF_ERROR(ip({"link", "set", l.host_end, "master", l.bridge, "up"}));
    ATELIER_RETURN_IF_ERROR(ip({"-n", netns, "addr", "add", l.address, "dev", inside}));
    ATELIER_RETURN_IF_ERROR(ip({"-n", netns, "link", "set", inside, "up"}));
  }
  for (const auto& r : routes) {
    ATELIER_RETURN_IF_ERROR(ip({"-n", netns, "route", "add", r.destination, "via", r.via}));
  }
  return write_etc(netns, hosts);
}

// Kills what runs in it, deletes its links (each takes its host end along) and the namespace.
Status tear_down(const std::string& netns) {
  if (netns_exists(netns)) {
    (void)process::run_process(
        {.argv = {"sh", "-c", "ip netns pids \"$0\" | xargs -r kill -9", netns},
         .timeout = kIpTimeout});
    auto links = process::run_process(
        {.argv = {"ip", "-n", netns, "-o", "link", "show"}, .timeout = kIpTimeout});
    if (links.ok()) {
      std::istringstream lines(links->out);
      std::string line;
      while (std::getline(lines, line)) {
        // "2: nic0@if41: <...": the name up to '@' or ':'.
        auto start = line.find(": ");
        if (start == std::string::npos) continue;
        std::string name = line.substr(start + 2, line.find_first_of("@:", start + 2) - start - 2);
        if (name != "lo") (void)ip({"-n", netns, "link", "del", name});
      }
    }
    ATELIER_RETURN_IF_ERROR(ip({"netns", "del", netns}));
  }
  std::error_code ec;
  fs::remove_all(fs::path(kNetnsEtc) / netns, ec);
  return ok_status();
}

}  // namespace

Status LibvirtProvider::ensure_grader(const GraderSpec& spec) {
  const std::string what = describe("grader endpoint", spec.ref);
  if (Status valid = validate_ref(spec.ref); !valid.ok()) {
    return std::move(valid).error().context(what);
  }
  if (!local_host_) {
    return Error(ErrorCode::kFailedPrecondition,
                 "checks on the grader need the lab on atelierd's own machine (the endpoint is a "
                 "network namespace beside the lab's bridges); \"" +
                     opts_.uri + "\" is not")
        .context(what);
  }
  auto owned = list(spec.ref.session);
  if (!owned.ok()) return std::move(owned).error().context(what);
  std::map<std::string, const OwnedObject*> networks;
  for (const auto& o : *owned) {
    if (o.kind == ObjectKind::kNetwork && o.ref.candidate == spec.ref.candidate) {
      networks[o.ref.object] = &o;
    }
  }
  std::vector<Link> links;
  for (const auto& nic : spec.nics) {
    auto it = networks.find(nic.network);
    if (it == networks.end() || !it->second->active) {
      return Error(ErrorCode::kFailedPrecondition,
                   "network \"" + nic.network + "\" of this lab is not running")
          .context(what);
    }
    ObjectRef net_ref{spec.ref.session, spec.ref.candidate, nic.network};
    links.push_back({derive_grader_link(net_ref), it->second->detail, nic.address});
  }
  const std::string netns = libvirt_name(spec.ref);
  std::lock_guard lock(grader_mutex_);
  bool intact = netns_exists(netns);
  for (const auto& l : links) intact = intact && master_of(l.host_end) == l.bridge;
  // Missing, or a network was restarted under it (its veth left the new bridge): built anew.
  Status built = intact ? write_etc(netns, spec.hosts) : tear_down(netns);
  if (built.ok() && !intact) built = build(netns, links, spec.routes, spec.hosts);
  if (!built.ok()) {
    if (!intact) (void)tear_down(netns);
    return std::move(built).error().context(what);
  }
  return ok_status();
}

Result<process::ProcessResult> LibvirtProvider::run_in_grader(const ObjectRef& ref,
                                                              process::ProcessSpec spec) {
  const std::string netns = libvirt_name(ref);
  if (!netns_exists(netns)) {
    return Error(ErrorCode::kNotFound, "no grader endpoint " + netns + " on this machine");
  }
  std::vector<std::string> argv = {"ip",
                                   "netns",
                                   "exec",
                                   netns,
                                   "setpriv",
                                   "--reuid=65534",
                                   "--regid=65534",
                                   "--clear-groups",
                                   "--inh-caps=-all",
                                   "--no-new-privs",
                                   "--"};
  // No --bounding-set=-all: with it the kernel refuses to run a program with file capabilities
  // (ping's cap_net_raw). no_new_privs is what keeps such a program from gaining them: ping
  // then uses the ICMP echo socket the namespace allows nobody.
  argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
  spec.argv = std::move(argv);
  return process::run_process(spec);
}

Status LibvirtProvider::remove_grader(const ObjectRef& ref) {
  std::lock_guard lock(grader_mutex_);
  Status st = tear_down(libvirt_name(ref));
  if (!st.ok()) return std::move(st).error().context(describe("remove grader endpoint", ref));
  return st;
}

std::vector<OwnedObject> LibvirtProvider::list_graders(
    const std::vector<OwnedObject>& networks, const std::optional<std::string>& session) const {
  std::vector<OwnedObject> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kNetnsDir, ec)) {
    const std::string name = entry.path().filename().string();
    auto ref = parse_libvirt_name(name);
    if (!ref || ref->object != kGraderObject || (session && ref->session != *session)) continue;
    // Ours when a veth of it is a port of one of our networks' bridges; or, with none of its
    // veths on any bridge (its networks were restarted or removed), when its lab has a network
    // here. A lab moved to another host keeps the name: the bridges tell the two apart.
    bool here = false, mine = false, attached = false;
    for (const auto& o : networks) {
      if (o.kind != ObjectKind::kNetwork || o.ref.session != ref->session ||
          o.ref.candidate != ref->candidate) {
        continue;
      }
      here = true;
      const std::string master = master_of(derive_grader_link(o.ref));
      mine = mine || (!master.empty() && master == o.detail);
      attached = attached || !master.empty();
    }
    if (mine || (here && !attached)) out.push_back({ObjectKind::kGrader, *ref, name, true, name});
  }
  return out;
}

}  // namespace atelier::provider
