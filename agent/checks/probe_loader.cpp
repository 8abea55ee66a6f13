// The agent's side of the probe module (see probe_module.cpp): the http, smtp, imap, ldap and
// sql executors forward to atelier-agent-probes.so, loaded on first use from next to the
// executable, from ../lib/atelier/ relative to it (the installed layout), or from the build
// tree. When it cannot be found the check is an `error` that says where it was looked for.
#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "agent/checks/check.h"

namespace atelier::agent {
namespace {

constexpr const char* kModuleName = "atelier-agent-probes.so";

struct Module {
  void* handle = nullptr;
  std::string error;
};

const Module& module() {
  static Module m;
  static std::once_flag once;
  std::call_once(once, [] {
    std::vector<std::filesystem::path> candidates;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back(exe.parent_path() / kModuleName);
      candidates.push_back(exe.parent_path().parent_path() / "lib" / "atelier" / kModuleName);
    }
#ifdef ATELIER_AGENT_PROBES_BUILD_PATH
    candidates.emplace_back(ATELIER_AGENT_PROBES_BUILD_PATH);
#endif
    std::string tried;
    for (const auto& path : candidates) {
      if (!std::filesystem::exists(path, ec)) {
        tried += (tried.empty() ? "" : ", ") + path.string();
        continue;
      }
      m.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (m.handle) return;
      tried += (tried.empty() ? "" : ", ") + path.string() + " (" + dlerror() + ")";
    }
    m.error = std::string("the probe module ") + kModuleName + " is not installed (looked at: " + tried + ")";
  });
  return m;
}

template <typename Kind>
Evidence call(const char* symbol, const Kind& check, const CheckContext& ctx) {
  const Module& m = module();
  if (!m.handle) return error_evidence("", m.error);
  using Entry = void (*)(const void*, const void*, void*);
  auto entry = reinterpret_cast<Entry>(dlsym(m.handle, symbol));
  if (!entry) return error_evidence("", std::string("the probe module has no ") + symbol);
  Evidence out;
  entry(&check, &ctx, &out);
  return out;
}

}  // namespace

Evidence run_http(const checks::HttpCheck& c, const CheckContext& ctx) { return call("atelier_probe_http", c, ctx); }
Evidence run_smtp(const checks::SmtpCheck& c, const CheckContext& ctx) { return call("atelier_probe_smtp", c, ctx); }
Evidence run_imap(const checks::ImapCheck& c, const CheckContext& ctx) { return call("atelier_probe_imap", c, ctx); }
Evidence run_ldap(const checks::LdapCheck& c, const CheckContext& ctx) { return call("atelier_probe_ldap", c, ctx); }
Evidence run_sql(const checks::SqlCheck& c, const CheckContext& ctx) { return call("atelier_probe_sql", c, ctx); }

}  // namespace atelier::agent
