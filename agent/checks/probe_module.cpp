// The entry points of atelier-agent-probes.so, the module that holds the probes needing large
// client libraries (libcurl, libldap, libpq, libmariadb). The agent loads it on the first such
// check, so that an idle agent does not carry those libraries (and their TLS and Kerberos
// dependencies) in memory. Each entry: (const Check*, const CheckContext*, Evidence* out).
#include <exception>
#include <string>

#include "agent/checks/check.h"

#define ATELIER_PROBE_EXPORT extern "C" __attribute__((visibility("default")))

namespace agent = atelier::agent;
namespace checks = atelier::checks;

ATELIER_PROBE_EXPORT int atelier_probe_abi_version() {
  return 1;
}

// Nothing may be thrown out of an entry: the agent executable links its own static libstdc++
// and unwinder (agent/CMakeLists.txt), this module the shared ones.
#define ATELIER_PROBE_ENTRY(kind, Type)                                                           \
  ATELIER_PROBE_EXPORT void atelier_probe_##kind(const void* check, const void* ctx, void* out) { \
    auto& evidence = *static_cast<agent::Evidence*>(out);                                         \
    try {                                                                                         \
      evidence = agent::run_##kind(*static_cast<const checks::Type*>(check),                      \
                                   *static_cast<const agent::CheckContext*>(ctx));                \
    } catch (const std::exception& e) {                                                           \
      evidence = {agent::CheckStatus::kError, "", std::string("the probe failed: ") + e.what()};  \
    } catch (...) {                                                                               \
      evidence = {agent::CheckStatus::kError, "", "the probe failed"};                            \
    }                                                                                             \
  }

ATELIER_PROBE_ENTRY(http, HttpCheck)
ATELIER_PROBE_ENTRY(smtp, SmtpCheck)
ATELIER_PROBE_ENTRY(imap, ImapCheck)
ATELIER_PROBE_ENTRY(ldap, LdapCheck)
ATELIER_PROBE_ENTRY(sql, SqlCheck)
