// libFuzzer target over the agent protocol's decoding (common/protocol/codec.h): any line, as the
// agent and the controller read it from the channel, must decode to a message or an error, never
// a crash, a hang or a sanitizer report. Beyond that it aborts when a decoded message breaks
// decode()'s contract: a value outside the ranges of messages.h (issue 19), or a message that
// does not survive encode() then decode() unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "common/protocol/codec.h"

namespace {
using namespace atelier::protocol;

void require(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "agent message fuzzer: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// The ranges decode() promises (messages.h), checked on what it let through.
void check_ranges(const Body& body) {
  if (const auto* e = std::get_if<ExecRequest>(&body)) {
    require(e->timeout.count() >= 1 && e->timeout.count() <= kMaxExecTimeoutMs,
            "exec timeout_ms out of range was accepted");
    require(e->max_output <= kMaxExecOutputBytes, "exec max_output out of range was accepted");
  }
  if (const auto* p = std::get_if<PutFileRequest>(&body)) {
    require(!p->mode || *p->mode <= kMaxFileMode, "put_file mode over 07777 was accepted");
  }
  if (const auto* g = std::get_if<GetFileRequest>(&body)) {
    require(g->max_bytes <= kMaxExecOutputBytes, "get_file max_bytes out of range was accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto decoded = decode(line);
  if (!decoded) {
    (void)decoded.error().to_string();  // the text the agent sends back in its error reply
    return 0;
  }
  check_ranges(decoded->body);
  const std::string once = encode(*decoded);
  require(!once.empty() && once.find('\n') == once.size() - 1,
          "encode() did not give one line:", once);
  auto again = decode(once);
  require(again.ok(), "a decoded message, encoded again, is refused:",
          again.ok() ? std::string() : again.error().to_string() + " <- " + once);
  require(again->body.index() == decoded->body.index() && again->id == decoded->id &&
              again->re == decoded->re,
          "encode() then decode() changed the envelope:", once);
  require(encode(*again) == once, "encode() then decode() changed the message:", once);
  return 0;
}
