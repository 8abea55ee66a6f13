// The `package` check: a Debian package installed (or not), optionally with a version prefix,
// as dpkg-query reports it.
#include "agent/checks/check.h"
#include "common/process/run_process.h"

namespace atelier::agent {

Evidence run_package(const checks::PackageCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  std::string want = c.installed ? "package " + c.name + " installed" : "package " + c.name + " not installed";
  if (c.installed && c.version) want += ", version " + *c.version + "*";
  auto r = process::run_process({{"dpkg-query", "-W", "-f=${Status}\t${Version}", c.name}, {}, "", "", ctx.timeout});
  if (!r) {
    ev.expect(want, "", false);
    return ev.error("dpkg-query: " + r.error().to_string());
  }
  // dpkg-query exits 1 for a package it has never heard of; a removed package that left its
  // configuration behind says "deinstall ok config-files".
  bool installed = r->exit_code == 0 && r->out.rfind("install ok installed", 0) == 0;
  std::string version;
  if (auto tab = r->out.find('\t'); tab != std::string::npos) version = r->out.substr(tab + 1);
  std::string seen;
  if (installed) {
    seen = "package " + c.name + " installed, version " + version;
  } else if (r->exit_code == 0) {
    seen = "package " + c.name + " not installed (dpkg status \"" + r->out.substr(0, r->out.find('\t')) + "\")";
  } else {
    seen = "package " + c.name + " not installed (unknown to dpkg)";
  }
  bool ok = installed == c.installed;
  if (ok && c.installed && c.version) ok = version.rfind(*c.version, 0) == 0;
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
