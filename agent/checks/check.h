// What every check executor returns and the helpers they share to build evidence: a status,
// what was expected and what was observed, in words a trainer can read in the results grid.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/check_spec.h"
#include "common/protocol/messages.h"

namespace atelier::agent {

using protocol::CheckStatus;

struct Evidence {
  CheckStatus status = CheckStatus::kError;
  std::string expected;
  std::string observed;
};

// A regex search's outcome: an invalid pattern (text says why), no match, or a match (text).
struct RegexOutcome {
  bool valid = false;
  bool matched = false;
  std::string text;
};
// The regex engine (common/text/regex.h: RE2, linear time), handed to the executors by the
// agent executable: Debian's static libre2 is not position-independent, so it cannot be linked
// into the probe module (a shared object), which calls it through this pointer.
using RegexSearch = RegexOutcome (*)(std::string_view pattern, std::string_view text);

// What an executor may use besides its arguments: the check's deadline, the regex engine.
struct CheckContext {
  std::chrono::milliseconds timeout{10000};
  RegexSearch search_regex = nullptr;
};

// Collects one (expected, observed, ok) triple per property a check looks at, and renders
// them joined with "; ". The check passes when every property matched.
class EvidenceBuilder {
 public:
  void expect(std::string expected, std::string observed, bool ok) {
    expected_.push_back(std::move(expected));
    observed_.push_back(std::move(observed));
    ok_ = ok_ && ok;
  }
  Evidence finish() const {
    return {ok_ ? CheckStatus::kPass : CheckStatus::kFail, join(expected_), join(observed_)};
  }
  // The check could not look (a tool missing, permission denied): error, with what it saw.
  Evidence error(std::string observed) const {
    return {CheckStatus::kError, join(expected_), std::move(observed)};
  }
  bool all_ok() const { return ok_; }

 private:
  static std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
      if (!out.empty()) out += "; ";
      out += p;
    }
    return out;
  }
  std::vector<std::string> expected_;
  std::vector<std::string> observed_;
  bool ok_ = true;
};

inline Evidence error_evidence(std::string expected, std::string observed) {
  return {CheckStatus::kError, std::move(expected), std::move(observed)};
}

// Quotes a value for evidence text, cut to `max` bytes: "abc", "abcdef..." (1234 bytes).
std::string quote(std::string_view text, std::size_t max = 200);

// One executor per kind; each lives in its own file (agent/checks/<kind>_check.cpp) and is
// listed in the table in table.cpp.
Evidence run_file(const checks::FileCheck& c, const CheckContext& ctx);
Evidence run_package(const checks::PackageCheck& c, const CheckContext& ctx);
Evidence run_service(const checks::ServiceCheck& c, const CheckContext& ctx);
Evidence run_user(const checks::UserCheck& c, const CheckContext& ctx);
Evidence run_group(const checks::GroupCheck& c, const CheckContext& ctx);
Evidence run_process(const checks::ProcessCheck& c, const CheckContext& ctx);
Evidence run_port(const checks::PortCheck& c, const CheckContext& ctx);
Evidence run_route(const checks::RouteCheck& c, const CheckContext& ctx);
Evidence run_interface(const checks::InterfaceCheck& c, const CheckContext& ctx);
Evidence run_firewall(const checks::FirewallCheck& c, const CheckContext& ctx);
Evidence run_command(const checks::CommandCheck& c, const CheckContext& ctx);
Evidence run_sysctl(const checks::SysctlCheck& c, const CheckContext& ctx);
Evidence run_mount(const checks::MountCheck& c, const CheckContext& ctx);
Evidence run_disk_free(const checks::DiskFreeCheck& c, const CheckContext& ctx);
Evidence run_tcp(const checks::TcpCheck& c, const CheckContext& ctx);
Evidence run_dns(const checks::DnsCheck& c, const CheckContext& ctx);
Evidence run_http(const checks::HttpCheck& c, const CheckContext& ctx);
Evidence run_smtp(const checks::SmtpCheck& c, const CheckContext& ctx);
Evidence run_imap(const checks::ImapCheck& c, const CheckContext& ctx);
Evidence run_ldap(const checks::LdapCheck& c, const CheckContext& ctx);
Evidence run_sql(const checks::SqlCheck& c, const CheckContext& ctx);
Evidence run_ping(const checks::PingCheck& c, const CheckContext& ctx);
Evidence run_flow(const checks::FlowCheck& c, const CheckContext& ctx);

// Runs one check through the table, catching anything unexpected as an `error` result.
Evidence run_check(const checks::Check& check);

}  // namespace atelier::agent
