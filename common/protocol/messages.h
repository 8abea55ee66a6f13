// The controller <-> agent messages, as typed structs. The wire form (one JSON object a line)
// is in codec.h and docs/protocol.md; nothing outside the codec sees JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/check_spec.h"

namespace atelier::protocol {

// Bumped on any change a peer of the previous version would misread. Peers refuse a message
// whose "v" differs from theirs with an `error` reply (code "version").
inline constexpr int kProtocolVersion = 1;

// The guest port name libvirt exposes in the guest; the agent's default --port.
inline constexpr const char* kDefaultGuestPort = "/dev/virtio-ports/org.atelier.agent.0";

// Longest line either side accepts (files travel base64-encoded inside one line).
inline constexpr std::size_t kMaxLineBytes = 32 * 1024 * 1024;
// Ranges decode() enforces (issue 19: 2^64-1 and 2^63-1 overflowed in the agent's arithmetic).
inline constexpr std::int64_t kMaxExecTimeoutMs = 24LL * 3600 * 1000;  // 1 ms .. 24 h
inline constexpr std::uint64_t kMaxExecOutputBytes = kMaxLineBytes;    // 0 .. 32 MiB per stream
inline constexpr std::uint32_t kMaxFileMode = 07777;

// ---- agent -> controller notifications -----------------------------------------------------

struct Identity {
  std::string session;
  std::string candidate;
  std::string host;
};

struct InterfaceFact {
  std::string name;
  std::string mac;  // empty for loopback
  bool up = false;
  std::vector<std::string> addresses;  // CIDR form
};

struct HostFacts {
  std::string hostname;
  std::string kernel;  // uname -r
  std::string os;      // PRETTY_NAME from /etc/os-release
  std::vector<InterfaceFact> interfaces;
};

// Which running agent process this is (issue 20: an agent that restarts is recorded). Made once
// when the agent starts; a new process, or the same binary after a reboot, gives another one.
// The controller compares it from run to run; it proves nothing on its own (root in the guest
// can read it), it makes a stopped or replaced agent visible unless the forger copies it.
struct AgentInstance {
  std::string nonce;                 // 128 random bits, hex, drawn at agent start
  std::int64_t started_unix_ms = 0;  // the guest's clock at agent start
  std::string boot_id;               // /proc/sys/kernel/random/boot_id: changes on every boot
  bool operator==(const AgentInstance&) const = default;
};

// Sent by the agent when the channel opens and in reply to a HelloRequest.
struct Hello {
  int protocol_version = kProtocolVersion;
  std::string agent_version;
  Identity identity;
  HostFacts facts;
  std::size_t spooled = 0;  // undelivered result sets the agent will resend
  // Absent from agents older than issue 20 (they are still read); every agent of this tree
  // sends it.
  std::optional<AgentInstance> instance;
};

// Asks the agent to (re)send its Hello: the host side may connect after the agent's first one.
struct HelloRequest {};

struct Heartbeat {
  std::uint64_t sequence = 0;
  std::int64_t unix_ms = 0;  // the agent's clock when sent
};

// ---- requests from the controller and their replies ----------------------------------------

// Runs argv directly, or `shell` through /bin/sh -c when set (then argv must be empty).
struct ExecRequest {
  std::vector<std::string> argv;
  std::optional<std::string> shell;
  std::chrono::milliseconds timeout{60000};
  std::optional<std::string> user;  // run as this user (the agent runs as root)
  std::optional<std::string> stdin_data;
  std::size_t max_output = 1024 * 1024;  // per stream; beyond it the text is cut and flagged
};

struct ExecResult {
  int exit_code = -1;         // 128+N when killed by signal N; -1 when timed out
  std::optional<int> signal;  // N when killed by a signal (9 after a timeout)
  bool timed_out = false;
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::chrono::milliseconds duration{0};
};

// Writes a whole file atomically (temp file in the same folder, fsync, rename).
struct PutFileRequest {
  std::string path;
  std::string content;                // raw bytes; base64 on the wire
  std::optional<std::uint32_t> mode;  // e.g. 0644
  std::optional<std::string> owner;
  std::optional<std::string> group;
  bool make_parents = false;
};

struct GetFileRequest {
  std::string path;
  std::size_t max_bytes = 16 * 1024 * 1024;
};

struct FileContent {
  std::string path;
  std::string content;  // raw bytes; base64 on the wire
  std::uint32_t mode = 0;
  std::string owner;
  std::string group;
  std::uint64_t size = 0;  // the file's full size, even when content was cut
  bool truncated = false;
};

// Reply to a request that has no data to return (put_file, ack-less commands).
struct Ok {};

// The checks of one bundle, for the host the agent runs on.
struct RunChecks {
  std::string bundle_id;  // unique per run; results refer to it
  std::vector<checks::Check> checks;
};

enum class CheckStatus { kPass, kFail, kError };

struct CheckResult {
  std::string result_id;  // "<bundle_id>/<index>": the dedup key for resends
  std::size_t index = 0;  // position of the check in the bundle
  std::string kind;       // "file", "http", ...
  std::string description;
  CheckStatus status = CheckStatus::kError;
  std::string expected;  // what the check wanted, in words
  std::string observed;  // the evidence: what was seen
  std::chrono::milliseconds duration{0};
  std::int64_t started_unix_ms = 0;
};

// Answers RunChecks (with `re` set) or is resent from the spool (without `re`). The controller
// stores it, then sends Ack; a result id seen twice must be stored once.
struct Results {
  std::string bundle_id;
  std::string host;
  std::vector<CheckResult> results;
  std::int64_t finished_unix_ms = 0;
};

// The controller has stored these results; the agent drops them from its spool.
struct Ack {
  std::string bundle_id;
  std::vector<std::string> result_ids;
};

// A request failed: unknown type, bad arguments, or the action itself failed.
struct ErrorReply {
  std::string code;  // "version", "bad_request", "unknown_type", "io", ...
  std::string message;
};

using Body = std::variant<Hello, HelloRequest, Heartbeat, ExecRequest, ExecResult, PutFileRequest,
                          GetFileRequest, FileContent, Ok, RunChecks, Results, Ack, ErrorReply>;

// The wire "type" of each body, in the variant's order.
inline constexpr const char* kBodyTypeNames[] = {
    "hello", "hello_request", "heartbeat", "exec", "exec_result", "put_file", "get_file", "file",
    "ok",    "run_checks",    "results",   "ack",  "error"};
static_assert(std::size(kBodyTypeNames) == std::variant_size_v<Body>);

inline const char* type_name(const Body& body) {
  return kBodyTypeNames[body.index()];
}

// One message. `id` numbers a sender's messages (0 = not a request, no reply expected);
// `re` is the id of the request this message answers.
struct Envelope {
  std::uint64_t id = 0;
  std::optional<std::uint64_t> re;
  Body body;
};

const char* to_string(CheckStatus status);

}  // namespace atelier::protocol
