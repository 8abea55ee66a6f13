// The table of check kinds: one executor per alternative of checks::CheckKind, in its order.
// Adding a kind to common/check_spec.h fails to compile here until its executor is listed.
#include <exception>
#include <tuple>
#include <variant>

#include "agent/checks/check.h"
#include "common/text/regex.h"

namespace atelier::agent {
namespace {

template <typename Kind>
using Executor = Evidence (*)(const Kind&, const CheckContext&);

// The order is checks::CheckKind's; each entry's parameter type must match its slot.
const auto kExecutors = std::make_tuple(
    Executor<checks::FileCheck>(&run_file), Executor<checks::PackageCheck>(&run_package),
    Executor<checks::ServiceCheck>(&run_service), Executor<checks::UserCheck>(&run_user),
    Executor<checks::GroupCheck>(&run_group), Executor<checks::ProcessCheck>(&run_process),
    Executor<checks::PortCheck>(&run_port), Executor<checks::RouteCheck>(&run_route),
    Executor<checks::InterfaceCheck>(&run_interface),
    Executor<checks::FirewallCheck>(&run_firewall), Executor<checks::CommandCheck>(&run_command),
    Executor<checks::SysctlCheck>(&run_sysctl), Executor<checks::MountCheck>(&run_mount),
    Executor<checks::DiskFreeCheck>(&run_disk_free), Executor<checks::TcpCheck>(&run_tcp),
    Executor<checks::DnsCheck>(&run_dns), Executor<checks::HttpCheck>(&run_http),
    Executor<checks::SmtpCheck>(&run_smtp), Executor<checks::ImapCheck>(&run_imap),
    Executor<checks::LdapCheck>(&run_ldap), Executor<checks::SqlCheck>(&run_sql),
    Executor<checks::PingCheck>(&run_ping), Executor<checks::FlowCheck>(&run_flow));
static_assert(std::tuple_size_v<std::decay_t<decltype(kExecutors)>> ==
              std::variant_size_v<checks::CheckKind>);

}  // namespace

namespace {

RegexOutcome search_regex(std::string_view pattern, std::string_view text) {
  auto re = text::Regex::compile(pattern);
  if (!re) return {false, false, re.error().message()};
  auto m = re->search(text);
  return {true, m.has_value(), m ? std::string(*m) : std::string()};
}

}  // namespace

Evidence run_check(const checks::Check& check) {
  CheckContext ctx{check.timeout, &search_regex};
  try {
    return std::visit(
        [&](const auto& kind) -> Evidence {
          using K = std::decay_t<decltype(kind)>;
          return std::get<Executor<K>>(kExecutors)(kind, ctx);
        },
        check.kind);
  } catch (const std::exception& e) {
    return error_evidence("", std::string("the check failed unexpectedly: ") + e.what());
  }
}

}  // namespace atelier::agent
