// Evidence about the agent itself: silence, restarts, answers out of protocol (agent_integrity.h).
#include "controller/provisioning/agent_integrity.h"

#include <ctime>

namespace atelier::provisioning {

namespace {

void add_evidence(std::string& integrity, const std::string& line) {
  if (line.empty()) return;
  if (!integrity.empty()) integrity += "; ";
  integrity += line;
}

std::string utc(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32] = {};
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

// "3f2a9c1e started 2026-12-06 08:01:02 UTC": the nonce's first 8 digits name it well enough
// for a reader; the whole instance is in the results' evidence only through this text.
std::string describe(const protocol::AgentInstance& instance) {
  std::string out = instance.nonce.substr(0, 8);
  if (instance.started_unix_ms > 0) out += " started " + utc(instance.started_unix_ms);
  return out;
}

// Error results, one per real check, for a host whose agent gave no results.
std::vector<protocol::CheckResult> error_results(const DecoyedBundle& sent,
                                                 const std::string& observed) {
  std::vector<protocol::CheckResult> out;
  for (std::size_t i = 0; i < sent.real_positions.size(); ++i) {
    const checks::Check& check = sent.bundle.checks[sent.real_positions[i]];
    protocol::CheckResult r;
    r.result_id = sent.bundle.bundle_id + "/" + std::to_string(sent.real_positions[i]);
    r.index = i;
    r.kind = checks::kind_name(check.kind);
    r.description = check.description;
    r.status = protocol::CheckStatus::kError;
    r.observed = observed;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string restart_evidence(const std::optional<protocol::AgentInstance>& known,
                             const std::optional<protocol::AgentInstance>& seen) {
  if (!known || (seen && *seen == *known)) return "";
  if (!seen) {
    return "agent restarted since the last run (instance " + describe(*known) +
           " -> an agent that reports no instance)";
  }
  std::string out = "agent restarted since the last run (instance " + describe(*known) + " -> " +
                    describe(*seen) + ")";
  if (seen->boot_id != known->boot_id) {
    out += "; the guest rebooted (boot id " + known->boot_id + " -> " + seen->boot_id + ")";
  }
  return out;
}

std::string silence_evidence(const Error& error, std::chrono::milliseconds waited) {
  const std::string after = " (waited " + std::to_string(waited.count()) + " ms)";
  switch (error.code()) {
    case ErrorCode::kTimeout:
      return "agent silent: " + error.message() + after;
    case ErrorCode::kUnavailable:
      return "agent gone: " + error.message() + after;
    default:
      return "agent out of protocol: " + error.to_string() + after;
  }
}

VerifiedResults verify_exchange(const DecoyedBundle& sent, const HostExchange& exchange) {
  VerifiedResults out;
  const Error* failure = nullptr;
  if (!exchange.hello.ok()) {
    failure = &exchange.hello.error();
  } else if (!exchange.reply.ok()) {
    failure = &exchange.reply.error();
  }
  if (failure != nullptr) {
    out.results = error_results(sent, failure->to_string());
    add_evidence(out.integrity, silence_evidence(*failure, exchange.waited));
  } else if (const auto* results = std::get_if<protocol::Results>(&*exchange.reply)) {
    out = verify_decoys(sent, *results);
  } else if (const auto* refused = std::get_if<protocol::ErrorReply>(&*exchange.reply)) {
    // Within the protocol: the agent could not run the bundle (an older agent, a bad check).
    out.results = error_results(sent, "agent: " + refused->code + ": " + refused->message);
  } else {
    const std::string type = protocol::type_name(*exchange.reply);
    out.results = error_results(sent, "the agent answered the bundle with " + type);
    add_evidence(out.integrity,
                 "out of protocol: the agent answered run_checks with a \"" + type + "\" message");
  }
  if (exchange.malformed_frames > 0) {
    add_evidence(out.integrity, "out of protocol: " + std::to_string(exchange.malformed_frames) +
                                    " malformed frame(s) from the agent during the run (last: " +
                                    exchange.last_malformed + ")");
  }
  if (exchange.hello.ok()) {
    add_evidence(out.integrity, restart_evidence(exchange.known, exchange.hello->instance));
  }
  return out;
}

}  // namespace atelier::provisioning
