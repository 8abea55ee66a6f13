// Network helpers shared by the tcp, flow and dns checks: resolve, connect with a deadline,
// and a udp probe, each reporting what happened in words for the evidence.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace atelier::agent {

enum class ProbeOutcome {
  kOpen,         // tcp connected / udp answered
  kRefused,      // RST or ICMP port unreachable
  kTimeout,      // no answer at all within the deadline (dropped, or nobody there)
  kUnreachable,  // ICMP host/net unreachable or prohibited, no route
  kNoAnswer,     // udp: sent, no reply and no refusal (open|filtered)
  kError,        // resolution or a local failure
};

struct ProbeResult {
  ProbeOutcome outcome = ProbeOutcome::kError;
  std::string address;  // the address tried, "10.0.0.5:25"
  std::string detail;   // "connected in 2 ms", "connection refused", ...
};

ProbeResult tcp_probe(const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout);
// Sends one datagram (a DNS query for port 53, empty otherwise) and waits for a reply.
ProbeResult udp_probe(const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout);

}  // namespace atelier::agent
