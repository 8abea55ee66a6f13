// Evidence about the agent itself (agent_integrity.h): restart_evidence, silence_evidence and
// verify_exchange on recorded exchanges (an honest one, a restarted agent, a reboot, silence,
// a reply of another type, malformed frames, an agent refusing the bundle), row by row.
#include "controller/provisioning/agent_integrity.h"

#include <gtest/gtest.h>

#include <random>

namespace atelier::provisioning {
namespace {
using namespace std::chrono_literals;
using protocol::AgentInstance;

const AgentInstance kFirst{"3f2a9c1e00112233445566778899aabb", 1796544062000, "boot-a"};
const AgentInstance kRestarted{"77b0d4aa00112233445566778899aabb", 1796544900000, "boot-a"};
const AgentInstance kRebooted{"c0ffee0100112233445566778899aabb", 1796545000000, "boot-b"};

TEST(RestartEvidence, Table) {
  struct Row {
    const char* name;
    std::optional<AgentInstance> known, seen;
    std::vector<std::string> wanted;  // substrings; none: no evidence
  };
  const Row rows[] = {
      {"first sight", std::nullopt, kFirst, {}},
      {"nothing known, nothing said", std::nullopt, std::nullopt, {}},
      {"same instance", kFirst, kFirst, {}},
      {"restarted",
       kFirst,
       kRestarted,
       {"agent restarted since the last run (instance 3f2a9c1e started 2026-12-06 ",
        " -> 77b0d4aa started 2026-12-06 "}},
      {"rebooted",
       kFirst,
       kRebooted,
       {"-> c0ffee01", "the guest rebooted (boot id boot-a -> boot-b)"}},
      {"stopped reporting", kFirst, std::nullopt, {"-> an agent that reports no instance"}},
  };
  for (const auto& row : rows) {
    const std::string got = restart_evidence(row.known, row.seen);
    if (row.wanted.empty()) {
      EXPECT_EQ(got, "") << row.name;
    }
    for (const auto& w : row.wanted)
      EXPECT_NE(got.find(w), std::string::npos) << row.name << ": " << got;
    if (std::string(row.name) == "restarted") {
      EXPECT_EQ(got.find("rebooted"), std::string::npos);
    }
  }
}

TEST(SilenceEvidence, Table) {
  struct Row {
    Error error;
    const char* wanted;
  };
  const Row rows[] = {
      {Error(ErrorCode::kTimeout, "no reply to run_checks within 1500 ms"),
       "agent silent: no reply to run_checks within 1500 ms (waited 1503 ms)"},
      {Error(ErrorCode::kUnavailable, "the agent channel is closed"),
       "agent gone: the agent channel is closed (waited 1503 ms)"},
      {Error(ErrorCode::kInvalidArgument, "the agent answered hello_request with a \"ok\" message"),
       "agent out of protocol: "},
  };
  for (const auto& row : rows) {
    const std::string got = silence_evidence(row.error, 1503ms);
    EXPECT_EQ(got.rfind(row.wanted, 0), 0u) << got;
  }
}

// A bundle of 2 real checks and its decoys, from a seeded source.
DecoyedBundle sent_bundle() {
  protocol::RunChecks b;
  b.bundle_id = "run-1-c03/web";
  for (int i = 0; i < 2; ++i) {
    b.checks.push_back(checks::Check{"web", "service " + std::to_string(i), 5000ms,
                                     checks::ServiceCheck{"svc" + std::to_string(i)}});
  }
  auto engine = std::make_shared<std::mt19937_64>(7);
  return add_decoys(std::move(b), [engine] { return (*engine)(); });
}

// The answer an honest agent gives: decoys their true outcome, real checks pass.
protocol::Results honest(const DecoyedBundle& sent) {
  protocol::Results r;
  r.bundle_id = sent.bundle.bundle_id;
  for (std::size_t i = 0; i < sent.bundle.checks.size(); ++i) {
    protocol::CheckResult c;
    c.result_id = sent.bundle.bundle_id + "/" + std::to_string(i);
    c.index = i;
    c.kind = checks::kind_name(sent.bundle.checks[i].kind);
    c.description = sent.bundle.checks[i].description;
    c.status = protocol::CheckStatus::kPass;
    for (const auto& d : sent.decoys) {
      if (d.position == i && !d.expect_pass) c.status = protocol::CheckStatus::kFail;
    }
    r.results.push_back(c);
  }
  return r;
}

protocol::Hello hello_of(std::optional<AgentInstance> instance) {
  protocol::Hello h;
  h.agent_version = "test";
  h.instance = std::move(instance);
  return h;
}

TEST(VerifyExchange, Table) {
  const DecoyedBundle sent = sent_bundle();
  struct Row {
    const char* name;
    HostExchange exchange;
    protocol::CheckStatus status;     // of the real checks
    std::vector<std::string> wanted;  // substrings of the evidence; none: clean
  };
  auto exchange = [&](std::optional<AgentInstance> known, Result<protocol::Hello> hello,
                      Result<protocol::Body> reply, std::uint64_t malformed = 0) {
    HostExchange ex;
    ex.known = std::move(known);
    ex.hello = std::move(hello);
    ex.reply = std::move(reply);
    ex.waited = 1503ms;
    ex.malformed_frames = malformed;
    ex.last_malformed = malformed ? "line 1: not JSON" : "";
    return ex;
  };
  const protocol::Body answer = honest(sent);
  const Row rows[] = {
      {"honest, same instance",
       exchange(kFirst, hello_of(kFirst), answer),
       protocol::CheckStatus::kPass,
       {}},
      {"honest, first run",
       exchange(std::nullopt, hello_of(kFirst), answer),
       protocol::CheckStatus::kPass,
       {}},
      {"restarted",
       exchange(kFirst, hello_of(kRestarted), answer),
       protocol::CheckStatus::kPass,
       {"agent restarted since the last run (instance 3f2a9c1e"}},
      {"silent on the bundle",
       exchange(kFirst, hello_of(kFirst),
                Error(ErrorCode::kTimeout, "no reply to run_checks within 1500 ms")),
       protocol::CheckStatus::kError,
       {"agent silent: no reply to run_checks within 1500 ms (waited 1503 ms)"}},
      {"silent on the hello",
       exchange(kFirst, Error(ErrorCode::kTimeout, "no reply to hello_request within 1500 ms"),
                Error(ErrorCode::kUnavailable, "not asked")),
       protocol::CheckStatus::kError,
       {"agent silent: no reply to hello_request"}},
      {"not connected",
       exchange(kFirst, Error(ErrorCode::kUnavailable, "the agent of host web is not connected"),
                Error(ErrorCode::kUnavailable, "not asked")),
       protocol::CheckStatus::kError,
       {"agent gone: the agent of host web is not connected"}},
      {"answered with ok",
       exchange(kFirst, hello_of(kFirst), protocol::Body(protocol::Ok{})),
       protocol::CheckStatus::kError,
       {"out of protocol: the agent answered run_checks with a \"ok\" message"}},
      {"refused within the protocol",
       exchange(kFirst, hello_of(kFirst),
                protocol::Body(protocol::ErrorReply{"bad_request", "unknown check kind"})),
       protocol::CheckStatus::kError,
       {}},
      {"garbage then silence",
       exchange(kFirst, hello_of(kFirst),
                Error(ErrorCode::kTimeout, "no reply to run_checks within 1500 ms"), 2),
       protocol::CheckStatus::kError,
       {"out of protocol: 2 malformed frame(s) from the agent during the run (last: line 1: not "
        "JSON)",
        "agent silent"}},
      {"forger after a restart",
       exchange(kFirst, hello_of(std::nullopt),
                [&] {
                  protocol::Results all = honest(sent);
                  for (auto& r : all.results) r.status = protocol::CheckStatus::kPass;
                  return protocol::Body(all);
                }()),
       protocol::CheckStatus::kPass,
       {"expected fail, agent answered pass", "-> an agent that reports no instance"}},
  };
  for (const auto& row : rows) {
    const VerifiedResults v = verify_exchange(sent, row.exchange);
    ASSERT_EQ(v.results.size(), 2u) << row.name;
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(v.results[i].status, row.status) << row.name;
      EXPECT_EQ(v.results[i].index, i) << row.name;
      EXPECT_EQ(v.results[i].description, "service " + std::to_string(i)) << row.name;
    }
    if (row.wanted.empty()) {
      EXPECT_EQ(v.integrity, "") << row.name;
    }
    for (const auto& w : row.wanted)
      EXPECT_NE(v.integrity.find(w), std::string::npos) << row.name << ": " << v.integrity;
  }
}

}  // namespace
}  // namespace atelier::provisioning
