// The agent's side of the probe module (see probe_module.cpp): the http, smtp, imap, ldap and
// sql executors forward to atelier-agent-probes.so. The module is embedded in the agent
// (probe_blob.cpp); on the first such check it is copied to a memfd and loaded from there, so
// the agent is one file to install and an idle agent does not map the client libraries.
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

#include "agent/checks/check.h"

// The linker names these (the embedded module's bounds), not us.
extern "C" const char atelier_agent_probes_start[];  // NOLINT(readability-identifier-naming)
extern "C" const char atelier_agent_probes_end[];    // NOLINT(readability-identifier-naming)

namespace atelier::agent {
namespace {

struct Module {
  void* handle = nullptr;
  std::string error;
};

const Module& module() {
  static Module m;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* begin = atelier_agent_probes_start;
    std::size_t size =
        static_cast<std::size_t>(atelier_agent_probes_end - atelier_agent_probes_start);
    int fd = memfd_create("atelier-agent-probes.so", MFD_CLOEXEC);
    if (fd < 0) {
      m.error = std::string("memfd_create for the probe module: ") + std::strerror(errno);
      return;
    }
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::write(fd, begin + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        m.error = std::string("write the probe module to a memfd: ") + std::strerror(errno);
        ::close(fd);
        return;
      }
      done += static_cast<std::size_t>(n);
    }
    // The embedded copy is not needed in memory any more: let the kernel drop its pages.
    auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    auto misalign = reinterpret_cast<std::uintptr_t>(begin) % page;
    const char* first = begin + (misalign != 0 ? page - misalign : 0);
    const char* last = begin + size - reinterpret_cast<std::uintptr_t>(begin + size) % page;
    if (last > first) madvise(const_cast<char*>(first), last - first, MADV_DONTNEED);
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    m.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m.handle) m.error = std::string("load the probe module: ") + dlerror();
    ::close(fd);  // the mapping keeps the module alive
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

Evidence run_http(const checks::HttpCheck& c, const CheckContext& ctx) {
  return call("atelier_probe_http", c, ctx);
}
Evidence run_smtp(const checks::SmtpCheck& c, const CheckContext& ctx) {
  return call("atelier_probe_smtp", c, ctx);
}
Evidence run_imap(const checks::ImapCheck& c, const CheckContext& ctx) {
  return call("atelier_probe_imap", c, ctx);
}
Evidence run_ldap(const checks::LdapCheck& c, const CheckContext& ctx) {
  return call("atelier_probe_ldap", c, ctx);
}
Evidence run_sql(const checks::SqlCheck& c, const CheckContext& ctx) {
  return call("atelier_probe_sql", c, ctx);
}

}  // namespace atelier::agent
