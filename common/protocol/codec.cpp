// The JSON codec for protocol messages and check specs. Each struct lists its fields once, in
// a `fields(visitor, struct)` function; one visitor writes JSON, the other reads and validates.
// The field machinery is in codec_fields.h, base64 in base64.cpp.
#include "common/protocol/codec.h"

#include <cstdint>
#include <limits>

#include <boost/json.hpp>

#include "common/protocol/codec_fields.h"

namespace atelier::protocol {
namespace json = boost::json;
using namespace atelier::checks;
using namespace codec_detail;

const char* to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kError:
      return "error";
  }
  return "error";
}

Result<CheckStatus> parse_check_status(std::string_view text) {
  if (text == "pass") return CheckStatus::kPass;
  if (text == "fail") return CheckStatus::kFail;
  if (text == "error") return CheckStatus::kError;
  return Error(ErrorCode::kInvalidArgument,
               "status \"" + std::string(text) + "\" is not one of pass, fail, error");
}

namespace {

// ---- bodies with hand-written parts (base64 content, nested checks) ------------------------

json::object body_to_json(const Body& body) {
  json::object o;
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, PutFileRequest>) {
          o["path"] = b.path;
          o["content_base64"] = base64_encode(b.content);
          if (b.mode) o["mode"] = *b.mode;
          if (b.owner) o["owner"] = *b.owner;
          if (b.group) o["group"] = *b.group;
          o["make_parents"] = b.make_parents;
        } else if constexpr (std::is_same_v<B, FileContent>) {
          o["path"] = b.path;
          o["content_base64"] = base64_encode(b.content);
          o["mode"] = b.mode;
          o["owner"] = b.owner;
          o["group"] = b.group;
          o["size"] = b.size;
          o["truncated"] = b.truncated;
        } else if constexpr (std::is_same_v<B, RunChecks>) {
          o["bundle_id"] = b.bundle_id;
          json::array checks;
          for (const auto& c : b.checks) checks.push_back(check_to_json(c));
          o["checks"] = std::move(checks);
        } else {
          fields_write(o, b);
        }
      },
      body);
  return o;
}

// Reads a small object with explicit keys; used for the hand-written bodies.
template <typename T>
bool read_key(const json::object& in, const char* key, T& out, std::optional<Error>& err,
              bool required) {
  const json::value* j = in.if_contains(key);
  if (!j || j->is_null()) {
    if (required) fail(err, key, "missing");
    return false;
  }
  return from_json_value(*j, out, key, err);
}

// Ranges the types alone do not express; a clear protocol error instead of an overflow later.
Status check_ranges(const Body& body) {
  if (const auto* e = std::get_if<ExecRequest>(&body)) {
    if (e->timeout.count() < 1 || e->timeout.count() > kMaxExecTimeoutMs) {
      return Error(ErrorCode::kInvalidArgument, "timeout_ms: expected 1 to " +
                                                    std::to_string(kMaxExecTimeoutMs) + ", got " +
                                                    std::to_string(e->timeout.count()));
    }
    if (e->max_output > kMaxExecOutputBytes) {
      return Error(ErrorCode::kInvalidArgument, "max_output: expected at most " +
                                                    std::to_string(kMaxExecOutputBytes) + ", got " +
                                                    std::to_string(e->max_output));
    }
  }
  if (const auto* p = std::get_if<PutFileRequest>(&body); p && p->mode && *p->mode > kMaxFileMode) {
    return Error(ErrorCode::kInvalidArgument, "mode: expected at most 07777");
  }
  if (const auto* g = std::get_if<GetFileRequest>(&body); g && g->max_bytes > kMaxExecOutputBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "max_bytes: expected at most " + std::to_string(kMaxExecOutputBytes));
  }
  return Status();
}

Result<Body> body_from_json(std::string_view type, const json::object& in) {
  std::optional<Error> err;
  auto finish = [&](Body b) -> Result<Body> {
    if (err) return std::move(*err);
    return b;
  };
  if (type == "put_file") {
    PutFileRequest b;
    std::string b64;
    read_key(in, "path", b.path, err, true);
    read_key(in, "content_base64", b64, err, true);
    std::uint32_t mode = 0;
    if (read_key(in, "mode", mode, err, false)) b.mode = mode;
    std::string s;
    if (read_key(in, "owner", s, err, false)) b.owner = s;
    if (read_key(in, "group", s, err, false)) b.group = s;
    read_key(in, "make_parents", b.make_parents, err, false);
    if (err) return std::move(*err);
    auto content = base64_decode(b64);
    if (!content) return std::move(content).error().context("content_base64");
    b.content = std::move(*content);
    return finish(std::move(b));
  }
  if (type == "file") {
    FileContent b;
    std::string b64;
    read_key(in, "path", b.path, err, true);
    read_key(in, "content_base64", b64, err, true);
    read_key(in, "mode", b.mode, err, false);
    read_key(in, "owner", b.owner, err, false);
    read_key(in, "group", b.group, err, false);
    read_key(in, "size", b.size, err, false);
    read_key(in, "truncated", b.truncated, err, false);
    if (err) return std::move(*err);
    auto content = base64_decode(b64);
    if (!content) return std::move(content).error().context("content_base64");
    b.content = std::move(*content);
    return finish(std::move(b));
  }
  if (type == "run_checks") {
    RunChecks b;
    read_key(in, "bundle_id", b.bundle_id, err, true);
    if (err) return std::move(*err);
    const json::value* checks = in.if_contains("checks");
    if (!checks || !checks->is_array())
      return Error(ErrorCode::kInvalidArgument, "checks: expected a list");
    std::size_t i = 0;
    for (const auto& c : checks->as_array()) {
      auto check = check_from_json(c);
      if (!check) return std::move(check).error().context("checks[" + std::to_string(i) + "]");
      b.checks.push_back(std::move(*check));
      ++i;
    }
    return Body(std::move(b));
  }
  // The struct-described bodies: find the alternative by its wire name.
  Result<Body> out =
      Error(ErrorCode::kInvalidArgument, "unknown message type \"" + std::string(type) + "\"");
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (([&] {
       using B = std::variant_alternative_t<I, Body>;
       if constexpr (!std::is_same_v<B, PutFileRequest> && !std::is_same_v<B, FileContent> &&
                     !std::is_same_v<B, RunChecks>) {
         if (type == kBodyTypeNames[I]) {
           B b{};
           fields_read(in, b, "", err);
           if (err) {
             out = std::move(*err);
           } else {
             out = Body(std::in_place_index<I>, std::move(b));
           }
         }
       }
     }()),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<Body>>{});
  return out;
}

}  // namespace

// ---- checks --------------------------------------------------------------------------------

json::value check_to_json(const Check& check) {
  json::object o;
  o["kind"] = kind_name(check.kind);
  if (!check.on.empty()) o["on"] = check.on;
  if (!check.description.empty()) o["description"] = check.description;
  o["timeout_ms"] = static_cast<std::int64_t>(check.timeout.count());
  json::object args;
  std::visit([&](const auto& k) { fields_write(args, k); }, check.kind);
  o["args"] = std::move(args);
  return o;
}

Result<Check> check_from_json(const json::value& j) {
  if (!j.is_object()) return Error(ErrorCode::kInvalidArgument, "a check must be an object");
  const auto& o = j.as_object();
  const json::value* kind = o.if_contains("kind");
  if (!kind || !kind->is_string()) return Error(ErrorCode::kInvalidArgument, "kind: missing");
  Check check;
  std::optional<Error> err;
  read_key(o, "on", check.on, err, false);
  read_key(o, "description", check.description, err, false);
  read_key(o, "timeout_ms", check.timeout, err, false);
  for (const auto& kv : o) {
    auto k = kv.key();
    if (k != "kind" && k != "on" && k != "description" && k != "timeout_ms" && k != "args") {
      fail(err, std::string(k), "unknown key");
    }
  }
  if (err) return std::move(*err);
  static const json::object kEmpty;
  const json::value* args_v = o.if_contains("args");
  if (args_v && !args_v->is_object())
    return Error(ErrorCode::kInvalidArgument, "args: expected an object");
  const json::object& args = args_v ? args_v->as_object() : kEmpty;
  bool found = false;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (([&] {
       if (!found && kind->as_string() == kCheckKindNames[I]) {
         found = true;
         std::variant_alternative_t<I, CheckKind> k{};
         fields_read(args, k, "args", err);
         check.kind.template emplace<I>(std::move(k));
       }
     }()),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<CheckKind>>{});
  if (!found) {
    return Error(ErrorCode::kInvalidArgument,
                 "kind: \"" + std::string(kind->as_string()) + "\" is not a check kind");
  }
  if (err) return std::move(*err).context(std::string("check of kind ") + kind_name(check.kind));
  return check;
}

json::value result_to_json(const CheckResult& result) {
  json::object o;
  fields_write(o, result);
  return o;
}

Result<CheckResult> result_from_json(const json::value& j) {
  CheckResult r;
  std::optional<Error> err;
  from_json_value(j, r, "result", err);
  if (err) return std::move(*err);
  return r;
}

// ---- envelopes -----------------------------------------------------------------------------

std::string encode(const Envelope& message) {
  json::object o;
  o["v"] = kProtocolVersion;
  o["type"] = type_name(message.body);
  if (message.id != 0) o["id"] = message.id;
  if (message.re) o["re"] = *message.re;
  o["body"] = body_to_json(message.body);
  std::string line = json::serialize(o);
  line += '\n';
  return line;
}

Result<Envelope> decode(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  boost::system::error_code ec;
  json::value j = json::parse(line, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "not JSON: " + ec.message());
  if (!j.is_object()) return Error(ErrorCode::kInvalidArgument, "a message must be a JSON object");
  const auto& o = j.as_object();
  std::optional<Error> err;
  int version = 0;
  read_key(o, "v", version, err, true);
  if (err) return std::move(*err);
  if (version != kProtocolVersion) {
    return Error(ErrorCode::kInvalidArgument, "version " + std::to_string(version) +
                                                  " is not supported (this side speaks " +
                                                  std::to_string(kProtocolVersion) + ")");
  }
  Envelope e;
  std::string type;
  read_key(o, "type", type, err, true);
  read_key(o, "id", e.id, err, false);
  std::uint64_t re = 0;
  if (read_key(o, "re", re, err, false)) e.re = re;
  if (err) return std::move(*err);
  static const json::object kEmpty;
  const json::value* body = o.if_contains("body");
  if (body && !body->is_object())
    return Error(ErrorCode::kInvalidArgument, "body: expected an object");
  auto parsed = body_from_json(type, body ? body->as_object() : kEmpty);
  if (!parsed) return std::move(parsed).error().context("message \"" + type + "\"");
  if (auto range = check_ranges(*parsed); !range.ok()) {
    return std::move(range).error().context("message \"" + type + "\"");
  }
  e.body = std::move(*parsed);
  return e;
}

}  // namespace atelier::protocol
